// config/config.h: Pier's settings, as plain typed structs.
//
// Read once at start-up by load_config(): defaults, then the YAML file, then PIER_*
// environment variables, then command-line flags. Every key has one dotted name (e.g.
// "uploads.expiry"), its environment variable is PIER_ + the name upper-cased with '.'
// turned into '_' (PIER_UPLOADS_EXPIRY), and every problem is reported with that name.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace pier::config {

enum class StorageDriver { kFilesystem, kS3 };
enum class MetadataDriver { kSqlite, kPostgres };

struct Config {
  // A directory group mirrored into a team (ldap.team_sync).
  struct TeamSync {
    std::string group;
    std::string organization;
    std::string team;
    friend bool operator==(const TeamSync&, const TeamSync&) = default;
  };

  std::string listen = ":5000";
  std::filesystem::path data_dir = "./var";

  struct Tls {
    std::string certificate;  // PEM; TLS is on when both are set
    std::string key;
  } tls;

  struct Storage {
    StorageDriver driver = StorageDriver::kFilesystem;
    std::filesystem::path root;  // default: <data_dir>/blobs
    std::uint64_t inline_max_bytes = 16 * 1024;  // smaller blobs live in the metadata database
    struct S3 {
      std::string endpoint;  // scheme://host[:port]
      std::string bucket;
      std::string region;      // default: AWS_REGION, AWS_DEFAULT_REGION, else us-east-1
      std::string access_key;  // default: AWS_ACCESS_KEY_ID
      std::string secret_key;  // default: AWS_SECRET_ACCESS_KEY
      bool path_style = true;
      std::string ca_file;
      std::uint64_t part_size = 10ull << 20;
      bool redirect = false;  // blob GETs answered with a presigned URL
      std::chrono::seconds redirect_expiry{std::chrono::minutes(20)};
    } s3;
  } storage;

  struct Metadata {
    MetadataDriver driver = MetadataDriver::kSqlite;
    std::filesystem::path path;  // default: <data_dir>/pier.db
    std::string postgres_url;    // a libpq connection URI, for the postgres driver
  } metadata;

  struct Uploads {
    std::chrono::seconds expiry{std::chrono::hours(24)};
    std::chrono::seconds purge_interval{std::chrono::minutes(10)};
  } uploads;

  struct Limits {
    std::uint64_t manifest_max_bytes = 4 * 1024 * 1024;
    std::uint64_t header_max_bytes = 64 * 1024;
  } limits;

  struct Http {
    std::chrono::seconds read_timeout{60};
    std::chrono::seconds idle_timeout{120};
    std::chrono::seconds shutdown_timeout{30};
    unsigned io_threads = 0;  // 0: one per core
    unsigned blocking_threads = 16;
  } http;

  struct Auth {
    bool enabled = true;
    std::string service = "pier";   // the token audience and the challenge's service=
    std::string issuer = "pier";
    std::string realm;              // token endpoint URL; default: this server's /v2/auth
    std::filesystem::path token_key;  // ES256 signing key (PEM); default: <data_dir>/token-signing-key.pem
    std::chrono::seconds token_ttl{300};
    std::chrono::seconds refresh_token_ttl{std::chrono::hours(24 * 7)};
    std::chrono::seconds session_ttl{std::chrono::hours(12)};  // web UI sign-in sessions
    std::string admin_password;     // for the first start; PIER_ADMIN_PASSWORD also works
    unsigned login_max_failures = 10;
    std::chrono::seconds login_window{300};
  } auth;

  struct Ui {
    bool enabled = true;
    std::filesystem::path dir;  // empty: the UI built into the binary
  } ui;

  struct Ldap {
    std::string url;  // empty: no directory
    std::string tls_ca_file;
    std::string bind_dn;
    std::string bind_password;
    std::string user_base_dn;
    std::string user_filter = "(uid={username})";
    std::string email_attribute = "mail";
    std::string group_base_dn;
    std::string group_filter = "(member={dn})";
    std::string group_name_attribute = "cn";
    bool start_tls = false;
    std::chrono::seconds timeout{10};
    std::vector<TeamSync> team_sync;  // from "group=org/team,group2=org/team2"
  } ldap;

  struct Audit {
    std::chrono::seconds retention{std::chrono::hours(24 * 90)};
  } audit;

  // Image lifecycle (services/garbage_collector.h, services/tag_lifecycle.h).
  struct Gc {
    std::chrono::seconds interval{std::chrono::hours(1)};
    std::chrono::seconds history_window{std::chrono::hours(24 * 14)};
    std::chrono::seconds blob_grace{std::chrono::hours(1)};
  } gc;

  struct Retention {
    std::chrono::seconds interval{std::chrono::hours(1)};
  } retention;

  // Jobs that run once across the replicas sharing the metadata database (jobs/job_runner.h).
  struct Jobs {
    std::chrono::seconds poll_interval{1};
    std::chrono::seconds heartbeat_timeout{60};  // a job's replica silent this long: run it elsewhere
    std::chrono::seconds retention{std::chrono::hours(24 * 7)};  // finished jobs kept this long
    unsigned workers = 4;
  } jobs;

  // Notification rules' deliveries (services/notification_service.h).
  struct Notifications {
    std::string registry;  // host[:port] events name; default: localhost and the listen port
    std::chrono::seconds timeout{10};  // one attempt
    unsigned max_attempts = 10;
    unsigned disable_after = 5;  // deliveries failed in a row before a rule is disabled
    struct Smtp {
      std::string url;  // smtp://host:port or smtps://host:port; empty: email rules cannot send
      std::string username;
      std::string password;
      std::string from = "pier@localhost";
      bool starttls = true;
      std::string ca_file;
      bool insecure_skip_verify = false;
    } smtp;
  } notifications;

  struct Log {
    std::string level = "info";
    bool access_log = true;
  } log;

  bool tls_enabled() const { return !tls.certificate.empty() || !tls.key.empty(); }
  // The listen address split into host and port.
  std::string listen_host() const;
  std::uint16_t listen_port() const;
};

struct ConfigError {
  std::string key;
  std::string message;
};

// Thrown by load_config with every problem found, each naming its key.
struct InvalidConfig : std::runtime_error {
  explicit InvalidConfig(std::vector<ConfigError> errors);
  std::vector<ConfigError> errors;
};

struct ConfigSources {
  std::optional<std::filesystem::path> file;
  std::map<std::string, std::string> environment;  // PIER_* variables
  std::map<std::string, std::string> flags;        // dotted key -> value
  // AWS_* variables: what the storage.s3 keys left unset default to, as in every S3 client.
  std::map<std::string, std::string> aws_environment;
};

// Applies the sources in order over the defaults, validates, and fills derived defaults.
Config load_config(const ConfigSources& sources);

// PIER_* variables of this process.
std::map<std::string, std::string> pier_environment();
// AWS_* variables of this process.
std::map<std::string, std::string> aws_environment();

// Every key with its environment variable and description, for --help and the docs.
struct KeyInfo {
  std::string key;
  std::string env;
  std::string description;
};
std::vector<KeyInfo> config_keys();

}  // namespace pier::config
