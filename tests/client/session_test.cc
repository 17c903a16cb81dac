#include "client/session.h"

#include <gtest/gtest.h>

namespace pier::client {
namespace {

ClientConfig stored() { return {"http://127.0.0.1:5000", "alice", "pier_stored", 3, "/ca.pem", false}; }

TEST(Session, TheLoginsServerAndToken) {
  SessionSources sources;
  sources.stored = stored();
  auto session = resolve_session(sources);
  ASSERT_TRUE(session && *session);
  EXPECT_EQ((*session)->server.url, "http://127.0.0.1:5000");
  EXPECT_EQ((*session)->token, "pier_stored");
  EXPECT_EQ((*session)->server.tls.ca_file, "/ca.pem");
  ASSERT_TRUE((*session)->server.stored);
  EXPECT_EQ((*session)->server.stored->user, "alice");
}

TEST(Session, NothingAnywhereIsNotLoggedIn) {
  auto session = resolve_session({});
  ASSERT_TRUE(session);
  EXPECT_FALSE(*session);
  auto server = resolve_server({});
  ASSERT_TRUE(server);
  EXPECT_FALSE(*server);
}

TEST(Session, FlagsBeforeEnvironmentBeforeTheLogin) {
  SessionSources sources;
  sources.stored = stored();
  sources.token_env = "pier_env";
  EXPECT_EQ((*resolve_session(sources))->token, "pier_env");
  sources.token_flag = "pier_flag";
  EXPECT_EQ((*resolve_session(sources))->token, "pier_flag");

  sources.server_env = "registry.example.org";
  EXPECT_EQ((*resolve_session(sources))->server.url, "https://registry.example.org");
  sources.server_flag = "localhost:6000";
  auto session = resolve_session(sources);
  EXPECT_EQ((*session)->server.url, "http://localhost:6000");
  EXPECT_EQ((*session)->token, "pier_flag");
  EXPECT_FALSE((*session)->server.stored);
  EXPECT_EQ((*session)->server.tls.ca_file, "");  // the login's CAs are for the login's server
}

TEST(Session, TheStoredTokenGoesOnlyToTheStoredServer) {
  SessionSources sources;
  sources.stored = stored();
  sources.server_flag = "https://elsewhere.example.org";
  auto session = resolve_session(sources);
  ASSERT_TRUE(session);
  EXPECT_FALSE(*session);
  // The same server named another way is the same server.
  sources.server_flag = "127.0.0.1:5000/";
  session = resolve_session(sources);
  ASSERT_TRUE(session && *session);
  EXPECT_EQ((*session)->token, "pier_stored");
}

TEST(Session, TlsFlagsAddToTheLogins) {
  SessionSources sources;
  sources.stored = stored();
  sources.insecure_flag = true;
  auto server = resolve_server(sources);
  ASSERT_TRUE(server && *server);
  EXPECT_TRUE((*server)->tls.insecure_skip_verify);
  EXPECT_EQ((*server)->tls.ca_file, "/ca.pem");
  sources.ca_file_flag = "/other.pem";
  EXPECT_EQ((*resolve_server(sources))->tls.ca_file, "/other.pem");
}

TEST(Session, ABadServerIsAnError) {
  SessionSources sources;
  sources.server_env = "ftp://x";
  sources.token_env = "pier_x";
  EXPECT_FALSE(resolve_session(sources));
}

}  // namespace
}  // namespace pier::client
