#include "cli/wiring.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "access/access_control.h"
#include "access/audit_trail.h"
#include "access/repository_policy.h"
#include "access/token_issuer.h"
#include "api/management_app.h"
#include "api/path_split.h"
#include "auth/authenticator.h"
#include "auth/bootstrap.h"
#include "auth/browser_sessions.h"
#include "auth/jwt.h"
#include "auth/ldap_accounts.h"
#include "auth/ldap_directory.h"
#include "cli/lifecycle_jobs.h"
#include "cli/notification_jobs.h"
#include "cli/scan_jobs.h"
#include "cli/maintenance_jobs.h"
#include "common/clock.h"
#include "http/server.h"
#include "jobs/job_runner.h"
#include "jobs/replica_id.h"
#include "meta/copy_to_postgres.h"
#include "meta/postgres/pg_account_store.h"
#include "meta/postgres/pg_lifecycle_store.h"
#include "meta/postgres/pg_signature_store.h"
#include "meta/sqlite/sqlite_lifecycle_store.h"
#include "meta/sqlite/sqlite_signature_store.h"
#include "notify/sender.h"
#include "services/garbage_collector.h"
#include "services/notification_service.h"
#include "services/signing_service.h"
#include "services/tag_lifecycle.h"
#include "vuln/vulnerability_index.h"
#include "signing/gpg_keyring.h"
#include "meta/postgres/pg_job_store.h"
#include "meta/postgres/pg_notification_store.h"
#include "meta/postgres/pg_vulnerability_store.h"
#include "meta/postgres/pg_store.h"
#include "meta/sqlite/sqlite_account_store.h"
#include "meta/sqlite/sqlite_job_store.h"
#include "meta/sqlite/sqlite_notification_store.h"
#include "meta/sqlite/sqlite_vulnerability_store.h"
#include "meta/sqlite/sqlite_store.h"
#include "registry/registry_app.h"
#include "services/blob_service.h"
#include "services/manifest_service.h"
#include "services/repository_content.h"
#include "services/upload_service.h"
#include "services/metadata_upload_journal.h"
#include "storage/fs/fs_blob_store.h"
#include "storage/s3/copy_to_bucket.h"
#include "storage/s3/s3_blob_store.h"
#include "ui/ui_app.h"

