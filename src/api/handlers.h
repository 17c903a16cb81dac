// api/handlers.h: what a management API handler is given, and one handler per route, each
// family in its own file.
//
// A handler runs after the caller has signed in (the Call names them; an anonymous caller for
// the one route open to anyone, see routes.h) and, if it signed in, off the I/O threads (Argon2
// and database writes block). It validates its path parameters and body before any store call,
// asks authorize.h before it changes or shows anything, records every change with
// change_log.h, and answers JSON (json_body.h) or an Error, which http/ renders like every
// other error body.
#pragma once

#include <cstdint>
#include <string>

#include "access/access_control.h"
#include "access/repository_policy.h"
#include "api/routes.h"
#include "auth/authenticator.h"
#include "auth/browser_sessions.h"
#include "auth/authorizer.h"
#include "common/clock.h"
#include "common/error.h"
#include "common/message.h"
#include "common/names.h"
#include "meta/account_store.h"
#include "meta/job_store.h"
#include "meta/lifecycle_store.h"
#include "services/garbage_collector.h"
#include "services/notification_service.h"
#include "services/repository_content.h"
#include "services/scan_service.h"
#include "services/signing_service.h"
#include "services/tag_lifecycle.h"

namespace pier::api {

struct ManagementServices {
  meta::AccountStore& accounts;
  access::RepositoryPolicy& policy;
  auth::Authenticator& authenticator;
  access::AccessControl& access_control;
  auth::BrowserSessions& sessions;
  Clock& clock;
  services::RepositoryContent& content;
  meta::JobStore& jobs;
  meta::LifecycleStore& lifecycle;
  services::GarbageCollector& gc;
  services::TagLifecycle& tag_lifecycle;
  services::SigningService& signing;
  services::ScanService& scanning;
  services::NotificationService& notifications;
};

// One request to a handler.
struct Call {
  ManagementServices& services;
  const Request& request;
  const RouteParams& params;
  const auth::Principal& caller;

