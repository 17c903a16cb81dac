#include "api/views.h"

#include "api/vocabulary.h"
#include "auth/authenticator.h"

namespace pier::api {

namespace json = boost::json;

namespace {

json::value optional_time(const std::optional<std::int64_t>& at) { return at ? json::value(*at) : json::value(nullptr); }
json::value optional_text(const std::string& text) {
  return text.empty() ? json::value(nullptr) : json::value(text);
}

}  // namespace

json::object user_view(const meta::User& user, std::string_view kind) {
  return {{"name", user.name}, {"email", user.email}, {"superuser", user.superuser}, {"kind", kind},
          {"disabled", user.disabled}};
}

json::object team_view(const meta::Team& team, const std::vector<std::string>& members) {
  json::array names;
  for (const auto& member : members) names.emplace_back(member);
  return {{"name", team.name}, {"role", to_text(team.role)}, {"members", std::move(names)}};
}

json::object permission_view(const meta::Permission& permission) {
  return {{"kind", to_text(permission.subject.kind)}, {"name", permission.subject_name},
          {"role", to_text(permission.role)}};
}

json::object role_binding_view(const meta::RoleBinding& binding) {
  return {{"role", binding.role}, {"kind", to_text(binding.subject.kind)}, {"name", binding.subject_name}};
}

json::object robot_view(const meta::Robot& robot) {
  return {{"name", robot.full_name}, {"description", robot.description}, {"created_at", robot.created_at}};
}

json::array scopes_view(std::string_view scopes) {
  json::array out;
  for (auto& scope : auth::split_scopes(scopes)) out.emplace_back(std::move(scope));
  return out;
}

json::object token_view(const meta::ApiToken& token) {
  return {{"id", token.id},
          {"name", token.name},
          {"scopes", scopes_view(token.scopes)},
          {"created_at", token.created_at},
          {"expires_at", optional_time(token.expires_at)},
          {"last_used_at", optional_time(token.last_used_at)}};
}

json::object audit_event_view(const meta::AuditEvent& event) {
  boost::system::error_code ec;
  json::value detail = json::parse(event.detail, ec);
  if (ec) detail = json::value(event.detail);  // written by Pier, so always JSON; kept as text if not
  return {{"id", event.id},
          {"at", event.at},
          {"actor", event.actor},
          {"actor_kind", to_text(event.actor_kind)},
          {"client_address", event.client_address},
          {"action", event.action},
          {"namespace", event.namespace_name},
          {"repository", event.repository ? json::value(*event.repository) : json::value(nullptr)},
          {"detail", std::move(detail)}};
}

json::object job_view(const meta::Job& job) {
  boost::system::error_code ec;
  json::value args = json::parse(job.args, ec);
  if (ec) args = json::value(job.args);  // written as JSON by whoever enqueued it; kept as text if not
  return {{"id", job.id},
          {"kind", job.kind},
          {"args", std::move(args)},
          {"state", meta::to_text(job.state)},
          {"attempt", job.attempt},
          {"max_attempts", job.max_attempts},
          {"attempted_by", optional_text(job.attempted_by)},
          {"scheduled_at", job.scheduled_at},
          {"attempted_at", optional_time(job.attempted_at)},
          {"finished_at", optional_time(job.finished_at)},
          {"last_error", optional_text(job.last_error)}};
}

}  // namespace pier::api
