// Repositories as a whole:
//   GET    /api/v1/repositories?namespace=&q=&after=&limit=  -> {repositories: [...], next}
//   POST   /api/v1/repositories {name, public}                -> 201 the repository
//   GET    /api/v1/repositories/{repository...}               -> the repository, can_write, can_admin
//   DELETE /api/v1/repositories/{repository...}
// A listing holds only what the caller may pull; showing one needs pull; creating one is a
// push into existence (whoever may create in the namespace; it gets its first permissions as
// on a first push); deleting one is managing it, and takes its content, permissions and
// visibility.
#include "access/repository_policy.h"
#include "api/account_names.h"
#include "api/authorize.h"
#include "api/change_log.h"
#include "api/content_views.h"
#include "api/handlers.h"
#include "api/namespace_content.h"
#include "api/json_body.h"
#include "api/paging.h"

namespace pier::api {

namespace {

Error unknown_repository() { return make_error(ErrorCode::kNameUnknown, "repository name not known to registry"); }

Result<meta::RepositoryQuery> query_of(const Request& request) {
  auto page = page_of(request);
  if (!page) return page.error();
  auto substring = substring_of(request);
  if (!substring) return substring.error();
  meta::RepositoryQuery query{{}, std::move(*substring), std::move(page->after), page->limit};
  if (auto ns = request.query_param("namespace")) {
    if (auto checked = check_account_name("namespace", *ns); !checked) return checked.error();
    query.namespace_name = std::string(*ns);
  }
  return query;
}

// Up to `limit` + 1 repositories the caller may pull, reading the store in pages of that size
// until enough are found or none are left.
Result<std::vector<meta::RepositorySummary>> pullable(const Call& call, meta::RepositoryQuery query) {
  const std::size_t wanted = query.limit + 1;
  query.limit = wanted;
  std::vector<meta::RepositorySummary> shown;
  while (shown.size() < wanted) {
    auto batch = call.content().list(query);
    if (!batch) return batch.error();
    if (batch->empty()) break;
    std::vector<std::string> names;
    for (const auto& summary : *batch) names.push_back(summary.name);
    auto allowed = call.services.policy.allowed_each(call.caller, auth::Action::kPull, names);
    if (!allowed) return allowed.error();
    for (std::size_t i = 0; i < batch->size() && shown.size() < wanted; ++i) {
      if ((*allowed)[i]) shown.push_back(std::move((*batch)[i]));
    }
    if (batch->size() < query.limit) break;
    query.after = names.back();
  }
  return shown;
}

Result<boost::json::object> view_of(const Call& call, const meta::RepositorySummary& summary) {
  auto is_public = call.accounts().is_repository_public(summary.name);
  if (!is_public) return is_public.error();
  return repository_view(summary, *is_public);
}

}  // namespace

Result<Response> list_repositories(Call& call) {
  auto query = query_of(call.request);
  if (!query) return query.error();
  const auto limit = query->limit;
  auto shown = pullable(call, std::move(*query));
  if (!shown) return shown.error();
  auto next = next_after(*shown, limit, [](const meta::RepositorySummary& s) { return s.name; });
  boost::json::array views;
  for (const auto& summary : *shown) {
    auto view = view_of(call, summary);
    if (!view) return view.error();
    views.emplace_back(std::move(*view));
  }
  return json_response(200, boost::json::object{{"repositories", std::move(views)}, {"next", std::move(next)}});
}

Result<Response> create_repository(Call& call) {
  auto body = JsonBody::parse(call.request.body, {"name", "public"});
  if (!body) return body.error();
  auto name = body->string("name");
  if (!name) return name.error();
  if (auto checked = check_repository_name(*name); !checked) return checked.error();
  auto is_public = body->optional_boolean("public");
  if (!is_public) return is_public.error();
  auto allowed = decide_repository(call, auth::Action::kPush, *name);
  if (!allowed) return allowed.error();
  if (!allowed->allowed) return make_error(ErrorCode::kDenied, "not allowed to create the repository " + *name);

  auto created = call.content().create(*name);
  if (!created) return created.error();
  if (!*created) return make_error(ErrorCode::kBadRequest, "repository already exists");
  if (is_public->value_or(false)) {
    if (auto set = call.accounts().set_repository_public(*name, true); !set) return set.error();
  }
  auto summary = call.content().summary(*name);
  if (!summary) return summary.error();
  if (!*summary) return unknown_repository();  // deleted meanwhile
  return once_recorded(record_change(call, kRepositoryChange, access::namespace_of(*name), *name,
                                     {{"change", "repository_created"}, {"public", is_public->value_or(false)}}),
                       json_response(201, repository_view(**summary, is_public->value_or(false))));
}

Result<Response> get_repository(Call& call) {
  auto repository = repository_of(call);
  if (!repository) return repository.error();
  if (auto allowed = require_repository(call, auth::Action::kPull, *repository); !allowed) return allowed.error();
  auto summary = call.content().summary(*repository);
  if (!summary) return summary.error();
  if (!*summary) return unknown_repository();
  auto view = view_of(call, **summary);
  if (!view) return view.error();
  // Asked only now that the repository exists: a push decision on a missing one would create it.
  auto can_write = decide_repository(call, auth::Action::kPush, *repository);
  if (!can_write) return can_write.error();
  auto can_admin = decide_repository(call, auth::Action::kManage, *repository);
  if (!can_admin) return can_admin.error();
  (*view)["can_write"] = can_write->allowed;
  (*view)["can_admin"] = can_admin->allowed;
  return json_response(200, *view);
}

Result<Response> delete_repository(Call& call) {
  auto repository = repository_of(call);
  if (!repository) return repository.error();
  if (auto allowed = require_repository_admin(call, *repository); !allowed) return allowed.error();
  auto removed = remove_repository_content(call, *repository);
  if (!removed) return removed.error();
  // Permissions and visibility go after the content, so a failure here leaves only settings
  // behind, which deleting again removes.
  auto forgotten = call.accounts().forget_repository(*repository);
  if (!forgotten) return forgotten.error();
  if (!*removed && !*forgotten) return unknown_repository();
  return once_recorded(record_change(call, kRepositoryChange, access::namespace_of(*repository), *repository,
                                     {{"change", "repository_deleted"}}),
                       no_content());
}

}  // namespace pier::api
