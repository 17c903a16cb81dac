#include "cli/wiring.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>

#include "auth/bootstrap.h"
#include "common/clock.h"
#include "http/server.h"
#include "meta/sqlite/sqlite_account_store.h"
#include "meta/sqlite/sqlite_store.h"
#include "registry/registry_app.h"
#include "services/blob_service.h"
#include "services/manifest_service.h"
#include "services/upload_service.h"
#include "storage/fs/fs_blob_store.h"

namespace pier::cli {

namespace {

std::unique_ptr<storage::BlobStore> make_blob_store(const config::Config& config) {
  switch (config.storage.driver) {
    case config::StorageDriver::kFilesystem: return storage::make_filesystem_blob_store(config.storage.root);
  }
  throw std::logic_error("unknown storage driver");
}

std::unique_ptr<meta::MetadataStore> make_metadata_store(const config::Config& config) {
  switch (config.metadata.driver) {
    case config::MetadataDriver::kSqlite:
      std::filesystem::create_directories(config.metadata.path.parent_path().empty()
                                              ? std::filesystem::path(".")
                                              : config.metadata.path.parent_path());
      return meta::open_sqlite_store(config.metadata.path);
  }
  throw std::logic_error("unknown metadata driver");
}

std::unique_ptr<meta::AccountStore> make_account_store(const config::Config& config) {
  switch (config.metadata.driver) {
    case config::MetadataDriver::kSqlite: return meta::open_sqlite_account_store(config.metadata.path);
  }
  throw std::logic_error("unknown metadata driver");
}

// A new installation gets its first superuser, "admin". Its password comes from
// PIER_ADMIN_PASSWORD, or is generated and printed once, here, and never logged otherwise.
// Call after make_metadata_store, which creates the database's folder.
void bootstrap_admin(const config::Config& config, Clock& clock) {
  auto accounts = make_account_store(config);
  std::optional<std::string> configured;
  if (const char* env = std::getenv("PIER_ADMIN_PASSWORD"); env != nullptr && *env != '\0') configured = env;
  auto generated = auth::ensure_admin(*accounts, std::move(configured), clock.unix_seconds());
  if (!generated) throw PierException(generated.error());
  if (*generated) {
    std::fprintf(stderr, "created superuser admin with password: %s (shown once)\n", (*generated)->c_str());
    std::fflush(stderr);
  }
}

std::shared_ptr<spdlog::logger> make_logger(const std::string& name, const std::string& level) {
  auto logger = spdlog::stderr_color_mt(name);
  logger->set_level(spdlog::level::from_str(level));
  return logger;
}

}  // namespace

int serve(const config::Config& config) {
  auto log = make_logger("pier", config.log.level);
  auto access = spdlog::stdout_color_mt("access");
  access->set_pattern("%v");

  std::filesystem::create_directories(config.data_dir);
  auto blob_store = make_blob_store(config);
  auto metadata = make_metadata_store(config);
  Clock& clock = Clock::system();
  bootstrap_admin(config, clock);

  services::BlobService blobs(*blob_store, *metadata);
  services::UploadService uploads(*blob_store, *metadata, clock, config.uploads.expiry);
  services::ManifestService manifests(*metadata, clock, config.limits.manifest_max_bytes);
  registry::RegistryApp app({blobs, uploads, manifests});

  http::Metrics metrics;
  metrics.add_gauge("pier_upload_sessions_open", "Upload sessions not yet completed or cancelled.", [&metadata] {
    auto count = metadata->count_uploads();
    return count ? static_cast<double>(*count) : -1.0;
  });

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
  server.every(config.uploads.purge_interval, [&uploads, &log] {
    if (const auto removed = uploads.expire_idle()) log->info("removed {} expired upload sessions", removed);
  });
  const char* scheme = options.tls ? "https" : "http";
  log->info("pier listening on {}://{}:{} (data in {}; metadata {}, blobs {})", scheme, options.host, server.port(),
            config.data_dir.string(), config.metadata.path.string(), config.storage.root.string());
  log->info("push a first image: skopeo copy{} oci:./my-image:latest docker://localhost:{}/team/app:1.0",
            options.tls ? "" : " --dest-tls-verify=false", server.port());
  server.run();
  log->info("pier stopped");
  return 0;
}

int migrate(const config::Config& config) {
  make_metadata_store(config);
  std::printf("metadata schema at version %d (%s)\n", meta::sqlite_schema_version(config.metadata.path),
              config.metadata.path.c_str());
  return 0;
}

}  // namespace pier::cli
