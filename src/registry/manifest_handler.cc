#include "common/text.h"
#include "registry/handlers.h"

namespace pier::registry {

namespace {

// True if the Accept headers admit `media_type` (no Accept at all admits everything).
bool acceptable(const Request& request, std::string_view media_type) {
  bool any_accept = false;
  for (const auto& [name, value] : request.headers) {
    if (name != "accept") continue;
    for (const auto listed : split_list(value, ',')) {
      const auto item = trim_blanks(listed.substr(0, listed.find(';')));
      if (item.empty()) continue;
      any_accept = true;
      if (item == media_type || item == "*/*" || item == "application/*") return true;
    }
  }
  return !any_accept;
}

}  // namespace

Result<Reply> get_manifest(RegistryServices& s, Request& request) {
  auto manifest = s.manifests.get(request.repository, request.reference);
  if (!manifest) return manifest.error();
  const auto& stored = **manifest;
  if (auto admitted = s.signing.admit(request.repository, stored); !admitted) return admitted.error();
  if (auto admitted = s.scanning.admit(request.repository, stored); !admitted) return admitted.error();
  if (!acceptable(request, stored.media_type)) {
    return make_error(ErrorCode::kManifestUnknown,
                      "manifest is of media type " + stored.media_type + ", which the request does not Accept");
  }
  Response response;
  response.header("Content-Type", stored.media_type)
      .header("Docker-Content-Digest", stored.digest)
      .header("ETag", "\"" + stored.digest + "\"");
  if (request.method == Method::kHead) {
    response.omit_body = true;
    response.content_length = stored.content.size();
  } else {
    response.body = stored.content;
  }
  return Reply(std::move(response));
}

Result<Reply> put_manifest(RegistryServices& s, Request& request, std::string_view pushed_by) {
  auto pushed = s.manifests.put(request.repository, request.reference, request.body, request.header("content-type"),
                                request.query_params("tag"), pushed_by);
  if (!pushed) return pushed.error();
  Response response = empty_response(201);
  response.header("Location", "/v2/" + request.repository + "/manifests/" + pushed->digest)
      .header("Docker-Content-Digest", pushed->digest);
  if (!pushed->subject.empty()) response.header("OCI-Subject", pushed->subject);
  if (!request.query_params("tag").empty()) {
    for (const auto& tag : pushed->tags) response.header("OCI-Tag", tag);
  }
  return Reply(std::move(response));
}

Result<Reply> delete_manifest(RegistryServices& s, Request& request, std::string_view deleted_by) {
  if (auto r = s.manifests.remove(request.repository, request.reference, deleted_by); !r) return r.error();
  return Reply(empty_response(202));
}

}  // namespace pier::registry
