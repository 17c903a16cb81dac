// GET /api/v1/audit?namespace=&repository=&actor=&from=&to=&before=&limit=
//   -> {events: [...newest first], next: <the `before` of the next page, or null>}
// Superusers may read every event; anyone else names a namespace they may manage and sees its
// events only. from and to are Unix seconds (from <= at < to); limit is 1 to 1000 (100).
#include <limits>

#include "api/account_names.h"
#include "api/authorize.h"
#include "api/handlers.h"
#include "api/json_body.h"
#include "api/numbers.h"
#include "api/views.h"
#include "common/names.h"

namespace pier::api {

namespace {

constexpr std::int64_t kMaxLimit = 1000;
constexpr std::size_t kMaxActorLength = 255;

Result<std::optional<std::int64_t>> integer_param(const Request& request, std::string_view name, std::int64_t min) {
  const auto text = request.query_param(name);
  if (!text) return std::optional<std::int64_t>();
  auto value = parse_integer(name, *text, min, std::numeric_limits<std::int64_t>::max());
  if (!value) return value.error();
  return std::optional<std::int64_t>(*value);
}

Result<meta::AuditQuery> query_of(const Request& request) {
  meta::AuditQuery query;
  if (auto ns = request.query_param("namespace")) {
    if (auto checked = check_account_name("namespace", *ns); !checked) return checked.error();
    query.namespace_name = std::string(*ns);
  }
  if (auto repository = request.query_param("repository")) {
    if (auto checked = check_repository_name(*repository); !checked) return checked.error();
    query.repository = std::string(*repository);
  }
  if (auto actor = request.query_param("actor")) {
    if (actor->size() > kMaxActorLength) return bad_field("actor", "too long");
    query.actor = std::string(*actor);
  }
  const auto min = std::numeric_limits<std::int64_t>::min();
  auto from = integer_param(request, "from", min);
  if (!from) return from.error();
  auto to = integer_param(request, "to", min);
  if (!to) return to.error();
  auto before = integer_param(request, "before", 1);
  if (!before) return before.error();
  query.from = *from;
  query.to = *to;
  query.before_id = *before;
  if (auto limit = request.query_param("limit")) {
    auto value = parse_integer("limit", *limit, 1, kMaxLimit);
    if (!value) return value.error();
    query.limit = static_cast<std::size_t>(*value);
  }
  return query;
}

// Superusers read everything; others one namespace they may manage.
Result<void> authorize(const Call& call, const meta::AuditQuery& query) {
  auto everything = decide(call, auth::NamespaceAction::kAdministerRegistry);
  if (!everything) return everything.error();
  if (everything->allowed) return {};
  if (!query.namespace_name) return bad_field("namespace", "required (only superusers read the whole log)");
  return require(call, auth::NamespaceAction::kManage, *query.namespace_name);
}

}  // namespace

Result<Response> query_audit(Call& call) {
  auto query = query_of(call.request);
  if (!query) return query.error();
  if (auto allowed = authorize(call, *query); !allowed) return allowed.error();
  auto events = call.accounts().query_audit_events(*query);
  if (!events) return events.error();
  boost::json::array views;
  for (const auto& event : *events) views.emplace_back(audit_event_view(event));
  boost::json::value next = nullptr;
  if (events->size() == query->limit) next = events->back().id;
  return json_response(200, boost::json::object{{"events", std::move(views)}, {"next", std::move(next)}});
}

}  // namespace pier::api
