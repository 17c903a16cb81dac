// Tags and manifests of a repository:
//   GET    /api/v1/repositories/{repository...}/tags?q=&after=&limit=  -> {tags: [...], next}
//   GET    /api/v1/repositories/{repository...}/tags/{tag}/history     -> {history: [...newest first]}
//   PUT    /api/v1/repositories/{repository...}/tags/{tag} {digest}    -> the tag
//   DELETE /api/v1/repositories/{repository...}/tags/{tag}
//   GET    /api/v1/repositories/{repository...}/manifests/{digest}     -> the manifest read in detail
// Reading needs pull; putting a tag (creating, moving or restoring it onto a manifest the
// repository holds) needs push, as a push of that manifest would; deleting one needs what the
// registry's DELETE needs.
#include "access/repository_policy.h"
#include "api/authorize.h"
#include "api/change_log.h"
#include "api/content_views.h"
#include "api/handlers.h"
#include "api/json_body.h"
#include "api/paging.h"

namespace pier::api {

namespace {

Result<std::string_view> tag_of(const Call& call) {
  const std::string& tag = call.params["tag"];
  if (!is_valid_tag(tag)) return bad_field("tag", "must match [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}");
  return std::string_view(tag);
}

// The repository and tag of the path, checked.
struct TagPath {
  std::string_view repository;
  std::string_view tag;
};

Result<TagPath> tag_path(const Call& call) {
  auto repository = repository_of(call);
  if (!repository) return repository.error();
  auto tag = tag_of(call);
  if (!tag) return tag.error();
  return TagPath{*repository, *tag};
}

Result<void> record_tag_change(const Call& call, const TagPath& path, boost::json::object detail) {
  detail["tag"] = path.tag;
  return record_change(call, kRepositoryChange, access::namespace_of(path.repository), path.repository,
                       std::move(detail));
}

}  // namespace

Result<Response> list_repository_tags(Call& call) {
  auto repository = repository_of(call);
  if (!repository) return repository.error();
  auto page = page_of(call.request);
  if (!page) return page.error();
  auto substring = substring_of(call.request);
  if (!substring) return substring.error();
  if (auto allowed = require_repository(call, auth::Action::kPull, *repository); !allowed) return allowed.error();
  auto tags = call.content().tags(*repository, *substring, page->after, page->limit + 1);
  if (!tags) return tags.error();
  return json_response(200, page_body("tags", *tags, page->limit, [](const services::TagInfo& tag) { return tag.name; },
                                      tag_view));
}

Result<Response> get_tag_history(Call& call) {
  auto path = tag_path(call);
  if (!path) return path.error();
  if (auto allowed = require_repository(call, auth::Action::kPull, path->repository); !allowed) {
    return allowed.error();
  }
  auto events = call.content().history(path->repository, path->tag);
  if (!events) return events.error();
  boost::json::array views;
  for (const auto& event : *events) views.emplace_back(tag_event_view(event));
  return json_response(200, boost::json::object{{"history", std::move(views)}});
}

Result<Response> put_tag(Call& call) {
  auto path = tag_path(call);
  if (!path) return path.error();
  auto body = JsonBody::parse(call.request.body, {"digest"});
  if (!body) return body.error();
  auto digest_text = body->string("digest");
  if (!digest_text) return digest_text.error();
  auto digest = Digest::parse(*digest_text);
  if (!digest) return digest.error();
  // A push decision on a missing repository would create it; such a repository holds no
  // manifest anyway, so whoever may see it learns only that it is unknown.
  auto exists = call.content().summary(path->repository);
  if (!exists) return exists.error();
  const auto action = *exists ? auth::Action::kPush : auth::Action::kPull;
  if (auto allowed = require_repository(call, action, path->repository); !allowed) return allowed.error();
  if (!*exists) return make_error(ErrorCode::kNameUnknown, "repository name not known to registry");

  auto tag = call.content().put_tag(path->repository, path->tag, *digest, call.caller.name);
  if (!tag) return tag.error();
  return once_recorded(record_tag_change(call, *path, {{"change", "tag_moved"}, {"digest", digest->str()}}),
                       json_response(200, tag_view(*tag)));
}

Result<Response> delete_tag(Call& call) {
  auto path = tag_path(call);
  if (!path) return path.error();
  if (auto allowed = require_repository(call, auth::Action::kDelete, path->repository); !allowed) {
    return allowed.error();
  }
  if (auto deleted = call.content().delete_tag(path->repository, path->tag, call.caller.name); !deleted) {
    return deleted.error();
  }
  return once_recorded(record_tag_change(call, *path, {{"change", "tag_deleted"}}), no_content());
}

Result<Response> get_manifest_details(Call& call) {
  auto repository = repository_of(call);
  if (!repository) return repository.error();
  auto digest = Digest::parse(call.params["digest"]);
  if (!digest) return digest.error();
  if (auto allowed = require_repository(call, auth::Action::kPull, *repository); !allowed) return allowed.error();
  auto manifest = call.content().manifest(*repository, *digest);
  if (!manifest) return manifest.error();
  auto signatures = call.services.signing.signatures(*repository, *digest);
  if (!signatures) return signatures.error();
  auto view = manifest_view(*manifest);
  view["signatures"] = signatures_view(*signatures);
  return json_response(200, view);
}

}  // namespace pier::api
