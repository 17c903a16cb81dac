#include "registry/registry_app.h"

#include <algorithm>
#include <boost/json.hpp>

#include "common/names.h"
#include "registry/routes.h"

namespace pier::registry {

namespace {

// Bodies the registry does not read (POST without a digest, DELETE, GET) may still carry a
// few bytes from lax clients; anything larger is refused rather than read.
constexpr std::size_t kIgnoredBodyLimit = 64 * 1024;

Error method_not_allowed() { return make_error(ErrorCode::kMethodNotAllowed, "method not allowed on this endpoint"); }

bool is_read(Method m) { return m == Method::kGet || m == Method::kHead; }

// The route a request resolves to; kept on the Request between plan() and handle().
Route route_of(const Request& request) { return static_cast<Route>(request.route_index); }

// A signature of the API extension is at most 256 KiB, which base64 and its JSON make larger.
constexpr std::size_t kSignatureBodyLimit = 512 * 1024;

// A form body for the token endpoint is small; anything larger is not one.
constexpr std::size_t kTokenFormLimit = 64 * 1024;

access::Need need_of(Route route, Method m) {
  switch (route) {
    case Route::kBase:
    case Route::kToken: return access::Need::kSignedIn;
    case Route::kCatalog: return access::Need::kCatalog;
    case Route::kTags:
    case Route::kReferrers:
    case Route::kBlob:
    case Route::kManifest:
      if (m == Method::kDelete) return access::Need::kDelete;
      if (m == Method::kPut) return access::Need::kPush;
      return access::Need::kPull;
    case Route::kUploadStart:
    case Route::kUpload: return access::Need::kPush;
    case Route::kSignatures: return m == Method::kPut ? access::Need::kPush : access::Need::kPull;
  }
  return access::Need::kSignedIn;
}

// The caller's account name; empty when anonymous.
std::string_view name_of(const access::Caller& caller) {
  return caller.principal.kind == auth::PrincipalKind::kAnonymous ? std::string_view() : caller.principal.name;
}

std::string_view header_of(const Response& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return {};
}

}  // namespace

Result<RequestPlan> RegistryApp::plan(Request& request) {
  auto route = match_route(request);
  if (!route) return route.error();
  request.route_index = static_cast<int>(*route);
  const Method m = request.method;
  RequestPlan plan;
  plan.route = route_label(*route, m);
  plan.body_limit = kIgnoredBodyLimit;
  switch (*route) {
    case Route::kToken:
      if (!is_read(m) && m != Method::kPost) return method_not_allowed();
      plan.body_limit = kTokenFormLimit;
      plan.may_block = true;  // verifying a password
      return plan;
    case Route::kBase:
    case Route::kCatalog:
    case Route::kTags:
    case Route::kReferrers:
      if (!is_read(m)) return method_not_allowed();
      plan.may_block = access_.control.may_block(request);
      return plan;
    case Route::kManifest:
      if (m == Method::kPut) {
        plan.body_limit = services_.manifests.max_manifest_bytes();
        plan.too_large = ErrorCode::kManifestTooLarge;
        plan.may_block = true;
      } else if (m == Method::kDelete) {
        plan.may_block = true;
      } else if (!is_read(m)) {
        return method_not_allowed();
      }
      plan.may_block = plan.may_block || access_.control.may_block(request) ||
                       services_.signing.may_verify(request.repository);  // gpg runs
      return plan;
    case Route::kSignatures:
      if (m == Method::kPut) {
        plan.body = BodyMode::kBuffer;
        plan.body_limit = kSignatureBodyLimit;
        plan.may_block = true;
      } else if (!is_read(m)) {
        return method_not_allowed();
      } else {
        plan.may_block = access_.control.may_block(request);
      }
      return plan;
    case Route::kBlob:
      if (m == Method::kDelete) {
        plan.may_block = true;
      } else if (!is_read(m)) {
        return method_not_allowed();
      } else if (auto digest = Digest::parse(request.reference); digest && services_.blobs.use_due(*digest)) {
        plan.may_block = true;  // the look-up is recorded with a database write
      }
      plan.may_block = plan.may_block || access_.control.may_block(request);
      return plan;
    case Route::kUploadStart:
      if (m != Method::kPost) return method_not_allowed();
      if (is_small_monolithic_upload(request, services_.uploads)) {
        // Read whole, hashed in memory and stored in one database commit.
        plan.body = BodyMode::kBuffer;
        plan.body_limit = services_.uploads.inline_max_bytes();
        plan.may_block = true;
      } else if (request.query_param("digest") && !request.query_param("mount")) {
        // A monolithic upload's session lives in memory until its body is in: opening it
        // writes no row, so only its commit (finish) goes to the blocking pool.
        plan.body = BodyMode::kStream;
        plan.may_block = access_.control.may_block(request);
      } else {
        plan.may_block = true;
      }
      return plan;
    case Route::kUpload:
      if (m == Method::kPatch || m == Method::kPut) {
        plan.body = BodyMode::kStream;
      } else if (!is_read(m) && m != Method::kDelete) {
        return method_not_allowed();
      }
      plan.may_block = true;
      return plan;
  }
  return make_error(ErrorCode::kRouteUnknown, "no such endpoint");
}

Result<Reply> RegistryApp::handle(Request& request) {
  const Route route = route_of(request);
  if (route == Route::kToken) return issue_token(access_, request);
  auto caller = access_.control.admit(request, need_of(route, request.method), request.repository);
  if (!caller) return caller.error();
  if (route == Route::kUploadStart && request.query_param("mount")) {
    // Mounting needs pull on the source; without it the client gets a plain upload session,
    // as for a blob the source does not have, and learns nothing about the source.
    auto source = mount_source(request, *caller);
    if (!source) return source.error();
    std::erase_if(request.query, [](const auto& param) { return param.first == "from"; });
    if (*source) {
      request.query.emplace_back("from", std::move(**source));
    } else {
      std::erase_if(request.query, [](const auto& param) { return param.first == "mount"; });
    }
  }
  auto reply = dispatch(request, *caller);
  if (reply) {
    if (const auto* response = std::get_if<Response>(&*reply)) audit(request, *caller, *response);
  } else if (route == Route::kManifest && is_read(request.method) && reply.error().code == ErrorCode::kDenied) {
    audit_refusal(request, *caller, reply.error());
  } else if ((route == Route::kUpload || route == Route::kUploadStart) && reply.error().code == ErrorCode::kDenied) {
    services_.notifications.quota_refused(reply.error());
  }
  return reply;
}

Result<std::optional<std::string>> RegistryApp::mount_source(const Request& request, const access::Caller& caller) {
  using Source = std::optional<std::string>;
  if (const auto from = request.query_param("from")) {
    auto may = access_.control.may_pull(caller, *from);
    if (!may) return may.error();
    return *may ? Source(std::string(*from)) : Source();
  }
  auto digest = Digest::parse(*request.query_param("mount"));
  if (!digest) return Source();  // start_upload answers DIGEST_INVALID
  // Enough to find one the caller may read among the repositories that share a base layer,
  // without deciding access for every repository of a large registry.
  constexpr std::size_t kMountSourcesTried = 20;
  auto candidates = services_.uploads.mount_sources(*digest, kMountSourcesTried);
  if (!candidates) return candidates.error();
  // The caller's own repository first: it needs no other grant.
  if (std::find(candidates->begin(), candidates->end(), request.repository) != candidates->end()) {
    return Source(request.repository);
  }
  for (const auto& candidate : *candidates) {
    auto may = access_.control.may_pull(caller, candidate);
    if (!may) return may.error();
    if (*may) return Source(candidate);
  }
  return Source();
}

Result<Reply> RegistryApp::dispatch(Request& request, const access::Caller& caller) {
  auto& s = services_;
  const Method m = request.method;
  switch (route_of(request)) {
    case Route::kBase: return Reply(json_response("{}"));
    case Route::kCatalog: {
      Visibility visible;
      if (access_.control.enabled()) {
        visible = [this, &caller](const std::vector<std::string>& repositories) {
          return access_.control.may_list(caller, repositories);
        };
      }
      return list_catalog(s, request, visible);
    }
    case Route::kTags: return list_tags(s, request);
    case Route::kReferrers: return list_referrers(s, request);
    case Route::kManifest:
      if (m == Method::kPut) return put_manifest(s, request, name_of(caller));
      if (m == Method::kDelete) return delete_manifest(s, request, name_of(caller));
      return get_manifest(s, request);
    case Route::kBlob:
      if (m == Method::kDelete) return delete_blob(s, request);
      return get_blob(s, request);
    case Route::kUploadStart: return start_upload(s, request);
    case Route::kUpload:
      if (m == Method::kPatch) return patch_upload(s, request);
      if (m == Method::kPut) return put_upload(s, request);
      if (m == Method::kDelete) return delete_upload(s, request);
      return get_upload(s, request);
    case Route::kToken: return issue_token(access_, request);
    case Route::kSignatures:
      if (m == Method::kPut) return put_signature(s, request);
      return list_signatures(s, request);
  }
  return make_error(ErrorCode::kRouteUnknown, "no such endpoint");
}

void RegistryApp::audit_refusal(const Request& request, const access::Caller& caller, const Error& refusal) {
  boost::json::object detail;
  detail["reference"] = request.reference;
  detail["reason"] = refusal.message;
  record_event(request, caller, "pull_refused", std::move(detail));
}

void RegistryApp::record_event(const Request& request, const access::Caller& caller, std::string_view action,
                               boost::json::object detail) {
  meta::AuditEvent event;
  event.at = access_.clock.unix_seconds();
  if (caller.principal.kind != auth::PrincipalKind::kAnonymous) event.actor = caller.principal.name;
  event.actor_kind = auth::actor_kind_of(caller.principal.kind);
  event.client_address = request.remote_address;
  event.action = std::string(action);
  event.namespace_name = std::string(access::namespace_of(request.repository));
  event.repository = request.repository;
  event.detail = boost::json::serialize(detail);
  access_.audit.record(std::move(event));
}

void RegistryApp::audit(const Request& request, const access::Caller& caller, const Response& response) {
  const Route route = route_of(request);
  const Method m = request.method;
  const std::string_view actor = name_of(caller);
  std::string_view action;
  if (route == Route::kManifest && m == Method::kPut && response.status == 201) {
    action = "push";
    if (const auto signed_digest = attached_to(request.reference);
        signed_digest && request.reference.ends_with(".sig")) {
      services_.notifications.signature_added(request.repository, *signed_digest, "cosign", actor);
    }
  } else if (route == Route::kManifest && m == Method::kGet && response.status == 200) {
    const bool by_digest = request.reference.find(':') != std::string::npos;
    services_.notifications.pulled(request.repository, header_of(response, "Docker-Content-Digest"),
                                   by_digest ? std::string_view() : std::string_view(request.reference), actor);
    // With authentication off every caller is anonymous: pulls would fill the log with nothing.
    if (!access_.control.enabled()) return;
    access::PullSighting pull;
    pull.actor = actor;
    pull.actor_kind = auth::actor_kind_of(caller.principal.kind);
    pull.client_address = request.remote_address;
    pull.repository = request.repository;
    pull.reference = request.reference;
    pull.digest = header_of(response, "Docker-Content-Digest");
    access_.audit.record_pull(pull, access_.clock.unix_seconds());
    return;
  } else if ((route == Route::kManifest || route == Route::kBlob) && m == Method::kDelete && response.status == 202) {
    action = "delete";
  } else if (route == Route::kSignatures && m == Method::kPut && response.status == 201) {
    action = "sign";
    services_.notifications.signature_added(request.repository, request.reference, "gpg", actor);
  } else {
    return;
  }
  boost::json::object detail;
  detail["reference"] = request.reference;
  if (auto digest = header_of(response, "Docker-Content-Digest"); !digest.empty()) detail["digest"] = digest;
  if (route == Route::kBlob) detail["blob"] = true;
  record_event(request, caller, action, std::move(detail));
}

void RegistryApp::decorate(const Request&, Response& response) const {
  response.header("Docker-Distribution-API-Version", "registry/2.0");
  // containers/image reads it from the answer to its unauthenticated ping of /v2/.
  response.header("X-Registry-Supports-Signatures", "1");
}

Response empty_response(unsigned status) {
  Response response;
  response.status = status;
  return response;
}

Response json_response(std::string body, std::string content_type) {
  Response response;
  response.header("Content-Type", std::move(content_type));
  response.body = std::move(body);
  return response;
}

std::string blob_location(std::string_view repository, std::string_view digest) {
  return "/v2/" + std::string(repository) + "/blobs/" + std::string(digest);
}

}  // namespace pier::registry