namespace pier::cli {

namespace {

storage::s3::S3Options bucket_options(const config::Config& config) {
  const auto& s3 = config.storage.s3;
  return {s3.endpoint, s3.bucket, s3.region, {s3.access_key, s3.secret_key}, s3.path_style, s3.ca_file};
}

// `journal` keeps what an S3 upload needs between requests; it outlives the store.
std::unique_ptr<storage::BlobStore> make_blob_store(const config::Config& config, storage::UploadJournal& journal,
                                                    Clock& clock) {
  switch (config.storage.driver) {
    case config::StorageDriver::kFilesystem: return storage::make_filesystem_blob_store(config.storage.root);
    case config::StorageDriver::kS3: {
      const auto& s3 = config.storage.s3;
      storage::S3StoreOptions options;
      options.bucket = bucket_options(config);
      options.part_size = s3.part_size;
      options.redirect_seconds = s3.redirect ? s3.redirect_expiry.count() : 0;
      return storage::make_s3_blob_store(std::move(options), journal, clock);
    }
  }
  throw std::logic_error("unknown storage driver");
}

// Where the blobs live, for messages: never a key.
std::string storage_description(const config::Config& config) {
  if (config.storage.driver == config::StorageDriver::kS3) {
    return "S3 bucket " + config.storage.s3.bucket + " at " + config.storage.s3.endpoint;
  }
  return config.storage.root.string();
}

void create_database_folder(const config::Config& config) {
  if (!config.metadata.path.parent_path().empty()) std::filesystem::create_directories(config.metadata.path.parent_path());
}

// Where the metadata lives, for messages: never the PostgreSQL URL, which may hold a password.
std::string metadata_description(const config::Config& config) {
  if (config.metadata.driver == config::MetadataDriver::kPostgres) return "PostgreSQL";
  return config.metadata.path.string();
}

std::unique_ptr<meta::MetadataStore> make_metadata_store(const config::Config& config) {
  switch (config.metadata.driver) {
    case config::MetadataDriver::kSqlite:
      create_database_folder(config);
      return meta::open_sqlite_store(config.metadata.path);
    case config::MetadataDriver::kPostgres:
      return meta::open_postgres_store(config.metadata.postgres_url);
  }
  throw std::logic_error("unknown metadata driver");
}

std::unique_ptr<meta::LifecycleStore> make_lifecycle_store(const config::Config& config) {
  switch (config.metadata.driver) {
    case config::MetadataDriver::kSqlite: return meta::open_sqlite_lifecycle_store(config.metadata.path);
    case config::MetadataDriver::kPostgres: return meta::open_postgres_lifecycle_store(config.metadata.postgres_url);
  }
  throw std::logic_error("unknown metadata driver");
}

std::unique_ptr<meta::SignatureStore> make_signature_store(const config::Config& config) {
  switch (config.metadata.driver) {
    case config::MetadataDriver::kSqlite: return meta::open_sqlite_signature_store(config.metadata.path);
    case config::MetadataDriver::kPostgres: return meta::open_postgres_signature_store(config.metadata.postgres_url);
  }
  throw std::logic_error("unknown metadata driver");
}

std::unique_ptr<meta::VulnerabilityStore> make_vulnerability_store(const config::Config& config) {
  switch (config.metadata.driver) {
    case config::MetadataDriver::kSqlite: return meta::open_sqlite_vulnerability_store(config.metadata.path);
    case config::MetadataDriver::kPostgres: return meta::open_postgres_vulnerability_store(config.metadata.postgres_url);
  }
  throw std::logic_error("unknown metadata driver");
}

std::unique_ptr<meta::NotificationStore> make_notification_store(const config::Config& config) {
  switch (config.metadata.driver) {
    case config::MetadataDriver::kSqlite: return meta::open_sqlite_notification_store(config.metadata.path);
    case config::MetadataDriver::kPostgres: return meta::open_postgres_notification_store(config.metadata.postgres_url);
  }
  throw std::logic_error("unknown metadata driver");
}

notify::SenderSettings sender_settings(const config::Config& config) {
  const auto& smtp = config.notifications.smtp;
  notify::SenderSettings settings;
  settings.smtp = {smtp.url, smtp.username, smtp.password, smtp.from, smtp.starttls, smtp.ca_file,
                   smtp.insecure_skip_verify};
  settings.timeout = config.notifications.timeout;
  return settings;
}

services::NotificationSettings notification_settings(const config::Config& config) {
  services::NotificationSettings settings;
  settings.registry = config.notifications.registry.empty()
                          ? "localhost:" + std::to_string(config.listen_port())
                          : config.notifications.registry;
  settings.max_attempts = static_cast<int>(config.notifications.max_attempts);
  settings.disable_after = static_cast<int>(config.notifications.disable_after);
  return settings;
}

std::unique_ptr<meta::JobStore> make_job_store(const config::Config& config) {
  switch (config.metadata.driver) {
    case config::MetadataDriver::kSqlite: return meta::open_sqlite_job_store(config.metadata.path);
    case config::MetadataDriver::kPostgres: return meta::open_postgres_job_store(config.metadata.postgres_url);
  }
  throw std::logic_error("unknown metadata driver");
}

jobs::JobRunnerOptions job_runner_options(const config::Config& config) {
  jobs::JobRunnerOptions options;
  options.replica_id = jobs::make_replica_id();
  options.poll_interval = config.jobs.poll_interval;
  options.heartbeat_timeout = config.jobs.heartbeat_timeout;
  options.workers = config.jobs.workers;
  return options;
}


// A new installation gets its first superuser, "admin". Its password comes from
// auth.admin_password or PIER_ADMIN_PASSWORD, or is generated and printed once, here, and
// never logged otherwise.
void bootstrap_admin(const config::Config& config, meta::AccountStore& accounts, Clock& clock) {
  std::optional<std::string> configured;
  if (!config.auth.admin_password.empty()) configured = config.auth.admin_password;
  if (const char* env = std::getenv("PIER_ADMIN_PASSWORD"); env != nullptr && *env != '\0') configured = env;
  auto generated = auth::ensure_admin(accounts, std::move(configured), clock.unix_seconds());
  if (!generated) throw PierException(generated.error());
  if (*generated) {
    std::fprintf(stderr, "created superuser admin with password: %s (shown once)\n", (*generated)->c_str());
    std::fflush(stderr);
  }
}

// The key tokens are signed with: read from auth.token_key, or made and saved there (mode
// 0600, written whole then renamed) on the first start, so tokens outlive restarts and
// replicas that share the file accept each other's tokens.
auth::SigningKey token_signing_key(const config::Config& config, spdlog::logger& log) {
  const auto& path = config.auth.token_key;
  if (std::filesystem::exists(path)) return auth::SigningKey::from_pem_file(path.string()).value();
  auto key = auth::SigningKey::generate().value();
  const std::string pem = key.private_pem().value();
  const auto temporary = path.string() + ".tmp";
  {
    const mode_t previous = ::umask(077);
    std::ofstream out(temporary, std::ios::trunc);
    ::umask(previous);
    out << pem;
    out.close();
    if (!out) throw std::runtime_error("cannot write the token signing key to " + temporary);
  }
  std::filesystem::permissions(temporary, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::filesystem::rename(temporary, path);
  log.info("created the token signing key {}", path.string());
  return key;
}

std::shared_ptr<spdlog::logger> make_logger(const std::string& name, const std::string& level) {
  auto logger = spdlog::stderr_color_mt(name);
  logger->set_level(spdlog::level::from_str(level));
  return logger;
}

// The LDAP directory and the accounts it signs in, when ldap.url is set. Its reachability is
// checked once at start, and only reported: the directory may come up after Pier.
struct Directory {
  Directory(auth::LdapOptions options, meta::AccountStore& store, std::vector<auth::LdapTeamMapping> mappings)
      : directory(std::move(options)), accounts(directory, store, std::move(mappings)) {}
  auth::LdapDirectory directory;
  auth::LdapAccounts accounts;
};

std::unique_ptr<Directory> make_directory(const config::Config& config, meta::AccountStore& store,
                                          spdlog::logger& log) {
  const auto& c = config.ldap;
  if (c.url.empty()) return nullptr;
  auth::LdapOptions options{c.url,           c.tls_ca_file,  c.bind_dn,       c.bind_password,
                            c.user_base_dn,  c.user_filter,  c.email_attribute, c.group_base_dn,
                            c.group_filter,  c.group_name_attribute, c.start_tls, c.timeout};
  std::vector<auth::LdapTeamMapping> mappings;
  for (const auto& m : c.team_sync) mappings.push_back({m.group, m.organization, m.team});
  auto made = std::make_unique<Directory>(std::move(options), store, std::move(mappings));
  if (auto reachable = made->directory.check(); !reachable) {
    log.error("LDAP directory {}: {}", c.url, reachable.error().message);
  } else {
    log.info("signing in through the LDAP directory {} (local accounts first)", c.url);
  }
  return made;
}

}  // namespace

config::Config load_server_config(const ServerFlags& flags) {
  config::ConfigSources sources;
  if (!flags.config_file.empty()) sources.file = flags.config_file;
  sources.environment = config::pier_environment();
  sources.aws_environment = config::aws_environment();
  if (!flags.listen.empty()) sources.flags["listen"] = flags.listen;
  if (!flags.data_dir.empty()) sources.flags["data_dir"] = flags.data_dir;
  if (!flags.log_level.empty()) sources.flags["log.level"] = flags.log_level;
  return config::load_config(sources);
}

std::unique_ptr<meta::AccountStore> open_account_store(const config::Config& config) {
  switch (config.metadata.driver) {
    case config::MetadataDriver::kSqlite:
      create_database_folder(config);
      return meta::open_sqlite_account_store(config.metadata.path);
    case config::MetadataDriver::kPostgres:
      return meta::open_postgres_account_store(config.metadata.postgres_url);
  }
  throw std::logic_error("unknown metadata driver");
}

int serve(const config::Config& config) {
  auto log = make_logger("pier", config.log.level);
  auto access = spdlog::stdout_color_mt("access");
  access->set_pattern("%v");

  std::filesystem::create_directories(config.data_dir);
  Clock& clock = Clock::system();
  auto metadata = make_metadata_store(config);
  services::MetadataUploadJournal upload_journal(*metadata);
  auto blob_store = make_blob_store(config, upload_journal, clock);
  auto accounts = open_account_store(config);
  bootstrap_admin(config, *accounts, clock);

  auto lifecycle = make_lifecycle_store(config);

  // A look-up is recorded at most twice per grace period, so a blob looked up keeps at least
  // half the grace after it.
  services::BlobService blobs(*blob_store, *metadata, *lifecycle, clock, config.gc.blob_grace / 2);
  services::UploadService uploads(*blob_store, *metadata, *lifecycle, clock,
                                 {config.uploads.expiry, config.storage.inline_max_bytes});
  services::ManifestService manifests(*metadata, clock, config.limits.manifest_max_bytes);
  // What garbage collection and tag removal change is dropped from this process's caches.
  const auto content_changed = [&manifests, &blobs](std::string_view repository) {
    manifests.invalidate(repository);
    blobs.invalidate(repository);
  };
  services::GarbageCollector collector(*lifecycle, *blob_store, clock,
                                       {config.gc.history_window, config.gc.blob_grace}, content_changed);
  services::TagLifecycle tag_lifecycle(*lifecycle, *metadata, blobs, clock, content_changed);
  auto vulnerability_store = make_vulnerability_store(config);
  services::ScanService scanning(*vulnerability_store, *metadata, manifests, blobs, uploads, clock,
                                 metadata->shared_with_other_processes());
  if (auto loaded = scanning.load(); !loaded) {
    throw std::runtime_error("cannot read vulnerability policies: " + loaded.error().message);
  }
  auto notification_store = make_notification_store(config);
  auto sender = notify::make_sender(sender_settings(config));
  services::NotificationService notifications(*notification_store, *sender, clock, notification_settings(config),
                                              make_logger("notifications", config.log.level));
  manifests.observe_events([&notifications] { notifications.changed(); });
  scanning.observe_findings([&notifications](std::string_view repository, std::string_view digest,
                                             const std::vector<vuln::Finding>& findings) {
    notifications.vulnerabilities_found(repository, digest, findings);
  });
  manifests.observe_pushes([&tag_lifecycle, &scanning, &log](std::string_view repository,
                                                             const meta::ManifestRecord& manifest,
                                                             const std::vector<std::string>& tags) {
    if (auto applied = tag_lifecycle.apply_expiry_label(repository, manifest, tags); !applied) {
      log->error("cannot apply the expiry label of {}@{}: {}", repository, manifest.digest, applied.error().message);
    }
    scanning.pushed(repository, manifest.digest);
  });

  auto signature_store = make_signature_store(config);
  // Every key a namespace trusts, for gpg to verify with; rebuilt from the database as needed.
  signing::GpgKeyring keyring(config.data_dir / "gnupg");
  services::SigningService signing(*signature_store, *metadata, blobs, keyring, clock,
                                   metadata->shared_with_other_processes());
  if (auto loaded = signing.load(); !loaded) throw std::runtime_error("cannot read signing policies: " + loaded.error().message);

  auto directory = make_directory(config, *accounts, *log);
  auth::Authenticator authenticator(*accounts, clock, {config.auth.login_max_failures, config.auth.login_window},
                                    directory ? &directory->accounts : nullptr);
  access::RepositoryPolicy policy(*accounts, *metadata);
  access::TokenIssuer tokens({config.auth.service, config.auth.issuer, config.auth.token_ttl,
                              config.auth.refresh_token_ttl},
                             token_signing_key(config, *log), policy, *accounts, clock);
  access::AccessControl access_control({config.auth.enabled, config.auth.realm}, policy, tokens, authenticator);
  access::AuditTrail audit(*accounts);
  registry::RegistryApp registry_app({blobs, uploads, manifests, signing, scanning, notifications},
                                     {access_control, tokens, audit, clock});
  services::RepositoryContent content(*metadata, manifests, blobs, clock);
  auth::BrowserSessions sessions(*accounts, clock, config.auth.session_ttl);
  auto job_store = make_job_store(config);
  api::ManagementApp management(
      {*accounts, policy, authenticator, access_control, sessions, clock, content, *job_store, *lifecycle, collector,
       tag_lifecycle, signing, scanning, notifications});
  // /api/... is the management API, /v2/... the registry, and every other path the web UI.
  ui::UiApp ui_app(config.ui.dir.empty() ? ui::embedded_assets() : ui::folder_assets(config.ui.dir));
  api::PathSplit registry_or_ui({"v2", "extensions"}, registry_app, ui_app);
  api::PathSplit app({"api"}, management, config.ui.enabled ? static_cast<RequestHandler&>(registry_or_ui)
                                                         : static_cast<RequestHandler&>(registry_app));

  http::Metrics metrics;
  metrics.add_gauge("pier_upload_sessions_open", "Upload sessions not yet completed or cancelled.", [&metadata] {
    auto count = metadata->count_uploads();
    return count ? static_cast<double>(*count) : -1.0;
  });
  add_gc_metrics(metrics, collector.totals());
  add_scan_metrics(metrics, scanning.totals());

  http::ServerOptions options;
  options.host = config.listen_host();
  options.port = config.listen_port();
  if (config.tls_enabled()) options.tls = http::TlsFiles{config.tls.certificate, config.tls.key};
  options.header_limit = config.limits.header_max_bytes;
  options.read_timeout = config.http.read_timeout;
  options.idle_timeout = config.http.idle_timeout;
  options.shutdown_timeout = config.http.shutdown_timeout;
  options.io_threads = config.http.io_threads;
  options.blocking_threads = config.http.blocking_threads;
  options.access_log = config.log.access_log;

  http::Probes probes;
  probes.ready = [&metadata] { return metadata->repository_exists("").has_value(); };

  http::Server server(options, app, metrics, probes, log, access);
  server.bind();
  // Upkeep runs once per period across the replicas sharing the metadata database; the audit
  // queue is this process's own, so it is flushed here.
  jobs::JobRunner job_runner(*job_store, clock, make_logger("jobs", config.log.level), job_runner_options(config));
  add_maintenance_jobs(job_runner, {uploads, *accounts, sessions, *job_store, clock, log}, config);
  add_lifecycle_jobs(job_runner, {collector, tag_lifecycle, log}, config);
  add_scan_jobs(job_runner, *job_store, clock, scanning, log);
  add_notification_jobs(job_runner, notifications, log);
  const auto flush_audit = [&audit, &log] {
    if (auto flushed = audit.flush(); !flushed) log->error("cannot write audit events: {}", flushed.error().message);
    if (const auto dropped = audit.take_dropped()) log->error("audit queue full: {} events dropped", dropped);
  };
  server.every(std::chrono::seconds(1), flush_audit);
  if (!config.auth.enabled) {
    for (int i = 0; i < 3; ++i) {
      log->warn("AUTHENTICATION IS OFF (auth.enabled=false): anyone who can reach this port may pull, push and delete");
    }
  }
  const char* scheme = options.tls ? "https" : "http";
  log->info("pier listening on {}://{}:{} (replica {}; data in {}; metadata {}, blobs {})", scheme, options.host,
            server.port(), job_runner.replica_id(), config.data_dir.string(), metadata_description(config),
            storage_description(config));
  const char* plain = options.tls ? "" : " --tls-verify=false";
  if (config.auth.enabled) {
    log->info("sign in first: skopeo login{} -u admin localhost:{}", plain, server.port());
  }
  log->info("push a first image: skopeo copy{} oci:./my-image:latest docker://localhost:{}/admin/app:1.0",
            options.tls ? "" : " --dest-tls-verify=false", server.port());
  job_runner.start();
  notifications.start([&job_runner] { job_runner.poke(); });
  server.run();
  notifications.stop();
  job_runner.stop();
  flush_audit();
  log->info("pier stopped");
  return 0;
}

int copy_blobs_to_bucket(const config::Config& config, const std::string& from) {
  if (config.storage.driver != config::StorageDriver::kS3) {
    std::fprintf(stderr, "pier: migrate --blobs-from copies into the S3 bucket configured; storage.driver is not s3\n");
    return 2;
  }
  const auto& s3 = config.storage.s3;
  auto copied = storage::copy_blobs_to_bucket(from, bucket_options(config), s3.part_size, [](const std::string& digest) {
    std::printf("copied %s\n", digest.c_str());
  });
  if (!copied) {
    std::fprintf(stderr, "pier: %s\n", copied.error().message.c_str());
    return 1;
  }
  std::printf("%llu blobs copied (%llu bytes), %llu already in bucket %s\n",
              static_cast<unsigned long long>(copied->copied), static_cast<unsigned long long>(copied->bytes),
              static_cast<unsigned long long>(copied->already_there), s3.bucket.c_str());
  return 0;
}

int migrate(const config::Config& config, const std::string& to) {
  if (!to.empty()) {
    if (config.metadata.driver != config::MetadataDriver::kSqlite) {
      std::fprintf(stderr, "pier: migrate --to copies the embedded SQLite metadata; metadata.driver is not sqlite\n");
      return 2;
    }
    auto copied = meta::copy_to_postgres(config.metadata.path, to);
    if (!copied) {
      std::fprintf(stderr, "pier: %s%s%s\n", copied.error().message.c_str(), copied.error().detail.empty() ? "" : ": ",
                   copied.error().detail.c_str());
      return 1;
    }
    for (const auto& [table, rows] : *copied) std::printf("%-24s %llu rows\n", table.c_str(), static_cast<unsigned long long>(rows));
    std::printf("copied %s into PostgreSQL; serve from it with metadata.driver: postgres and metadata.postgres.url\n",
                config.metadata.path.c_str());
    return 0;
  }
  make_metadata_store(config);
  const int version = config.metadata.driver == config::MetadataDriver::kPostgres
                          ? meta::postgres_schema_version(config.metadata.postgres_url)
                          : meta::sqlite_schema_version(config.metadata.path);
  std::printf("metadata schema at version %d (%s)\n", version, metadata_description(config).c_str());
  return 0;
}

}  // namespace pier::cli
