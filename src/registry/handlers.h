// registry/handlers.h: one handler per route family, each in its own file.
//
// Handlers take a routed Request and return a Reply or an Error (which http/ renders as
// the OCI error body). They never see a socket.
#pragma once

#include <functional>

#include "access/access_control.h"
#include "access/audit_trail.h"
#include "access/token_issuer.h"
#include "common/clock.h"
#include "common/error.h"
#include "common/message.h"
#include "services/blob_service.h"
#include "services/manifest_service.h"
#include "services/notification_service.h"
#include "services/scan_service.h"
#include "services/signing_service.h"
#include "services/upload_service.h"

namespace pier::registry {

struct RegistryServices {
  services::BlobService& blobs;
  services::UploadService& uploads;
  services::ManifestService& manifests;
  services::SigningService& signing;
  services::ScanService& scanning;
  services::NotificationService& notifications;
};

struct RegistryAccess {
  access::AccessControl& control;
  access::TokenIssuer& tokens;
  access::AuditTrail& audit;
  Clock& clock;
};

// Whether the caller may see each of a batch of repositories; empty: every repository is visible.
using Visibility = std::function<Result<std::vector<bool>>(const std::vector<std::string>& repositories)>;

// blob_handler.cc: GET/HEAD/DELETE /v2/<name>/blobs/<digest>
Result<Reply> get_blob(RegistryServices& s, Request& request);
Result<Reply> delete_blob(RegistryServices& s, Request& request);

// upload_handler.cc: /v2/<name>/blobs/uploads/[<id>]
Result<Reply> start_upload(RegistryServices& s, Request& request);
// A POST ?digest= whose declared body fits inline: read whole and stored without a session.
bool is_small_monolithic_upload(const Request& request, const services::UploadService& uploads);
Result<Reply> get_upload(RegistryServices& s, Request& request);
Result<Reply> patch_upload(RegistryServices& s, Request& request);
Result<Reply> put_upload(RegistryServices& s, Request& request);
Result<Reply> delete_upload(RegistryServices& s, Request& request);

// manifest_handler.cc: GET/HEAD/PUT/DELETE /v2/<name>/manifests/<reference>
Result<Reply> get_manifest(RegistryServices& s, Request& request);
// `pushed_by`: the caller's name for the push event (empty when anonymous).
Result<Reply> put_manifest(RegistryServices& s, Request& request, std::string_view pushed_by);
Result<Reply> delete_manifest(RegistryServices& s, Request& request, std::string_view deleted_by);

// listing_handler.cc: tags/list, _catalog and referrers
Result<Reply> list_tags(RegistryServices& s, Request& request);
Result<Reply> list_catalog(RegistryServices& s, Request& request, const Visibility& visible);
Result<Reply> list_referrers(RegistryServices& s, Request& request);

// signature_handler.cc: GET and PUT /extensions/v2/<name>/signatures/<digest>
Result<Reply> list_signatures(RegistryServices& s, Request& request);
Result<Reply> put_signature(RegistryServices& s, Request& request);

// token_handler.cc: GET and POST /v2/auth
Result<Reply> issue_token(RegistryAccess& a, Request& request);

// Shared by the handlers above.
Response empty_response(unsigned status);
Response json_response(std::string body, std::string content_type = "application/json");
std::string blob_location(std::string_view repository, std::string_view digest);


}  // namespace pier::registry
