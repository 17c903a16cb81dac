// Notification rules:
//   GET|POST /api/v1/namespaces/{ns}/notifications              a namespace's own rules (its managers)
//   GET|POST /api/v1/repositories/{repository...}/notifications  a repository's (its admins)
//     POST {event, method, config, title?, filter?: {tags?, min_severity?}} -> 201 the rule
//   GET|PATCH|DELETE /api/v1/notifications/{id}                 PATCH {title?, config?, filter?, enabled?}
//   POST /api/v1/notifications/{id}/test -> {delivered, status_code, error}
// Every rule is shown with its config's secrets redacted and its recent deliveries.
#include <boost/json.hpp>
#include <limits>

#include "api/authorize.h"
#include "api/change_log.h"
#include "api/handlers.h"
#include "api/json_body.h"
#include "api/namespace_scope.h"
#include "api/numbers.h"

namespace pier::api {

namespace json = boost::json;

namespace {

json::value time_or_null(std::int64_t unix_seconds) {
  return unix_seconds > 0 ? json::value(format_utc(unix_seconds)) : json::value(nullptr);
}

json::object delivery_view(const meta::Delivery& delivery) {
  return {{"id", delivery.id},
          {"event_id", delivery.event_id ? json::value(std::to_string(*delivery.event_id)) : json::value(nullptr)},
          {"event", delivery.event_kind},
          {"state", meta::to_text(delivery.state)},
          {"attempts", delivery.attempts},
          {"status_code", delivery.status_code},
          {"error", delivery.error},
          {"created_at", time_or_null(delivery.created_at)},
          {"updated_at", time_or_null(delivery.updated_at)}};
}

json::object rule_view(const services::RuleView& view) {
  const auto& rule = view.rule;
  json::array deliveries;
  for (const auto& delivery : view.deliveries) deliveries.push_back(delivery_view(delivery));
  boost::system::error_code failed;
  auto config = json::parse(rule.config, failed);
  if (failed) config = json::object{};
  return {{"id", rule.id},
          {"namespace", rule.namespace_name},
          {"repository", rule.repository ? json::value(*rule.repository) : json::value(nullptr)},
          {"event", rule.event},
          {"method", rule.method},
          {"title", rule.title},
          {"config", std::move(config)},
          {"filter", json::object{{"tags", rule.tag_filter}, {"min_severity", rule.min_severity}}},
          {"enabled", rule.enabled},
          {"disabled_reason", rule.disabled_reason},
          {"created_at", time_or_null(rule.created_at)},
          {"deliveries", std::move(deliveries)}};
}

json::object rules_view(const std::vector<services::RuleView>& views) {
  json::array rules;
  for (const auto& view : views) rules.push_back(rule_view(view));
  return {{"notifications", std::move(rules)}};
}

// Where a rule lives: a namespace's own, or a repository's.
struct RuleScope {
  std::string namespace_name;
  std::optional<std::string> repository;
};

Result<RuleScope> scope_of_path(Call& call) {
  if (!call.params["ns"].empty()) {
    auto ns = managed_namespace(call);
    if (!ns) return ns.error();
    return RuleScope{std::string(*ns), std::nullopt};
  }
  auto repository = repository_of(call);
  if (!repository) return repository.error();
  if (auto allowed = require_repository_admin(call, *repository); !allowed) return allowed.error();
  auto summary = call.content().summary(*repository);
  if (!summary) return summary.error();
  if (!*summary) return make_error(ErrorCode::kNameUnknown, "repository name not known to registry");
  return RuleScope{std::string(namespace_of(*repository)), std::string(*repository)};
}

// A rule the caller may manage: its namespace's managers, or its repository's admins.
Result<services::RuleView> managed_rule(Call& call) {
  // An id that is no number names no rule either.
  const auto id = parse_integer("id", call.params["id"], 1, std::numeric_limits<std::int64_t>::max());
  if (!id) return make_error(ErrorCode::kNameUnknown, "no such notification rule");
  auto view = call.services.notifications.get(*id);
  if (!view) return view.error();
  if (!*view) return make_error(ErrorCode::kNameUnknown, "no such notification rule");
  const auto& rule = (*view)->rule;
  auto allowed = rule.repository ? require_repository_admin(call, *rule.repository)
                                 : require(call, auth::NamespaceAction::kManage, rule.namespace_name);
  if (!allowed) {
    // Someone who may not manage it learns nothing of it.
    if (allowed.error().code == ErrorCode::kDenied) {
      return make_error(ErrorCode::kNameUnknown, "no such notification rule");
    }
    return allowed.error();
  }
  return std::move(**view);
}

struct Filter {
  std::optional<std::string> tags;
  std::optional<std::string> min_severity;
};

Result<Filter> filter_of(const JsonBody& body) {
  auto text = body.optional_object("filter");
  if (!text) return text.error();
  if (!*text) return Filter{};
  auto filter = JsonBody::parse(**text, {"tags", "min_severity"});
  if (!filter) return make_error(ErrorCode::kBadRequest, "filter: " + filter.error().message);
  auto tags = filter->optional_string("tags");
  if (!tags) return tags.error();
  auto severity = filter->optional_string("min_severity");
  if (!severity) return severity.error();
  return Filter{std::move(*tags), std::move(*severity)};
}

json::object change_detail(std::string_view change, const meta::NotificationRule& rule) {
  return {{"change", change}, {"rule", rule.id}, {"event", rule.event}, {"method", rule.method}};
}

}  // namespace

Result<Response> list_notifications(Call& call) {
  auto scope = scope_of_path(call);
  if (!scope) return scope.error();
  auto views = call.services.notifications.list(scope->namespace_name, scope->repository);
  if (!views) return views.error();
  return json_response(200, rules_view(*views));
}

Result<Response> create_notification(Call& call) {
  auto body = JsonBody::parse(call.request.body, {"event", "method", "config", "title", "filter"});
  if (!body) return body.error();
  services::RuleRequest request;
  auto event = body->string("event");
  if (!event) return event.error();
  auto method = body->string("method");
  if (!method) return method.error();
  auto config = body->optional_object("config");
  if (!config) return config.error();
  auto title = body->optional_string("title");
  if (!title) return title.error();
  auto filter = filter_of(*body);
  if (!filter) return filter.error();
  auto scope = scope_of_path(call);
  if (!scope) return scope.error();
  request.namespace_name = scope->namespace_name;
  request.repository = scope->repository;
  request.event = std::move(*event);
  request.method = std::move(*method);
  request.config_json = config->value_or("{}");
  request.title = title->value_or("");
  request.tag_filter = filter->tags.value_or("");
  request.min_severity = filter->min_severity.value_or("");
  auto created = call.services.notifications.create(request);
  if (!created) return created.error();
  return once_recorded(record_change(call, kRepositoryChange, created->rule.namespace_name, created->rule.repository,
                                     change_detail("notification_created", created->rule)),
                       json_response(201, rule_view(*created)));
}

Result<Response> get_notification(Call& call) {
  auto view = managed_rule(call);
  if (!view) return view.error();
  return json_response(200, rule_view(*view));
}

Result<Response> update_notification(Call& call) {
  auto body = JsonBody::parse(call.request.body, {"title", "config", "filter", "enabled"});
  if (!body) return body.error();
  services::RuleChange change;
  auto title = body->optional_string("title");
  if (!title) return title.error();
  change.title = std::move(*title);
  auto config = body->optional_object("config");
  if (!config) return config.error();
  change.config_json = std::move(*config);
  auto filter = filter_of(*body);
  if (!filter) return filter.error();
  change.tag_filter = std::move(filter->tags);
  change.min_severity = std::move(filter->min_severity);
  auto enabled = body->optional_boolean("enabled");
  if (!enabled) return enabled.error();
  change.enabled = *enabled;
  auto current = managed_rule(call);
  if (!current) return current.error();
  auto updated = call.services.notifications.update(current->rule.id, change);
  if (!updated) return updated.error();
  return once_recorded(record_change(call, kRepositoryChange, updated->rule.namespace_name, updated->rule.repository,
                                     change_detail("notification_updated", updated->rule)),
                       json_response(200, rule_view(*updated)));
}

Result<Response> delete_notification(Call& call) {
  auto current = managed_rule(call);
  if (!current) return current.error();
  auto removed = call.services.notifications.remove(current->rule.id);
  if (!removed) return removed.error();
  return once_recorded(record_change(call, kRepositoryChange, current->rule.namespace_name, current->rule.repository,
                                     change_detail("notification_deleted", current->rule)),
                       no_content());
}

Result<Response> test_notification(Call& call) {
  auto current = managed_rule(call);
  if (!current) return current.error();
  auto outcome = call.services.notifications.test(current->rule.id);
  if (!outcome) return outcome.error();
  return json_response(200, json::object{{"delivered", outcome->delivered},
                                         {"status_code", outcome->status_code},
                                         {"error", outcome->error}});
}

}  // namespace pier::api
