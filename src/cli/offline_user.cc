#include "cli/offline_user.h"

#include <boost/json.hpp>

#include "api/change_log.h"
#include "common/clock.h"
#include "config/config.h"

namespace pier::cli {

namespace {

// The configuration's problems, all in one message.
Outcome<config::Config> loaded_config(const ServerFlags& target) {
  try {
    return load_server_config(target);
  } catch (const config::InvalidConfig& invalid) {
    std::string message = "config:";
    for (const auto& error : invalid.errors) message += " " + error.key + ": " + error.message + ";";
    message.pop_back();
    return usage_failure(message);
  }
}

}  // namespace

Outcome<meta::User> create_user_offline(const ServerFlags& target, const api::NewLocalUser& user) {
  if (auto checked = api::check_new_user(user); !checked) return failure_of(checked.error());
  auto config = loaded_config(target);
  if (!config) return config.error();
  std::unique_ptr<meta::AccountStore> accounts;
  try {
    accounts = open_account_store(*config);
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
