#include "config/config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "test_dirs.h"

namespace pier::config {
namespace {

std::vector<std::string> problems(const ConfigSources& sources) {
  try {
    load_config(sources);
  } catch (const InvalidConfig& e) {
    std::vector<std::string> keys;
    for (const auto& error : e.errors) keys.push_back(error.key);
    return keys;
  }
  return {};
}

TEST(Config, DefaultsServeOnPort5000UnderVar) {
  const auto c = load_config({});
  EXPECT_EQ(c.listen_port(), 5000);
  EXPECT_EQ(c.listen_host(), "0.0.0.0");
  EXPECT_EQ(c.metadata.path, std::filesystem::path("./var/pier.db"));
  EXPECT_EQ(c.storage.root, std::filesystem::path("./var/blobs"));
  EXPECT_FALSE(c.tls_enabled());
}

TEST(Config, FileThenEnvironmentThenFlags) {
  testing::TempDir dir;
  const auto file = dir.path() / "pier.yaml";
  std::ofstream(file) << "listen: 127.0.0.1:6000\nuploads:\n  expiry: 2h\nlimits:\n  manifest_max_bytes: 1MiB\n";
  ConfigSources sources;
  sources.file = file;
  sources.environment["PIER_UPLOADS_EXPIRY"] = "90m";
  sources.flags["listen"] = "[::1]:7000";
  const auto c = load_config(sources);
  EXPECT_EQ(c.listen_port(), 7000);
  EXPECT_EQ(c.listen_host(), "::1");
  EXPECT_EQ(c.uploads.expiry, std::chrono::minutes(90));
  EXPECT_EQ(c.limits.manifest_max_bytes, 1u << 20);
}

TEST(Config, EveryProblemIsReportedWithItsKey) {
  testing::TempDir dir;
  const auto file = dir.path() / "pier.yaml";
  std::ofstream(file) << "listen: nowhere\nuploads:\n  expiry: soon\nstorage:\n  driver: tape\nbogus: 1\n"
                         "tls:\n  certificate: /nonexistent.pem\n";
  ConfigSources sources;
  sources.file = file;
  sources.environment["PIER_HTTP_IO_THREADS"] = "many";
  const auto keys = problems(sources);
  for (const char* key : {"listen", "uploads.expiry", "storage.driver", "bogus", "tls.certificate", "http.io_threads"}) {
    EXPECT_NE(std::find(keys.begin(), keys.end(), key), keys.end()) << key;
  }
}

TEST(Config, MalformedYamlIsReported) {
  testing::TempDir dir;
  const auto file = dir.path() / "pier.yaml";
  std::ofstream(file) << "listen: [unclosed\n";
  ConfigSources sources;
  sources.file = file;
  EXPECT_EQ(problems(sources), std::vector<std::string>{"(file)"});
}

}  // namespace
}  // namespace pier::config
