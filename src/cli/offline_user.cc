#include "cli/offline_user.h"

#include <filesystem>

#include <boost/json.hpp>

#include "api/change_log.h"
#include "common/clock.h"
#include "config/config.h"
#include "meta/sqlite/sqlite_account_store.h"

namespace pier::cli {

namespace {

Outcome<config::Config> load_server_config(const OfflineTarget& target) {
  config::ConfigSources sources;
  if (!target.config_file.empty()) sources.file = target.config_file;
  sources.environment = config::pier_environment();
  if (!target.data_dir.empty()) sources.flags["data_dir"] = target.data_dir;
  try {
    return config::load_config(sources);
  } catch (const config::InvalidConfig& invalid) {
    std::string message = "config:";
    for (const auto& error : invalid.errors) message += " " + error.key + ": " + error.message + ";";
    message.pop_back();
    return usage_failure(message);
  }
}

// The account store of the configured backend, created and migrated if need be.
std::unique_ptr<meta::AccountStore> open_accounts(const config::Config& config) {
  switch (config.metadata.driver) {
    case config::MetadataDriver::kSqlite:
      if (!config.metadata.path.parent_path().empty()) std::filesystem::create_directories(config.metadata.path.parent_path());
      return meta::open_sqlite_account_store(config.metadata.path);
  }
  throw std::logic_error("unknown metadata driver");
}

}  // namespace

Outcome<meta::User> create_user_offline(const OfflineTarget& target, const api::NewLocalUser& user) {
  if (auto checked = api::check_new_user(user); !checked) return failure_of(checked.error());
  auto config = load_server_config(target);
  if (!config) return config.error();
  std::unique_ptr<meta::AccountStore> accounts;
  try {
    accounts = open_accounts(*config);
  } catch (const std::exception& e) {
    return Failure{kExitFailed, std::string("cannot open the metadata database: ") + e.what()};
  }
  const std::int64_t now = Clock::system().unix_seconds();
  auto created = api::create_local_user(*accounts, user, now);
  if (!created) return failure_of(created.error());
  meta::AuditEvent event;
  event.at = now;
  event.actor = "pier user create --offline";
  event.actor_kind = meta::ActorKind::kAnonymous;
  event.client_address = "local";
  event.action = std::string(api::kAccountChange);
  event.namespace_name = user.name;
  event.detail = boost::json::serialize(
      boost::json::object{{"change", "user_created"}, {"user", user.name}, {"superuser", user.superuser}, {"offline", true}});
  if (auto recorded = accounts->append_audit_event(event); !recorded) return failure_of(recorded.error());
  return std::move(*created);
}

}  // namespace pier::cli
