#include "client/urls.h"

#include <gtest/gtest.h>

namespace pier::client {
namespace {

std::string normalised(std::string_view text) {
  auto url = normalise_server_url(text);
  return url ? *url : "error: " + url.error().message;
}

TEST(ServerUrl, HostAndPortGetHttpOnlyOnLoopback) {
  EXPECT_EQ(normalised("localhost:5000"), "http://localhost:5000");
  EXPECT_EQ(normalised("127.0.0.1:5000"), "http://127.0.0.1:5000");
  EXPECT_EQ(normalised("[::1]:5000"), "http://[::1]:5000");
  EXPECT_EQ(normalised("LocalHost"), "http://localhost");
  EXPECT_EQ(normalised("registry.example.org"), "https://registry.example.org");
  EXPECT_EQ(normalised("registry.example.org:8443"), "https://registry.example.org:8443");
  EXPECT_EQ(normalised("10.0.0.5:5000"), "https://10.0.0.5:5000");
  EXPECT_EQ(normalised("[2001:db8::1]:5000"), "https://[2001:db8::1]:5000");
  EXPECT_EQ(normalised("127.0.0.2:5000"), "https://127.0.0.2:5000");
}

TEST(ServerUrl, FullUrlsKeepTheirSchemeAndLoseTrailingSlashes) {
  EXPECT_EQ(normalised("http://registry.example.org:5000/"), "http://registry.example.org:5000");
  EXPECT_EQ(normalised("HTTPS://Registry.Example.org"), "https://registry.example.org");
  EXPECT_EQ(normalised("https://localhost:5000"), "https://localhost:5000");
  EXPECT_EQ(normalised("  http://127.0.0.1:5000  "), "http://127.0.0.1:5000");
}

TEST(ServerUrl, RefusesWhatIsNotAServer) {
  for (const char* bad : {"", "   ", "ftp://host", "http://", "https://user:secret@host", "user@host",
                          "http://host/path", "host/v2", "http://host?x=1", "host#frag", "host:0", "host:65536",
                          "host:port", "host:", "ho st", "under_score.example", "[::1", "http://[zz]:5000"}) {
    EXPECT_FALSE(normalise_server_url(bad)) << bad;
  }
  EXPECT_EQ(normalised("http://host/path"), "error: server http://host/path: must be host[:port] or a URL without a path");
}

TEST(Paths, SegmentsAreEncodedSoNamesCannotChangeTheEndpoint) {
  EXPECT_EQ(path_segment("acme+ci"), "acme+ci");
  EXPECT_EQ(path_segment("system:image-puller"), "system:image-puller");
  EXPECT_EQ(path_segment("a/b"), "a%2Fb");
  EXPECT_EQ(path_segment("../x"), "..%2Fx");
  EXPECT_EQ(path_segment("a b?c#d%"), "a%20b%3Fc%23d%25");
  EXPECT_EQ(path_segment("\xC3\xA9"), "%C3%A9");
  EXPECT_EQ(repository_path("acme/team/app"), "acme/team/app");
  EXPECT_EQ(repository_path("acme/a?b"), "acme/a%3Fb");
}

TEST(Paths, QueryStrings) {
  EXPECT_EQ(query_string({}), "");
  EXPECT_EQ(query_string({{"namespace", "acme"}, {"limit", "5"}}), "?namespace=acme&limit=5");
  EXPECT_EQ(query_string({{"actor", "a+b c&d=e"}}), "?actor=a%2Bb%20c%26d%3De");
}

}  // namespace
}  // namespace pier::client
