// Image lifecycle: garbage collection, quotas, history windows, immutable tags, retention and
// tag expiry.
//   POST   /api/v1/gc {"dry_run"}                                   -> what one collection removed (superusers)
//   GET    /api/v1/gc                                               -> settings and totals since start
//   GET    /api/v1/namespaces/{ns}/quota                            -> {limit_bytes, warning_bytes, used_bytes, ...}
//   PUT    /api/v1/namespaces/{ns}/quota {limit_bytes, warning_bytes?} (superusers)
//   DELETE /api/v1/namespaces/{ns}/quota                            (superusers)
//   GET|PUT|DELETE /api/v1/namespaces/{ns}/history-window {"history_window": "7d"}
//   GET|PUT /api/v1/namespaces/{ns}/immutable-tags {"patterns": ["v*"]}
//   GET|PUT /api/v1/repositories/{repository...}/immutable-tags {"patterns": [...]}
//   GET|PUT|DELETE /api/v1/namespaces/{ns}/retention {keep_newest?, older_than?, include?, exclude?}
//   GET|PUT|DELETE /api/v1/repositories/{repository...}/retention
//   POST   /api/v1/namespaces/{ns}/retention/run {"dry_run"}        -> {removed: [...]}
//   POST   /api/v1/repositories/{repository...}/retention/run {"dry_run"}
//   PUT    /api/v1/repositories/{repository...}/tags/{tag}/expiration {expires_at | expires_in}
// A namespace's rules are for whoever may manage the namespace, a repository's for its
// admins; a quota is set by superusers (it limits the namespace's owners) and read by its
// managers; moving a tag's expiry needs push, as moving the tag would.
#include "access/repository_policy.h"
#include "api/account_names.h"
#include "api/authorize.h"
#include "api/change_log.h"
#include "api/content_views.h"
#include "api/handlers.h"
#include "api/json_body.h"
#include "api/namespace_scope.h"
#include "common/glob.h"
#include "services/tag_lifecycle.h"

