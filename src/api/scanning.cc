// Vulnerability scanning:
//   POST   /api/v1/vulnerabilities/import  (superusers) one OSV record, a JSON array of them, or
//          a zip of OSV files; replaces the vulnerability database -> {imported, generation}
//   GET    /api/v1/vulnerabilities -> {records, generation, imported_at}
//   GET    /api/v1/repositories/{repo}/manifests/{digest}/vulnerabilities -> the scan's report
//   GET    /api/v1/repositories/{repo}/manifests/{digest}/sbom -> the image's SPDX document
//   GET    /api/v1/namespaces/{ns}/vulnerability-policy -> {block_severity, allow}
//   PUT    /api/v1/namespaces/{ns}/vulnerability-policy {block_severity, allow}
//   DELETE /api/v1/namespaces/{ns}/vulnerability-policy
#include <boost/json.hpp>

#include "api/authorize.h"
#include "api/change_log.h"
#include "api/handlers.h"
#include "api/json_body.h"
#include "api/namespace_scope.h"

namespace pier::api {

namespace json = boost::json;

namespace {

json::object policy_view(const std::optional<meta::VulnerabilityPolicy>& policy) {
  json::array allow;
  if (policy) {
    for (const auto& id : policy->allow) allow.emplace_back(id);
  }
  return {{"block_severity", policy ? json::value(policy->block_severity) : json::value(nullptr)},
          {"allow", std::move(allow)}};
}

json::object database_view(const meta::VulnerabilityDatabaseState& state) {
  return {{"records", state.records},
          {"generation", state.generation},
          {"imported_at", state.imported_at ? json::value(*state.imported_at) : json::value(nullptr)}};
}

// How many findings of each severity.
json::object summary_of(const json::array& findings) {
  json::object summary{{"critical", 0}, {"high", 0}, {"medium", 0}, {"low", 0}, {"none", 0}, {"unknown", 0}};
  for (const auto& finding : findings) {
    const auto* severity = finding.as_object().if_contains("severity");
    if (severity == nullptr || !severity->is_string()) continue;
    if (auto* count = summary.if_contains(severity->as_string())) *count = count->to_number<std::int64_t>() + 1;
  }
  return summary;
}

struct ManifestAt {
  std::string repository;
  Digest digest;
};

Result<ManifestAt> pullable_manifest(Call& call) {
  auto repository = repository_of(call);
  if (!repository) return repository.error();
  auto digest = Digest::parse(call.params["digest"]);
  if (!digest) return digest.error();
  if (auto allowed = require_repository(call, auth::Action::kPull, *repository); !allowed) return allowed.error();
  return ManifestAt{std::string(*repository), std::move(*digest)};
}

}  // namespace

Result<Response> import_vulnerabilities(Call& call) {
  if (auto allowed = require(call, auth::NamespaceAction::kAdministerRegistry); !allowed) return allowed.error();
  if (call.request.body.empty()) {
    return make_error(ErrorCode::kBadRequest, "the body must be an OSV record, a JSON array of them, or a zip of them");
  }
  auto state = call.services.scanning.import(call.request.body);
  if (!state) return state.error();
  json::object answer{{"imported", state->records}, {"generation", state->generation}};
  return once_recorded(record_change(call, kRepositoryChange, "", std::nullopt,
                                     {{"change", "vulnerabilities_imported"},
                                      {"records", state->records},
                                      {"generation", state->generation}}),
                       json_response(200, answer));
}

Result<Response> get_vulnerability_database(Call& call) {
  auto state = call.services.scanning.database();
  if (!state) return state.error();
  return json_response(200, database_view(*state));
}

Result<Response> get_manifest_vulnerabilities(Call& call) {
  auto at = pullable_manifest(call);
  if (!at) return at.error();
  auto report = call.services.scanning.report(at->repository, at->digest);
  if (!report) return report.error();
  auto findings = json::parse(report->findings_json).as_array();
  json::object view{{"status", report->status},
                    {"packages", report->packages},
                    {"os", report->os.empty() ? json::value(nullptr) : json::value(report->os)},
                    {"scanned_at", report->scanned_at ? json::value(*report->scanned_at) : json::value(nullptr)},
                    {"error", report->error.empty() ? json::value(nullptr) : json::value(report->error)},
                    {"summary", summary_of(findings)},
                    {"vulnerabilities", std::move(findings)}};
  view["sbom"] = report->sbom_digest ? json::value(json::object{{"digest", *report->sbom_digest},
                                                                {"artifact_type", "application/spdx+json"}})
                                     : json::value(nullptr);
  return json_response(200, view);
}

Result<Response> get_manifest_sbom(Call& call) {
  auto at = pullable_manifest(call);
  if (!at) return at.error();
  auto sbom = call.services.scanning.sbom(at->repository, at->digest);
  if (!sbom) return sbom.error();
  if (!*sbom) return make_error(ErrorCode::kManifestUnknown, "the image has no SBOM yet: it is made when the image is scanned");
  Response response;
  response.header("Content-Type", "application/spdx+json").header("Cache-Control", "no-store");
  response.body = std::move(**sbom);
  return response;
}

Result<Response> get_vulnerability_policy(Call& call) {
  auto ns = managed_namespace(call);
  if (!ns) return ns.error();
  auto policy = call.services.scanning.policy(*ns);
  if (!policy) return policy.error();
  return json_response(200, policy_view(*policy));
}

Result<Response> put_vulnerability_policy(Call& call) {
  auto body = JsonBody::parse(call.request.body, {"block_severity", "allow"});
  if (!body) return body.error();
  auto severity = body->optional_string("block_severity");
  if (!severity) return severity.error();
  auto allow = body->optional_strings("allow");
  if (!allow) return allow.error();
  auto ns = managed_namespace(call);
  if (!ns) return ns.error();
  // No severity to block at is no policy at all.
  if (!*severity) {
    if (auto removed = call.services.scanning.remove_policy(*ns); !removed) return removed.error();
    return once_recorded(
        record_change(call, kRepositoryChange, *ns, std::nullopt, {{"change", "vulnerability_policy_removed"}}),
        json_response(200, policy_view(std::nullopt)));
  }
  auto policy = call.services.scanning.set_policy(*ns, **severity, std::move(*allow));
  if (!policy) return policy.error();
  auto view = policy_view(*policy);
  return once_recorded(record_change(call, kRepositoryChange, *ns, std::nullopt,
                                     {{"change", "vulnerability_policy_set"},
                                      {"block_severity", policy->block_severity},
                                      {"allow", view["allow"]}}),
                       json_response(200, view));
}

Result<Response> delete_vulnerability_policy(Call& call) {
  auto ns = managed_namespace(call);
  if (!ns) return ns.error();
  if (auto removed = call.services.scanning.remove_policy(*ns); !removed) return removed.error();
  return once_recorded(
      record_change(call, kRepositoryChange, *ns, std::nullopt, {{"change", "vulnerability_policy_removed"}}),
      no_content());
}

}  // namespace pier::api