  meta::AccountStore& accounts() const { return services.accounts; }
  services::RepositoryContent& content() const { return services.content; }
  std::int64_t now() const { return services.clock.unix_seconds(); }
};

// The store's "already exists" (kBadRequest) told as `message`; any other error as it is.
inline Error explain_conflict(Error error, std::string message) {
  if (error.code == ErrorCode::kBadRequest) error.message = std::move(message);
  return error;
}

// The {repository...} of the path, checked against the OCI grammar (kNameInvalid).
inline Result<std::string_view> repository_of(const Call& call) {
  const std::string& repository = call.params["repository"];
  if (auto checked = check_repository_name(repository); !checked) return checked.error();
  return std::string_view(repository);
}

// users.cc: the caller, and users (superusers only)
Result<Response> get_current_user(Call& call);   // GET /api/v1/user
Result<Response> change_own_password(Call& call);  // PATCH /api/v1/user
Result<Response> list_users(Call& call);         // GET /api/v1/users
Result<Response> create_user(Call& call);        // POST /api/v1/users
Result<Response> update_user(Call& call);        // PATCH /api/v1/users/{user}
Result<Response> delete_user(Call& call);        // DELETE /api/v1/users/{user}

// organizations.cc
Result<Response> list_organizations(Call& call);   // GET /api/v1/organizations
Result<Response> get_organization(Call& call);     // GET /api/v1/organizations/{org}
Result<Response> create_organization(Call& call);  // POST /api/v1/organizations
Result<Response> delete_organization(Call& call);  // DELETE /api/v1/organizations/{org}

// teams.cc: /api/v1/organizations/{org}/teams[/{team}[/members/{user}]]
Result<Response> list_teams(Call& call);
Result<Response> put_team(Call& call);
Result<Response> delete_team(Call& call);
Result<Response> put_team_member(Call& call);
Result<Response> delete_team_member(Call& call);

// robots.cc: /api/v1/namespaces/{ns}/robots[/{robot}[/regenerate]]
Result<Response> list_robots(Call& call);
Result<Response> create_robot(Call& call);
Result<Response> regenerate_robot(Call& call);
Result<Response> delete_robot(Call& call);

// repositories.cc: /api/v1/repositories/{repository...}/permissions[/{kind}/{name}], /visibility
Result<Response> list_permissions(Call& call);
Result<Response> put_permission(Call& call);
Result<Response> delete_permission(Call& call);
Result<Response> put_visibility(Call& call);

// repository_content.cc: /api/v1/repositories[/{repository...}]
Result<Response> list_repositories(Call& call);
Result<Response> create_repository(Call& call);
Result<Response> get_repository(Call& call);
Result<Response> delete_repository(Call& call);

// tags.cc: /api/v1/repositories/{repository...}/tags[/{tag}[/history]], .../manifests/{digest}
Result<Response> list_repository_tags(Call& call);
Result<Response> get_tag_history(Call& call);
Result<Response> put_tag(Call& call);
Result<Response> delete_tag(Call& call);
Result<Response> get_manifest_details(Call& call);

// default_permissions.cc: /api/v1/organizations/{org}/default-permissions[/{kind}/{name}]
Result<Response> list_default_permissions(Call& call);
Result<Response> put_default_permission(Call& call);
Result<Response> delete_default_permission(Call& call);

// role_bindings.cc: /api/v1/namespaces/{ns}/role-bindings[/{role}/{kind}/{name}]
Result<Response> list_role_bindings(Call& call);
Result<Response> put_role_binding(Call& call);
Result<Response> delete_role_binding(Call& call);

// tokens.cc: the caller's API tokens, /api/v1/user/tokens[/{id}]
Result<Response> create_token(Call& call);
Result<Response> list_tokens(Call& call);
Result<Response> delete_token(Call& call);

// notifications.cc: /api/v1/namespaces/{ns}/notifications, /api/v1/repositories/{repository...}/notifications,
// /api/v1/notifications/{id}[/test]
Result<Response> list_notifications(Call& call);
Result<Response> create_notification(Call& call);
Result<Response> get_notification(Call& call);
Result<Response> update_notification(Call& call);
Result<Response> delete_notification(Call& call);
Result<Response> test_notification(Call& call);

// audit.cc: GET /api/v1/audit
Result<Response> query_audit(Call& call);

// jobs.cc: the jobs of the metadata database (superusers only), /api/v1/jobs
Result<Response> list_jobs(Call& call);    // GET
Result<Response> enqueue_job(Call& call);  // POST

// scanning.cc: vulnerability data, scan reports, SBOMs and vulnerability policies
Result<Response> import_vulnerabilities(Call& call);
Result<Response> get_vulnerability_database(Call& call);
Result<Response> get_manifest_vulnerabilities(Call& call);
Result<Response> get_manifest_sbom(Call& call);
Result<Response> get_vulnerability_policy(Call& call);
Result<Response> put_vulnerability_policy(Call& call);
Result<Response> delete_vulnerability_policy(Call& call);

// signing.cc: /api/v1/namespaces/{ns}/signing-policy
Result<Response> get_signing_policy(Call& call);
Result<Response> put_signing_policy(Call& call);
Result<Response> delete_signing_policy(Call& call);
Result<Response> get_signing_keys(Call& call);  // GET /api/v1/namespaces/{ns}/signing-keys

// lifecycle.cc: garbage collection, quotas, history windows, immutable tags, retention, tag expiry
Result<Response> run_gc(Call& call);                 // POST /api/v1/gc (superusers)
Result<Response> get_gc(Call& call);                 // GET /api/v1/gc (superusers)
Result<Response> get_quota(Call& call);              // /api/v1/namespaces/{ns}/quota
Result<Response> put_quota(Call& call);
Result<Response> delete_quota(Call& call);
Result<Response> get_history_window(Call& call);     // /api/v1/namespaces/{ns}/history-window
Result<Response> put_history_window(Call& call);
Result<Response> delete_history_window(Call& call);
Result<Response> get_immutable_tags(Call& call);     // .../{ns}/immutable-tags, .../{repository...}/immutable-tags
Result<Response> put_immutable_tags(Call& call);
Result<Response> get_retention(Call& call);          // .../{ns}/retention, .../{repository...}/retention
Result<Response> put_retention(Call& call);
Result<Response> delete_retention(Call& call);
Result<Response> run_retention(Call& call);          // POST .../retention/run
Result<Response> put_tag_expiration(Call& call);     // PUT .../{repository...}/tags/{tag}/expiration
// session.cc: the web UI's sign-in, /api/v1/session
Result<Response> start_session(Call& call);  // POST
Result<Response> get_session(Call& call);    // GET
Result<Response> end_session(Call& call);    // DELETE

// openapi.cc: GET /api/v1/openapi.json, for anyone
Result<Response> get_openapi_document(Call& call);

}  // namespace pier::api
