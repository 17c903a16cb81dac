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

TEST(Config, TheWebUiIsOnAndBuiltInByDefaultAndAFolderMustHoldABuild) {
  const auto defaults = load_config({});
  EXPECT_TRUE(defaults.ui.enabled);
  EXPECT_TRUE(defaults.ui.dir.empty());
  EXPECT_EQ(defaults.auth.session_ttl, std::chrono::hours(12));

  pier::testing::TempDir dir;
  ConfigSources sources;
  sources.environment = {{"PIER_UI_DIR", dir.path().string()}, {"PIER_UI_ENABLED", "false"},
                         {"PIER_AUTH_SESSION_TTL", "30s"}};
  EXPECT_EQ(problems(sources), (std::vector<std::string>{"auth.session_ttl", "ui.dir"}));
  std::ofstream(dir.path() / "index.html") << "<!doctype html>";
  sources.environment["PIER_AUTH_SESSION_TTL"] = "2h";
  const auto set = load_config(sources);
  EXPECT_FALSE(set.ui.enabled);
  EXPECT_EQ(set.ui.dir, dir.path());
  EXPECT_EQ(set.auth.session_ttl, std::chrono::hours(2));
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

TEST(Config, VariablesOfTheClientCommandsAreNotConfiguration) {
  ConfigSources sources;
  sources.environment["PIER_SERVER"] = "https://registry.example.org";
  sources.environment["PIER_TOKEN"] = "pier_x";
  EXPECT_TRUE(problems(sources).empty());
  sources.environment["PIER_SERVR"] = "typo";
  EXPECT_EQ(problems(sources), std::vector<std::string>{"PIER_SERVR"});
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

TEST(Config, NumbersBeyondTheirRangeAreRefusedRatherThanWrapped) {
  ConfigSources sources;
  sources.flags = {{"http.read_timeout", "213503982336000d"},       // seconds past 2^64: wrapped to 3.8 years
                   {"http.idle_timeout", "10000000000s"},          // past the nanosecond clocks' range
                   {"audit.retention", "36501d"},                  // past a century
                   {"storage.inline_max_bytes", "17179869184GiB"}};  // 2^64 bytes: wrapped to 0
  EXPECT_EQ(problems(sources), (std::vector<std::string>{"audit.retention", "http.idle_timeout", "http.read_timeout",
                                                         "storage.inline_max_bytes"}));
  sources.flags = {{"audit.retention", "36500d"}, {"storage.inline_max_bytes", "1024KiB"}};
  const auto c = load_config(sources);
  EXPECT_EQ(c.audit.retention, std::chrono::hours(24 * 36500));
  EXPECT_EQ(c.storage.inline_max_bytes, 1u << 20);
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

namespace pier::config {
namespace {

TEST(Config, AuthenticationIsOnByDefaultWithItsKeyUnderTheDataDir) {
  ConfigSources sources;
  sources.flags["data_dir"] = "/srv/pier";
  const auto c = load_config(sources);
  EXPECT_TRUE(c.auth.enabled);
  EXPECT_EQ(c.auth.service, "pier");
  EXPECT_EQ(c.auth.token_ttl, std::chrono::seconds(300));
  EXPECT_EQ(c.auth.token_key, std::filesystem::path("/srv/pier/token-signing-key.pem"));
  EXPECT_TRUE(c.ldap.url.empty());
}

TEST(Config, AuthAndLdapValuesAreChecked) {
  ConfigSources sources;
  sources.environment["PIER_AUTH_ENABLED"] = "maybe";
  sources.environment["PIER_AUTH_REALM"] = "ftp://x";
  sources.environment["PIER_AUTH_TOKEN_TTL"] = "1s";
  sources.environment["PIER_AUTH_LOGIN_MAX_FAILURES"] = "0";
  sources.environment["PIER_LDAP_URL"] = "http://directory";
  sources.environment["PIER_LDAP_USER_FILTER"] = "(uid=alice)";
  sources.environment["PIER_LDAP_TEAM_SYNC"] = "devs=acme";
  EXPECT_EQ(problems(sources),
            (std::vector<std::string>{"auth.enabled", "auth.realm", "auth.token_ttl", "ldap.team_sync", "ldap.url",
                                      "ldap.user_filter", "auth.login_max_failures"}));
}

TEST(Config, LdapNeedsABaseAndTeamSyncIsParsed) {
  ConfigSources sources;
  sources.environment["PIER_LDAP_URL"] = "ldap://127.0.0.1:389";
  EXPECT_EQ(problems(sources), (std::vector<std::string>{"ldap.user_base_dn"}));
  sources.environment["PIER_LDAP_USER_BASE_DN"] = "ou=people,dc=example,dc=org";
  sources.environment["PIER_LDAP_TEAM_SYNC"] = "developers=acme/builders, ops=acme/admins";
  const auto c = load_config(sources);
  EXPECT_EQ(c.ldap.team_sync, (std::vector<Config::TeamSync>{{"developers", "acme", "builders"},
                                                              {"ops", "acme", "admins"}}));
}

TEST(Config, PostgresMetadataNeedsItsUrlFromAFileOrTheEnvironment) {
  ConfigSources missing;
  missing.environment = {{"PIER_METADATA_DRIVER", "postgres"}};
  EXPECT_EQ(problems(missing), std::vector<std::string>{"metadata.postgres.url"});

  ConfigSources set;
  set.environment = {{"PIER_METADATA_DRIVER", "postgres"},
                     {"PIER_METADATA_POSTGRES_URL", "postgresql://pier@db.example/pier"}};
  const auto c = load_config(set);
  EXPECT_EQ(c.metadata.driver, MetadataDriver::kPostgres);
  EXPECT_EQ(c.metadata.postgres_url, "postgresql://pier@db.example/pier");

  ConfigSources other;
  other.environment = {{"PIER_METADATA_DRIVER", "mysql"}};
  EXPECT_EQ(problems(other), std::vector<std::string>{"metadata.driver"});
}

TEST(Config, JobsPollEachSecondAndAreRescuedAfterAMinuteOfSilence) {
  const auto defaults = load_config({});
  EXPECT_EQ(defaults.jobs.poll_interval, std::chrono::seconds(1));
  EXPECT_EQ(defaults.jobs.heartbeat_timeout, std::chrono::seconds(60));
  EXPECT_EQ(defaults.jobs.retention, std::chrono::hours(24 * 7));
  EXPECT_EQ(defaults.jobs.workers, 4u);

  ConfigSources set;
  set.environment = {{"PIER_JOBS_HEARTBEAT_TIMEOUT", "3s"}, {"PIER_JOBS_POLL_INTERVAL", "2s"},
                     {"PIER_JOBS_RETENTION", "30d"}, {"PIER_JOBS_WORKERS", "8"}};
  const auto c = load_config(set);
  EXPECT_EQ(c.jobs.heartbeat_timeout, std::chrono::seconds(3));
  EXPECT_EQ(c.jobs.poll_interval, std::chrono::seconds(2));
  EXPECT_EQ(c.jobs.retention, std::chrono::hours(24 * 30));
  EXPECT_EQ(c.jobs.workers, 8u);

  ConfigSources bad;
  bad.flags = {{"jobs.heartbeat_timeout", "1s"}, {"jobs.poll_interval", "0s"}, {"jobs.retention", "10m"},
               {"jobs.workers", "0"}};
  EXPECT_EQ(problems(bad), (std::vector<std::string>{"jobs.heartbeat_timeout", "jobs.poll_interval", "jobs.retention",
                                                     "jobs.workers"}));
}

}  // namespace
}  // namespace pier::config

namespace pier::config {
namespace {

TEST(Config, S3StorageNeedsAnEndpointABucketAndCredentialsWhichAwsVariablesMayGive) {
  ConfigSources missing;
  missing.environment = {{"PIER_STORAGE_DRIVER", "s3"}};
  EXPECT_EQ(problems(missing), (std::vector<std::string>{"storage.s3.endpoint", "storage.s3.bucket",
                                                         "storage.s3.access_key"}));
  ConfigSources no_scheme;
  no_scheme.environment = {{"PIER_STORAGE_DRIVER", "s3"}, {"PIER_STORAGE_S3_ENDPOINT", "s3.example:9000"},
                           {"PIER_STORAGE_S3_BUCKET", "b"}, {"PIER_STORAGE_S3_ACCESS_KEY", "k"},
                           {"PIER_STORAGE_S3_SECRET_KEY", "s"}};
  EXPECT_EQ(problems(no_scheme), std::vector<std::string>{"storage.s3.endpoint"});

  ConfigSources from_aws;
  from_aws.environment = {{"PIER_STORAGE_DRIVER", "s3"}, {"PIER_STORAGE_S3_ENDPOINT", "https://s3.example"},
                          {"PIER_STORAGE_S3_BUCKET", "images"}, {"PIER_STORAGE_S3_PART_SIZE", "16MiB"}};
  from_aws.aws_environment = {{"AWS_ACCESS_KEY_ID", "AKID"}, {"AWS_SECRET_ACCESS_KEY", "SECRET"},
                              {"AWS_DEFAULT_REGION", "eu-west-3"}};
  const auto c = load_config(from_aws);
  EXPECT_EQ(c.storage.driver, StorageDriver::kS3);
  EXPECT_EQ(c.storage.s3.access_key, "AKID");
  EXPECT_EQ(c.storage.s3.secret_key, "SECRET");
  EXPECT_EQ(c.storage.s3.region, "eu-west-3");
  EXPECT_EQ(c.storage.s3.part_size, 16u << 20);
  EXPECT_TRUE(c.storage.s3.path_style);
  EXPECT_FALSE(c.storage.s3.redirect);

  // The configuration wins over the variables; parts below S3's 5 MiB minimum are refused.
  ConfigSources configured = from_aws;
  configured.environment["PIER_STORAGE_S3_REGION"] = "us-west-2";
  EXPECT_EQ(load_config(configured).storage.s3.region, "us-west-2");
  configured.environment["PIER_STORAGE_S3_PART_SIZE"] = "1MiB";
  EXPECT_EQ(problems(configured), std::vector<std::string>{"storage.s3.part_size"});
}

}  // namespace
}  // namespace pier::config
