#include "client/config_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "test_dirs.h"

namespace pier::client {
namespace {

namespace fs = std::filesystem;

TEST(ConfigPath, XdgConfigHomeWhenAbsoluteElseHome) {
  EXPECT_EQ(config_path("/xdg", "/home/me"), fs::path("/xdg/pier/config.yaml"));
  EXPECT_EQ(config_path(nullptr, "/home/me"), fs::path("/home/me/.config/pier/config.yaml"));
  EXPECT_EQ(config_path("", "/home/me"), fs::path("/home/me/.config/pier/config.yaml"));
  EXPECT_EQ(config_path("relative", "/home/me"), fs::path("/home/me/.config/pier/config.yaml"));
}

mode_t mode_of(const fs::path& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

TEST(ConfigFile, MissingFileIsNoConfig) {
  testing::TempDir dir;
  auto read = read_config(dir.path() / "pier" / "config.yaml");
  ASSERT_TRUE(read);
  EXPECT_FALSE(*read);
  EXPECT_TRUE(remove_config(dir.path() / "pier" / "config.yaml"));
}

TEST(ConfigFile, WrittenPrivatelyAndReadBack) {
  testing::TempDir dir;
  const auto path = dir.path() / "config" / "pier" / "config.yaml";
  const ClientConfig config{"https://registry.example.org", "alice", "pier_secret: \"#x", 42, "/etc/ca.pem", true};
  ASSERT_TRUE(write_config(path, config));
  EXPECT_EQ(mode_of(path), 0600u);
  EXPECT_EQ(mode_of(path.parent_path()), 0700u);
  EXPECT_FALSE(fs::exists(path.string() + ".tmp"));

  auto read = read_config(path);
  ASSERT_TRUE(read && *read);
  EXPECT_EQ((*read)->server, config.server);
  EXPECT_EQ((*read)->user, "alice");
  EXPECT_EQ((*read)->token, config.token);
  EXPECT_EQ((*read)->token_id, 42);
  EXPECT_EQ((*read)->ca_file, "/etc/ca.pem");
  EXPECT_TRUE((*read)->insecure_skip_tls_verify);

  // Rewriting replaces the file whole, and tightens a mode someone widened.
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  ASSERT_TRUE(write_config(path, ClientConfig{"http://localhost:5000", "bob", "pier_other", 1, "", false}));
  EXPECT_EQ(mode_of(path), 0600u);
  read = read_config(path);
  ASSERT_TRUE(read && *read);
  EXPECT_EQ((*read)->user, "bob");
  EXPECT_EQ((*read)->ca_file, "");
  EXPECT_FALSE((*read)->insecure_skip_tls_verify);

  ASSERT_TRUE(remove_config(path));
  EXPECT_FALSE(fs::exists(path));
}

TEST(ConfigFile, BrokenFilesAreErrorsNamingTheFile) {
  testing::TempDir dir;
  const auto path = dir.path() / "config.yaml";
  for (const char* text : {"server: [unclosed", "- a list\n", "server: http://x\n", "token: pier_x\n",
                           "server: http://x\ntoken: t\ntoken_id: many\n"}) {
    std::ofstream(path) << text;
    auto read = read_config(path);
    ASSERT_FALSE(read) << text;
    EXPECT_NE(read.error().message.find(path.string()), std::string::npos) << read.error().message;
  }
}

}  // namespace
}  // namespace pier::client
