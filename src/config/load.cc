#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <limits>

#include "config/config.h"
#include "common/names.h"
#include "common/text.h"

extern char** environ;

namespace pier::config {

namespace {

using Setter = std::function<std::optional<std::string>(Config&, const std::string&)>;

struct Key {
  std::string name;
  std::string description;
  Setter set;
};

std::optional<std::uint64_t> to_uint(const std::string& text) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Durations are added to clock readings kept in 64-bit nanoseconds (which end in 2262): a
// century keeps now plus any of them in range.
constexpr std::uint64_t kLongestDurationSeconds = 100ull * 365 * 86400;

// "90", "90s", "15m", "24h", "7d"; nullopt beyond kLongestDurationSeconds.
std::optional<std::chrono::seconds> to_duration(const std::string& text) {
  if (text.empty()) return std::nullopt;
  std::uint64_t unit = 1;
  std::string number = text;
  switch (text.back()) {
    case 's': unit = 1; number.pop_back(); break;
    case 'm': unit = 60; number.pop_back(); break;
    case 'h': unit = 3600; number.pop_back(); break;
    case 'd': unit = 86400; number.pop_back(); break;
    case 'w': unit = 7 * 86400; number.pop_back(); break;
    default: break;
  }
  const auto value = to_uint(number);
  if (!value || *value > kLongestDurationSeconds / unit) return std::nullopt;
  return std::chrono::seconds(static_cast<std::int64_t>(*value * unit));
}

// "4194304", "4MiB", "64KiB", "1GiB".
std::optional<std::uint64_t> to_size(const std::string& text) {
  static const std::pair<std::string_view, std::uint64_t> kSuffixes[] = {
      {"GiB", 1ull << 30}, {"MiB", 1ull << 20}, {"KiB", 1ull << 10}, {"B", 1}};
  for (const auto& [suffix, factor] : kSuffixes) {
    if (text.size() > suffix.size() && text.ends_with(suffix)) {
      const auto value = to_uint(text.substr(0, text.size() - suffix.size()));
      if (!value || *value > std::numeric_limits<std::uint64_t>::max() / factor) return std::nullopt;
      return *value * factor;
    }
  }
  return to_uint(text);
}

std::optional<bool> to_bool(const std::string& text) {
  if (text == "true" || text == "yes" || text == "on" || text == "1") return true;
  if (text == "false" || text == "no" || text == "off" || text == "0") return false;
  return std::nullopt;
}

template <class Field>
Setter string_field(Field field) {
  return [field](Config& c, const std::string& v) -> std::optional<std::string> {
    field(c) = v;
    return std::nullopt;
  };
}

// "group=org/team,group2=org/team2"; nullopt if malformed.
std::optional<std::vector<Config::TeamSync>> parse_team_sync(std::string_view text) {
  std::vector<Config::TeamSync> mappings;
  for (const auto item : split_list(text, ',')) {
    const auto equals = item.rfind('=');
    if (equals == std::string_view::npos) return std::nullopt;
    const auto target = item.substr(equals + 1);
    const auto slash = target.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    Config::TeamSync mapping{std::string(item.substr(0, equals)), std::string(target.substr(0, slash)),
                             std::string(target.substr(slash + 1))};
    if (mapping.group.empty() || !is_valid_account_name(mapping.organization) || !is_valid_account_name(mapping.team)) {
      return std::nullopt;
    }
    mappings.push_back(std::move(mapping));
  }
  return mappings;
}

template <class Field>
Setter bool_field(Field field) {
  return [field](Config& c, const std::string& v) -> std::optional<std::string> {
    const auto b = to_bool(v);
    if (!b) return "must be true or false, got \"" + v + "\"";
    field(c) = *b;
    return std::nullopt;
  };
}

template <class Field>
Setter nonempty_field(Field field) {
  return [field](Config& c, const std::string& v) -> std::optional<std::string> {
    if (v.empty()) return "must not be empty";
    field(c) = v;
    return std::nullopt;
  };
}

template <class Field>
Setter duration_field(Field field, std::chrono::seconds minimum) {
  return [field, minimum](Config& c, const std::string& v) -> std::optional<std::string> {
    const auto d = to_duration(v);
    if (!d) return "must be a duration such as 30s, 15m, 24h, 7d or 2w, at most 36500d, got \"" + v + "\"";
    if (*d < minimum) return "must be at least " + std::to_string(minimum.count()) + "s, got \"" + v + "\"";
    field(c) = *d;
    return std::nullopt;
  };
}

template <class Field>
Setter size_field(Field field, std::uint64_t minimum, std::uint64_t maximum) {
  return [field, minimum, maximum](Config& c, const std::string& v) -> std::optional<std::string> {
    const auto n = to_size(v);
    if (!n) return "must be a size in bytes (or with KiB, MiB, GiB), got \"" + v + "\"";
    if (*n < minimum || *n > maximum) {
      return "must be between " + std::to_string(minimum) + " and " + std::to_string(maximum) + " bytes";
    }
    field(c) = *n;
    return std::nullopt;
  };
}

template <class Field>
Setter count_field(Field field, unsigned maximum) {
  return [field, maximum](Config& c, const std::string& v) -> std::optional<std::string> {
    const auto n = to_uint(v);
    if (!n || *n > maximum) return "must be a whole number from 0 to " + std::to_string(maximum);
    field(c) = static_cast<unsigned>(*n);
    return std::nullopt;
  };
}

const std::vector<Key>& keys() {
  using std::chrono::seconds;
  static const std::vector<Key> table = {
      {"listen", "address to serve on, [host]:port", string_field([](Config& c) -> auto& { return c.listen; })},
      {"data_dir", "folder for the embedded database and blobs",
       [](Config& c, const std::string& v) -> std::optional<std::string> {
         if (v.empty()) return "must not be empty";
         c.data_dir = v;
         return std::nullopt;
       }},
      {"tls.certificate", "PEM certificate chain; TLS is on when set with tls.key",
       string_field([](Config& c) -> auto& { return c.tls.certificate; })},
      {"tls.key", "PEM private key", string_field([](Config& c) -> auto& { return c.tls.key; })},
      {"storage.driver", "blob storage: filesystem, or s3 (an S3-compatible bucket shared by replicas)",
       [](Config& c, const std::string& v) -> std::optional<std::string> {
         if (v == "filesystem") {
           c.storage.driver = StorageDriver::kFilesystem;
         } else if (v == "s3") {
           c.storage.driver = StorageDriver::kS3;
         } else {
           return "must be \"filesystem\" or \"s3\", got \"" + v + "\"";
         }
         return std::nullopt;
       }},
      {"storage.s3.endpoint", "S3 endpoint URL with its scheme, e.g. https://s3.eu-west-1.amazonaws.com",
       string_field([](Config& c) -> auto& { return c.storage.s3.endpoint; })},
      {"storage.s3.bucket", "bucket for blobs (it must exist)",
       string_field([](Config& c) -> auto& { return c.storage.s3.bucket; })},
      {"storage.s3.region", "signing region (default AWS_REGION, AWS_DEFAULT_REGION or us-east-1)",
       string_field([](Config& c) -> auto& { return c.storage.s3.region; })},
      {"storage.s3.access_key", "access key id (default AWS_ACCESS_KEY_ID)",
       string_field([](Config& c) -> auto& { return c.storage.s3.access_key; })},
      {"storage.s3.secret_key", "secret access key (default AWS_SECRET_ACCESS_KEY)",
       string_field([](Config& c) -> auto& { return c.storage.s3.secret_key; })},
      {"storage.s3.path_style", "address the bucket as endpoint/bucket (true) or bucket.endpoint-host (false)",
       bool_field([](Config& c) -> auto& { return c.storage.s3.path_style; })},
      {"storage.s3.ca_file", "PEM CA bundle to verify the endpoint with (default the system's)",
       string_field([](Config& c) -> auto& { return c.storage.s3.ca_file; })},
      {"storage.s3.part_size", "size of each multipart-upload part an upload is sent in",
       size_field([](Config& c) -> auto& { return c.storage.s3.part_size; }, 5ull << 20, 5ull << 30)},
      {"storage.s3.redirect", "answer blob GETs with a redirect to a presigned bucket URL",
       bool_field([](Config& c) -> auto& { return c.storage.s3.redirect; })},
      {"storage.s3.redirect_expiry", "how long a presigned blob URL stays valid",
       duration_field([](Config& c) -> auto& { return c.storage.s3.redirect_expiry; }, seconds(60))},
      {"storage.filesystem.root", "folder for blobs (default <data_dir>/blobs)",
       [](Config& c, const std::string& v) -> std::optional<std::string> {
         c.storage.root = v;
         return std::nullopt;
       }},
      {"storage.inline_max_bytes",
       "blobs up to this size are kept in the metadata database, stored in the commit that links them; 0: none",
       size_field([](Config& c) -> auto& { return c.storage.inline_max_bytes; }, 0, 1ull << 20)},
      {"metadata.driver", "metadata database: sqlite (embedded) or postgres (shared by replicas)",
       [](Config& c, const std::string& v) -> std::optional<std::string> {
         if (v == "sqlite") {
           c.metadata.driver = MetadataDriver::kSqlite;
         } else if (v == "postgres") {
           c.metadata.driver = MetadataDriver::kPostgres;
         } else {
           return "must be \"sqlite\" or \"postgres\", got \"" + v + "\"";
         }
         return std::nullopt;
       }},
      {"metadata.postgres.url", "PostgreSQL connection URI (libpq), e.g. postgresql://pier@db.example/pier",
       string_field([](Config& c) -> auto& { return c.metadata.postgres_url; })},
      {"metadata.sqlite.path", "SQLite database file (default <data_dir>/pier.db)",
       [](Config& c, const std::string& v) -> std::optional<std::string> {
         c.metadata.path = v;
         return std::nullopt;
       }},
      {"uploads.expiry", "an upload session idle this long is removed with its data",
       duration_field([](Config& c) -> auto& { return c.uploads.expiry; }, seconds(1))},
      {"uploads.purge_interval", "how often expired upload sessions are looked for",
       duration_field([](Config& c) -> auto& { return c.uploads.purge_interval; }, seconds(1))},
      {"limits.manifest_max_bytes", "largest manifest accepted (413 beyond)",
       size_field([](Config& c) -> auto& { return c.limits.manifest_max_bytes; }, 1024, 64ull << 20)},
      {"limits.header_max_bytes", "largest request header block accepted (431 beyond)",
       size_field([](Config& c) -> auto& { return c.limits.header_max_bytes; }, 1024, 1ull << 20)},
      {"http.read_timeout", "deadline for each read of a request's headers or body, and each write",
       duration_field([](Config& c) -> auto& { return c.http.read_timeout; }, seconds(1))},
      {"http.idle_timeout", "a kept-alive connection idle this long is closed",
       duration_field([](Config& c) -> auto& { return c.http.idle_timeout; }, seconds(1))},
      {"http.shutdown_timeout", "on SIGTERM, how long in-flight requests may take to finish",
       duration_field([](Config& c) -> auto& { return c.http.shutdown_timeout; }, seconds(0))},
      {"http.io_threads", "threads serving connections (0: one per core)",
       count_field([](Config& c) -> auto& { return c.http.io_threads; }, 256)},
      {"http.blocking_threads", "threads for disk syncs and database writes",
       count_field([](Config& c) -> auto& { return c.http.blocking_threads; }, 1024)},
      {"auth.enabled", "require sign-in (false: anonymous full access, for closed networks and benchmarks)",
       bool_field([](Config& c) -> auto& { return c.auth.enabled; })},
      {"auth.service", "service name in tokens and challenges",
       nonempty_field([](Config& c) -> auto& { return c.auth.service; })},
      {"auth.issuer", "issuer of the tokens Pier signs", nonempty_field([](Config& c) -> auto& { return c.auth.issuer; })},
      {"auth.realm", "token endpoint URL in challenges (default: this server's /v2/auth)",
       [](Config& c, const std::string& v) -> std::optional<std::string> {
         if (!v.empty() && !v.starts_with("http://") && !v.starts_with("https://")) {
           return "must be an http:// or https:// URL, got \"" + v + "\"";
         }
         c.auth.realm = v;
         return std::nullopt;
       }},
      {"auth.token_key", "PEM file of the ES256 key tokens are signed with (created if absent)",
       [](Config& c, const std::string& v) -> std::optional<std::string> {
         c.auth.token_key = v;
         return std::nullopt;
       }},
      {"auth.token_ttl", "lifetime of registry tokens",
       duration_field([](Config& c) -> auto& { return c.auth.token_ttl; }, seconds(10))},
      {"auth.refresh_token_ttl", "lifetime of OAuth2 refresh tokens",
       duration_field([](Config& c) -> auto& { return c.auth.refresh_token_ttl; }, seconds(60))},
      {"auth.session_ttl", "lifetime of web UI sign-in sessions",
       duration_field([](Config& c) -> auto& { return c.auth.session_ttl; }, seconds(60))},
      {"auth.admin_password", "password of the superuser admin created on the first start (default: random, printed once)",
       string_field([](Config& c) -> auto& { return c.auth.admin_password; })},
      {"auth.login_max_failures", "failed sign-ins of one account from one client address allowed within auth.login_window (ten times as many from one address across accounts)",
       count_field([](Config& c) -> auto& { return c.auth.login_max_failures; }, 1000000)},
      {"auth.login_window", "the window failed sign-ins are counted in",
       duration_field([](Config& c) -> auto& { return c.auth.login_window; }, seconds(1))},
      {"ldap.url", "LDAP server(s), ldap://host:port or ldaps://host:port (empty: no directory)",
       [](Config& c, const std::string& v) -> std::optional<std::string> {
         if (!v.empty() && !v.starts_with("ldap://") && !v.starts_with("ldaps://")) {
           return "must start with ldap:// or ldaps://, got \"" + v + "\"";
         }
         c.ldap.url = v;
         return std::nullopt;
       }},
      {"ldap.tls_ca_file", "PEM file of the CAs of the directory's certificate",
       string_field([](Config& c) -> auto& { return c.ldap.tls_ca_file; })},
      {"ldap.bind_dn", "service account that searches (empty: anonymous search)",
       string_field([](Config& c) -> auto& { return c.ldap.bind_dn; })},
      {"ldap.bind_password", "the service account's password",
       string_field([](Config& c) -> auto& { return c.ldap.bind_password; })},
      {"ldap.user_base_dn", "where users are searched (subtree)",
       string_field([](Config& c) -> auto& { return c.ldap.user_base_dn; })},
      {"ldap.user_filter", "filter that finds a user; {username} is replaced",
       [](Config& c, const std::string& v) -> std::optional<std::string> {
         if (v.find("{username}") == std::string::npos) return "must contain {username}, got \"" + v + "\"";
         c.ldap.user_filter = v;
         return std::nullopt;
       }},
      {"ldap.email_attribute", "attribute holding the email address",
       nonempty_field([](Config& c) -> auto& { return c.ldap.email_attribute; })},
      {"ldap.group_base_dn", "where groups are searched (empty: no groups)",
       string_field([](Config& c) -> auto& { return c.ldap.group_base_dn; })},
      {"ldap.group_filter", "filter that finds a user's groups; {dn} is replaced",
       nonempty_field([](Config& c) -> auto& { return c.ldap.group_filter; })},
      {"ldap.group_name_attribute", "attribute naming a group",
       nonempty_field([](Config& c) -> auto& { return c.ldap.group_name_attribute; })},
      {"ldap.start_tls", "upgrade ldap:// connections with StartTLS",
       bool_field([](Config& c) -> auto& { return c.ldap.start_tls; })},
      {"ldap.timeout", "limit of each step of a directory sign-in",
       duration_field([](Config& c) -> auto& { return c.ldap.timeout; }, seconds(1))},
      {"ldap.team_sync", "directory groups mirrored into teams: group=org/team,group2=org/team2",
       [](Config& c, const std::string& v) -> std::optional<std::string> {
         auto mappings = parse_team_sync(v);
         if (!mappings) return "must be group=organization/team, separated by commas; got \"" + v + "\"";
         c.ldap.team_sync = std::move(*mappings);
         return std::nullopt;
       }},
      {"audit.retention", "audit events older than this are deleted",
       duration_field([](Config& c) -> auto& { return c.audit.retention; }, seconds(3600))},
      {"gc.interval", "how often garbage collection runs (once across the replicas)",
       duration_field([](Config& c) -> auto& { return c.gc.interval; }, seconds(60))},
      {"gc.history_window", "a manifest that left its last tag this recently is kept, so the tag can be restored; "
       "0s collects it at once (each namespace may set its own)",
       duration_field([](Config& c) -> auto& { return c.gc.history_window; }, seconds(0))},
      {"gc.blob_grace", "a blob uploaded, looked up or mounted this recently is never collected, nor a manifest "
       "pushed this recently that was never tagged",
       duration_field([](Config& c) -> auto& { return c.gc.blob_grace; }, seconds(0))},
      {"retention.interval", "how often the retention policies run",
       duration_field([](Config& c) -> auto& { return c.retention.interval; }, seconds(60))},
      {"jobs.poll_interval", "how often each replica looks for jobs to run",
       duration_field([](Config& c) -> auto& { return c.jobs.poll_interval; }, seconds(1))},
      {"jobs.heartbeat_timeout", "a running job whose replica has not heartbeated for this long is run again "
       "elsewhere; the job leader's term too",
       duration_field([](Config& c) -> auto& { return c.jobs.heartbeat_timeout; }, seconds(2))},
      {"jobs.retention", "finished jobs are kept this long, and at least twice the longest period of a periodic job",
       duration_field([](Config& c) -> auto& { return c.jobs.retention; }, seconds(3600))},
      {"jobs.workers", "jobs each replica runs at once",
       count_field([](Config& c) -> auto& { return c.jobs.workers; }, 256)},
      {"notifications.registry", "host[:port] that events name as the registry (default: localhost:<listen port>)",
       string_field([](Config& c) -> auto& { return c.notifications.registry; })},
      {"notifications.timeout", "limit of one delivery attempt, connecting included",
       duration_field([](Config& c) -> auto& { return c.notifications.timeout; }, seconds(1))},
      {"notifications.max_attempts", "attempts at each delivery before it fails",
       count_field([](Config& c) -> auto& { return c.notifications.max_attempts; }, 100)},
      {"notifications.disable_after", "deliveries of a rule failed in a row before the rule is disabled",
       count_field([](Config& c) -> auto& { return c.notifications.disable_after; }, 1000)},
      {"notifications.smtp.url", "SMTP server of email notifications: smtp://host:port or smtps://host:port",
       string_field([](Config& c) -> auto& { return c.notifications.smtp.url; })},
      {"notifications.smtp.username", "SMTP login (empty: none)",
       string_field([](Config& c) -> auto& { return c.notifications.smtp.username; })},
      {"notifications.smtp.password", "SMTP password",
       string_field([](Config& c) -> auto& { return c.notifications.smtp.password; })},
      {"notifications.smtp.from", "sender address of email notifications",
       string_field([](Config& c) -> auto& { return c.notifications.smtp.from; })},
      {"notifications.smtp.starttls", "refuse to send over smtp:// unless the server upgrades to TLS",
       bool_field([](Config& c) -> auto& { return c.notifications.smtp.starttls; })},
      {"notifications.smtp.ca_file", "PEM file of the CAs of the SMTP server's certificate",
       string_field([](Config& c) -> auto& { return c.notifications.smtp.ca_file; })},
      {"notifications.smtp.insecure_skip_verify", "do not check the SMTP server's certificate (tests only)",
       bool_field([](Config& c) -> auto& { return c.notifications.smtp.insecure_skip_verify; })},
      {"log.level", "trace, debug, info, warn, error",
       [](Config& c, const std::string& v) -> std::optional<std::string> {
         static const std::vector<std::string> levels = {"trace", "debug", "info", "warn", "error"};
         if (std::find(levels.begin(), levels.end(), v) == levels.end()) {
           return "must be one of trace, debug, info, warn, error; got \"" + v + "\"";
         }
         c.log.level = v;
         return std::nullopt;
       }},
      {"log.access_log", "write one JSON line per request",
       bool_field([](Config& c) -> auto& { return c.log.access_log; })},
      {"ui.enabled", "serve the web UI",
       bool_field([](Config& c) -> auto& { return c.ui.enabled; })},
      {"ui.dir", "serve the web UI from this folder (a Vite build) instead of the one built in",
       [](Config& c, const std::string& v) -> std::optional<std::string> {
         c.ui.dir = v;
         return std::nullopt;
       }},
  };
  return table;
}

std::string env_name(const std::string& key) {
  std::string name = "PIER_";
  for (char c : key) name.push_back(c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return name;
}

const Key* find_key(const std::string& name) {
  for (const auto& key : keys()) {
    if (key.name == name) return &key;
  }
  return nullptr;
}

// Flattens a YAML mapping into dotted keys with scalar values.
void flatten(const YAML::Node& node, const std::string& prefix, std::vector<std::pair<std::string, std::string>>& out,
             std::vector<ConfigError>& errors) {
  if (node.IsMap()) {
    for (const auto& item : node) {
      const auto name = item.first.as<std::string>();
      flatten(item.second, prefix.empty() ? name : prefix + "." + name, out, errors);
    }
  } else if (node.IsScalar()) {
    out.emplace_back(prefix, node.Scalar());
  } else if (node.IsNull()) {
    if (!prefix.empty()) errors.push_back({prefix, "has no value"});
  } else {
    errors.push_back({prefix, "must be a single value"});
  }
}

void apply(Config& config, const std::string& key, const std::string& value, const std::string& origin,
           std::vector<ConfigError>& errors) {
  const Key* k = find_key(key);
  if (!k) {
    errors.push_back({key, "unknown key (" + origin + ")"});
    return;
  }
  if (auto problem = k->set(config, value)) errors.push_back({key, *problem + " (" + origin + ")"});
}

// The AWS_* variables fill what the configuration leaves out, as every S3 client does.
void validate_s3(Config::Storage::S3& s3, const std::map<std::string, std::string>& aws,
                 std::vector<ConfigError>& errors) {
  const auto from_environment = [&aws](std::string& field, std::initializer_list<const char*> names) {
    for (const char* name : names) {
      if (!field.empty()) return;
      if (auto it = aws.find(name); it != aws.end()) field = it->second;
    }
  };
  from_environment(s3.region, {"AWS_REGION", "AWS_DEFAULT_REGION"});
  if (s3.region.empty()) s3.region = "us-east-1";
  from_environment(s3.access_key, {"AWS_ACCESS_KEY_ID"});
  from_environment(s3.secret_key, {"AWS_SECRET_ACCESS_KEY"});
  if (!s3.endpoint.starts_with("http://") && !s3.endpoint.starts_with("https://")) {
    errors.push_back({"storage.s3.endpoint", "must be a URL starting with http:// or https://, got \"" + s3.endpoint + "\""});
  } else if (s3.endpoint.find('/', s3.endpoint.find("://") + 3) != std::string::npos &&
             !s3.endpoint.ends_with("/")) {
    errors.push_back({"storage.s3.endpoint", "takes no path, got \"" + s3.endpoint + "\""});
  }
  if (s3.bucket.empty()) errors.push_back({"storage.s3.bucket", "must be set when storage.driver is s3"});
  if (s3.access_key.empty() || s3.secret_key.empty()) {
    errors.push_back({s3.access_key.empty() ? "storage.s3.access_key" : "storage.s3.secret_key",
                      "must be set (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) when storage.driver is s3"});
  }
  if (!s3.ca_file.empty() && !std::ifstream(s3.ca_file).good()) {
    errors.push_back({"storage.s3.ca_file", "cannot read \"" + s3.ca_file + "\""});
  }
}

void validate(Config& config, const ConfigSources& sources, std::vector<ConfigError>& errors) {
  const auto colon = config.listen.rfind(':');
  const auto port = colon == std::string::npos ? std::nullopt : to_uint(config.listen.substr(colon + 1));
  if (!port || *port > 65535) errors.push_back({"listen", "must be [host]:port, got \"" + config.listen + "\""});
  if (config.tls.certificate.empty() != config.tls.key.empty()) {
    errors.push_back({config.tls.certificate.empty() ? "tls.certificate" : "tls.key",
                      "tls.certificate and tls.key must be set together"});
  }
  for (const auto& [key, path] : {std::pair{"tls.certificate", config.tls.certificate}, {"tls.key", config.tls.key}}) {
    if (!path.empty() && !std::ifstream(path).good()) errors.push_back({key, "cannot read \"" + path + "\""});
  }
  if (config.storage.root.empty()) config.storage.root = config.data_dir / "blobs";
  if (config.metadata.path.empty()) config.metadata.path = config.data_dir / "pier.db";
  if (config.storage.driver == StorageDriver::kS3) validate_s3(config.storage.s3, sources.aws_environment, errors);
  if (config.metadata.driver == MetadataDriver::kPostgres && config.metadata.postgres_url.empty()) {
    errors.push_back({"metadata.postgres.url", "must be set when metadata.driver is postgres"});
  }
  if (!config.ldap.url.empty() && config.ldap.user_base_dn.empty()) {
    errors.push_back({"ldap.user_base_dn", "must be set when ldap.url is"});
  }
  if (config.ldap.start_tls && config.ldap.url.starts_with("ldaps://")) {
    errors.push_back({"ldap.start_tls", "is for ldap:// URLs; ldaps:// is TLS already"});
  }
  if (config.auth.login_max_failures == 0) errors.push_back({"auth.login_max_failures", "must be at least 1"});
  if (config.jobs.workers == 0) errors.push_back({"jobs.workers", "must be at least 1"});
  if (config.notifications.max_attempts == 0) errors.push_back({"notifications.max_attempts", "must be at least 1"});
  if (config.notifications.disable_after == 0) errors.push_back({"notifications.disable_after", "must be at least 1"});
  if (const auto& url = config.notifications.smtp.url;
      !url.empty() && !url.starts_with("smtp://") && !url.starts_with("smtps://")) {
    errors.push_back({"notifications.smtp.url", "must start with smtp:// or smtps://"});
  }
  if (config.auth.token_key.empty()) config.auth.token_key = config.data_dir / "token-signing-key.pem";
  if (!config.ui.dir.empty() && !std::ifstream(config.ui.dir / "index.html").good()) {
    errors.push_back({"ui.dir", "has no index.html: \"" + config.ui.dir.string() + "\""});
  }
}

// PIER_* variables that are not configuration keys: the test binary's path, the first admin
// password (read by cli/wiring.cc), and the client commands' PIER_SERVER and PIER_TOKEN (so a
// shell set up for the client can still run the server).
bool is_other_pier_variable(std::string_view name) {
  return name == "PIER_BINARY" || name == "PIER_ADMIN_PASSWORD" || name == "PIER_SERVER" || name == "PIER_TOKEN";
}

}  // namespace

std::string Config::listen_host() const {
  const auto colon = listen.rfind(':');
  auto host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return host.empty() ? "0.0.0.0" : host;
}

std::uint16_t Config::listen_port() const {
  return static_cast<std::uint16_t>(*to_uint(listen.substr(listen.rfind(':') + 1)));
}

InvalidConfig::InvalidConfig(std::vector<ConfigError> e)
    : std::runtime_error("invalid configuration"), errors(std::move(e)) {}

Config load_config(const ConfigSources& sources) {
  Config config;
  std::vector<ConfigError> errors;
  if (sources.file) {
    const std::string origin = sources.file->string();
    try {
      const YAML::Node root = YAML::LoadFile(origin);
      if (!root.IsNull() && !root.IsMap()) {
        errors.push_back({"(file)", origin + ": the top level must be a mapping"});
      } else {
        std::vector<std::pair<std::string, std::string>> values;
        flatten(root, "", values, errors);
        for (const auto& [key, value] : values) apply(config, key, value, origin, errors);
      }
    } catch (const YAML::Exception& e) {
      errors.push_back({"(file)", origin + ": " + e.what()});
    }
  }
  for (const auto& [name, value] : sources.environment) {
    bool known = false;
    for (const auto& key : keys()) {
      if (env_name(key.name) == name) {
        apply(config, key.name, value, "environment " + name, errors);
        known = true;
      }
    }
    if (!known && !is_other_pier_variable(name)) {
      errors.push_back({name, "unknown environment variable"});
    }
  }
  for (const auto& [key, value] : sources.flags) apply(config, key, value, "flag", errors);
  validate(config, sources, errors);
  if (!errors.empty()) throw InvalidConfig(std::move(errors));
  return config;
}

namespace {
std::map<std::string, std::string> environment_with_prefix(std::string_view prefix) {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    const std::string_view entry(*e);
    if (!entry.starts_with(prefix)) continue;
    const auto eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return env;
}
}  // namespace

std::map<std::string, std::string> pier_environment() { return environment_with_prefix("PIER_"); }
std::map<std::string, std::string> aws_environment() { return environment_with_prefix("AWS_"); }

std::vector<KeyInfo> config_keys() {
  std::vector<KeyInfo> info;
  for (const auto& key : keys()) info.push_back({key.name, env_name(key.name), key.description});
  return info;
}

}  // namespace pier::config