namespace pier::api {

namespace json = boost::json;

namespace {

constexpr std::size_t kMaxPatterns = 100;
// Tags are at most 128 characters; a pattern of more could only match what no tag is.
constexpr std::size_t kMaxPatternLength = 128;

json::value optional_number(const auto& value) { return value ? json::value(*value) : json::value(nullptr); }

Result<std::string_view> administered_repository(const Call& call) {
  auto repository = repository_of(call);
  if (!repository) return repository.error();
  if (auto allowed = require_repository_admin(call, *repository); !allowed) return allowed.error();
  auto exists = call.content().summary(*repository);
  if (!exists) return exists.error();
  if (!*exists) return make_error(ErrorCode::kNameUnknown, "repository name not known to registry");
  return repository;
}

Result<std::optional<std::int64_t>> optional_duration(const JsonBody& body, std::string_view field, bool allow_zero) {
  auto text = body.optional_string(field);
  if (!text) return text.error();
  if (!*text) return std::optional<std::int64_t>();
  if (allow_zero && (*text)->size() >= 2 && (*text)->find_first_not_of('0') == (*text)->size() - 1 &&
      std::string_view("smhdw").find((*text)->back()) != std::string_view::npos) {
    return std::optional<std::int64_t>(0);
  }
  auto duration = services::parse_expires_after(**text);
  if (!duration) return bad_field(field, "must be a duration such as 30m, 12h, 3d or 2w");
  return std::optional<std::int64_t>(duration->count());
}

Result<std::vector<std::string>> patterns_field(const JsonBody& body, std::string_view field, bool required) {
  auto given = required ? body.strings(field) : body.optional_strings(field);
  if (!given) return given.error();
  if (given->size() > kMaxPatterns) return bad_field(field, "at most 100 patterns");
  for (const auto& pattern : *given) {
    if (pattern.size() > kMaxPatternLength || !is_valid_glob(pattern)) {
      return bad_field(field, "each must be a glob of printable characters such as v* or release-[0-9]*, got \"" +
                                  pattern + "\"");
    }
  }
  return given;
}

json::object quota_view(std::string_view ns, const meta::NamespaceLifecycle& lifecycle) {
  std::string state = "ok";
  if (lifecycle.limit_bytes && lifecycle.used_bytes >= *lifecycle.limit_bytes) {
    state = "exceeded";
  } else if (lifecycle.warning_bytes && lifecycle.used_bytes >= *lifecycle.warning_bytes) {
    state = "warning";
  }
  return {{"namespace", ns},
          {"limit_bytes", optional_number(lifecycle.limit_bytes)},
          {"warning_bytes", optional_number(lifecycle.warning_bytes)},
          {"used_bytes", lifecycle.used_bytes},
          {"blob_count", lifecycle.blob_count},
          {"state", state}};
}

json::object report_view(const services::GcReport& report) {
  return {{"dry_run", report.dry_run},
          {"manifests_deleted", report.manifests_deleted},
          {"links_deleted", report.links_deleted},
          {"blobs_deleted", report.blobs_deleted},
          {"bytes_freed", report.bytes_freed},
          {"database_bytes_freed", report.database_bytes_freed},
          {"seconds", report.seconds}};
}

json::object policy_view(const std::optional<meta::RetentionPolicy>& policy) {
  if (!policy) return {{"policy", nullptr}};
  json::array include(policy->include.begin(), policy->include.end());
  json::array exclude(policy->exclude.begin(), policy->exclude.end());
  return {{"policy",
           json::object{{"keep_newest", optional_number(policy->keep_newest)},
                        {"older_than", optional_number(policy->older_than)},
                        {"include", std::move(include)},
                        {"exclude", std::move(exclude)}}}};
}

json::object removals_view(bool dry_run, const std::vector<services::RetentionRemoval>& removals) {
  json::array views;
  for (const auto& removal : removals) {
    views.emplace_back(json::object{{"repository", removal.repository},
                                    {"tag", removal.tag},
                                    {"digest", removal.digest},
                                    {"reason", removal.reason}});
  }
  return {{"dry_run", dry_run}, {"removed", std::move(views)}};
}

Result<meta::RetentionPolicy> policy_of(const Request& request) {
  auto body = JsonBody::parse(request.body, {"keep_newest", "older_than", "include", "exclude"});
  if (!body) return body.error();
  meta::RetentionPolicy policy;
  auto keep = body->optional_integer("keep_newest");
  if (!keep) return keep.error();
  if (*keep) {
    if (**keep < 0 || **keep > 1'000'000) return bad_field("keep_newest", "must be 0 to 1000000");
    policy.keep_newest = static_cast<std::uint64_t>(**keep);
  }
  auto older = optional_duration(*body, "older_than", false);
  if (!older) return older.error();
  policy.older_than = *older;
  if (!policy.keep_newest && !policy.older_than) {
    return make_error(ErrorCode::kBadRequest, "a retention policy needs keep_newest, older_than or both");
  }
  auto include = patterns_field(*body, "include", false);
  if (!include) return include.error();
  policy.include = std::move(*include);
  auto exclude = patterns_field(*body, "exclude", false);
  if (!exclude) return exclude.error();
  policy.exclude = std::move(*exclude);
  return policy;
}

Result<bool> dry_run_of(const Request& request) {
  auto body = JsonBody::parse(request.body, {"dry_run"});
  if (!body) return body.error();
  auto dry_run = body->optional_boolean("dry_run");
  if (!dry_run) return dry_run.error();
  return dry_run->value_or(false);
}

Result<void> record_rule_change(const Call& call, std::string_view ns, std::optional<std::string_view> repository,
                                json::object detail) {
  return record_change(call, kRepositoryChange, ns, repository, std::move(detail));
}

// A rule's scope from the route: {ns} or {repository...}, checked and authorized.
struct Scope {
  meta::RuleScope kind;
  std::string_view name;
  std::string_view namespace_name;
  std::optional<std::string_view> repository;
};

Result<Scope> scope_of(const Call& call) {
  if (!call.params["ns"].empty()) {
    auto ns = managed_namespace(call);
    if (!ns) return ns.error();
    return Scope{meta::RuleScope::kNamespace, *ns, *ns, std::nullopt};
  }
  auto repository = administered_repository(call);
  if (!repository) return repository.error();
  return Scope{meta::RuleScope::kRepository, *repository, access::namespace_of(*repository), *repository};
}

}  // namespace

Result<Response> run_gc(Call& call) {
  auto dry_run = dry_run_of(call.request);
  if (!dry_run) return dry_run.error();
  if (auto allowed = require(call, auth::NamespaceAction::kAdministerRegistry); !allowed) return allowed.error();
  auto report = call.services.gc.collect(*dry_run);
  if (!report) return report.error();
  if (*dry_run) return json_response(200, report_view(*report));
  return once_recorded(record_change(call, kRepositoryChange, "", std::nullopt,
                                     {{"change", "garbage_collected"},
                                      {"manifests_deleted", report->manifests_deleted},
                                      {"blobs_deleted", report->blobs_deleted},
                                      {"bytes_freed", report->bytes_freed}}),
                       json_response(200, report_view(*report)));
}

Result<Response> get_gc(Call& call) {
  if (auto allowed = require(call, auth::NamespaceAction::kAdministerRegistry); !allowed) return allowed.error();
  const auto& gc = call.services.gc;
  const auto& totals = gc.totals();
  return json_response(200, json::object{{"history_window", gc.settings().history_window.count()},
                                         {"blob_grace", gc.settings().blob_grace.count()},
                                         {"runs", totals.runs.load()},
                                         {"failures", totals.failures.load()},
                                         {"manifests_deleted", totals.manifests_deleted.load()},
                                         {"links_deleted", totals.links_deleted.load()},
                                         {"blobs_deleted", totals.blobs_deleted.load()},
                                         {"bytes_freed", totals.bytes_freed.load()},
                                         {"database_bytes_freed", totals.database_bytes_freed.load()},
                                         {"last_run_seconds", totals.last_run_seconds.load()},
                                         {"last_run_at", totals.last_run_at.load()}});
}

Result<Response> get_quota(Call& call) {
  auto ns = managed_namespace(call);
  if (!ns) return ns.error();
  auto lifecycle = call.services.lifecycle.namespace_lifecycle(*ns);
  if (!lifecycle) return lifecycle.error();
  return json_response(200, quota_view(*ns, *lifecycle));
}

Result<Response> put_quota(Call& call) {
  auto body = JsonBody::parse(call.request.body, {"limit_bytes", "warning_bytes"});
  if (!body) return body.error();
  auto limit = body->optional_integer("limit_bytes");
  if (!limit) return limit.error();
  if (!*limit || **limit < 0) return bad_field("limit_bytes", "must be a number of bytes");
  auto warning = body->optional_integer("warning_bytes");
  if (!warning) return warning.error();
  if (*warning && (**warning < 0 || **warning > **limit)) {
    return bad_field("warning_bytes", "must be a number of bytes no larger than limit_bytes");
  }
  auto ns = namespace_of_path(call);
  if (!ns) return ns.error();
  if (auto allowed = require(call, auth::NamespaceAction::kAdministerRegistry); !allowed) return allowed.error();
  const auto as_bytes = [](std::optional<std::int64_t> v) {
    return v ? std::optional<std::uint64_t>(static_cast<std::uint64_t>(*v)) : std::nullopt;
  };
  if (auto set = call.services.lifecycle.set_quota(*ns, as_bytes(*limit), as_bytes(*warning)); !set) {
    return set.error();
  }
  auto lifecycle = call.services.lifecycle.namespace_lifecycle(*ns);
  if (!lifecycle) return lifecycle.error();
  return once_recorded(record_rule_change(call, *ns, std::nullopt,
                                          {{"change", "quota_set"}, {"limit_bytes", **limit},
                                           {"warning_bytes", optional_number(*warning)}}),
                       json_response(200, quota_view(*ns, *lifecycle)));
}

Result<Response> delete_quota(Call& call) {
  auto ns = namespace_of_path(call);
  if (!ns) return ns.error();
  if (auto allowed = require(call, auth::NamespaceAction::kAdministerRegistry); !allowed) return allowed.error();
  if (auto set = call.services.lifecycle.set_quota(*ns, std::nullopt, std::nullopt); !set) return set.error();
  return once_recorded(record_rule_change(call, *ns, std::nullopt, {{"change", "quota_removed"}}), no_content());
}

Result<Response> get_history_window(Call& call) {
  auto ns = managed_namespace(call);
  if (!ns) return ns.error();
  auto lifecycle = call.services.lifecycle.namespace_lifecycle(*ns);
  if (!lifecycle) return lifecycle.error();
  return json_response(200, json::object{{"namespace", *ns},
                                         {"history_window", lifecycle->history_window.value_or(
                                                                call.services.gc.settings().history_window.count())},
                                         {"default", !lifecycle->history_window.has_value()}});
}

Result<Response> put_history_window(Call& call) {
  auto body = JsonBody::parse(call.request.body, {"history_window"});
  if (!body) return body.error();
  auto window = optional_duration(*body, "history_window", true);
  if (!window) return window.error();
  if (!*window) return bad_field("history_window", "is required: a duration such as 0s, 12h, 7d or 2w");
  auto ns = managed_namespace(call);
  if (!ns) return ns.error();
  if (auto set = call.services.lifecycle.set_history_window(*ns, *window); !set) return set.error();
  return once_recorded(
      record_rule_change(call, *ns, std::nullopt, {{"change", "history_window_set"}, {"history_window", **window}}),
      json_response(200, json::object{{"namespace", *ns}, {"history_window", **window}, {"default", false}}));
}

Result<Response> delete_history_window(Call& call) {
  auto ns = managed_namespace(call);
  if (!ns) return ns.error();
  if (auto set = call.services.lifecycle.set_history_window(*ns, std::nullopt); !set) return set.error();
  return once_recorded(record_rule_change(call, *ns, std::nullopt, {{"change", "history_window_removed"}}),
                       no_content());
}

Result<Response> get_immutable_tags(Call& call) {
  auto scope = scope_of(call);
  if (!scope) return scope.error();
  auto patterns = call.services.lifecycle.immutable_patterns(scope->kind, scope->name);
  if (!patterns) return patterns.error();
  return json_response(200, json::object{{"patterns", json::array(patterns->begin(), patterns->end())}});
}

Result<Response> put_immutable_tags(Call& call) {
  auto body = JsonBody::parse(call.request.body, {"patterns"});
  if (!body) return body.error();
  auto patterns = patterns_field(*body, "patterns", true);
  if (!patterns) return patterns.error();
  auto scope = scope_of(call);
  if (!scope) return scope.error();
  if (auto set = call.services.lifecycle.set_immutable_patterns(scope->kind, scope->name, *patterns); !set) {
    return set.error();
  }
  json::array listed(patterns->begin(), patterns->end());
  return once_recorded(record_rule_change(call, scope->namespace_name, scope->repository,
                                          {{"change", "immutable_tags_set"}, {"patterns", listed}}),
                       json_response(200, json::object{{"patterns", listed}}));
}

Result<Response> get_retention(Call& call) {
  auto scope = scope_of(call);
  if (!scope) return scope.error();
  auto policy = call.services.lifecycle.retention_policy(scope->kind, scope->name);
  if (!policy) return policy.error();
  return json_response(200, policy_view(*policy));
}

Result<Response> put_retention(Call& call) {
  auto policy = policy_of(call.request);
  if (!policy) return policy.error();
  auto scope = scope_of(call);
  if (!scope) return scope.error();
  if (auto set = call.services.lifecycle.set_retention_policy(scope->kind, scope->name, *policy, call.now()); !set) {
    return set.error();
  }
  auto view = policy_view(*policy);
  return once_recorded(record_rule_change(call, scope->namespace_name, scope->repository,
                                          {{"change", "retention_policy_set"}, {"policy", view["policy"]}}),
                       json_response(200, view));
}

Result<Response> delete_retention(Call& call) {
  auto scope = scope_of(call);
  if (!scope) return scope.error();
  if (auto set = call.services.lifecycle.set_retention_policy(scope->kind, scope->name, std::nullopt, call.now()); !set) {
    return set.error();
  }
  return once_recorded(
      record_rule_change(call, scope->namespace_name, scope->repository, {{"change", "retention_policy_removed"}}),
      no_content());
}

Result<Response> run_retention(Call& call) {
  auto dry_run = dry_run_of(call.request);
  if (!dry_run) return dry_run.error();
  auto scope = scope_of(call);
  if (!scope) return scope.error();
  auto removals = call.services.tag_lifecycle.apply_retention(scope->kind, scope->name, *dry_run);
  if (!removals) return removals.error();
  if (*dry_run) return json_response(200, removals_view(true, *removals));
  return once_recorded(record_rule_change(call, scope->namespace_name, scope->repository,
                                          {{"change", "retention_applied"}, {"tags_removed", removals->size()}}),
                       json_response(200, removals_view(false, *removals)));
}

Result<Response> put_tag_expiration(Call& call) {
  auto repository = repository_of(call);
  if (!repository) return repository.error();
  const std::string& tag = call.params["tag"];
  if (!is_valid_tag(tag)) return bad_field("tag", "must match [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}");
  auto body = JsonBody::parse(call.request.body, {"expires_at", "expires_in"});
  if (!body) return body.error();
  auto at = body->optional_integer("expires_at");
  if (!at) return at.error();
  auto in = optional_duration(*body, "expires_in", false);
  if (!in) return in.error();
  if (*at && *in) return make_error(ErrorCode::kBadRequest, "give expires_at or expires_in, not both");
  std::optional<std::int64_t> expires_at = *at;
  if (*in) expires_at = call.now() + **in;
  if (auto allowed = require_repository(call, auth::Action::kPush, *repository); !allowed) return allowed.error();
  if (auto set = call.services.tag_lifecycle.set_expiry(*repository, tag, expires_at); !set) return set.error();
  auto detail = call.content().tag(*repository, tag);
  if (!detail) return detail.error();
  return once_recorded(record_rule_change(call, access::namespace_of(*repository), *repository,
                                          {{"change", "tag_expiry_set"}, {"tag", tag},
                                           {"expires_at", optional_number(expires_at)}}),
                       json_response(200, tag_view(*detail)));
}

}  // namespace pier::api
