// Vulnerability scanning from the command line: pier vuln import (OSV data from a file, a zip
// or a folder of records) and pier vuln status; pier scan show, an image's findings; and pier
// vulnerability-policy (show, set, delete), what a namespace refuses to serve.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/command_families.h"
#include "client/urls.h"

namespace pier::cli {

namespace json = boost::json;
using client::field_column;

namespace {

struct ScanArgs {
  std::string path;
  std::string image;  // REPO@DIGEST or REPO:TAG
  std::string namespace_name;
  std::string block_severity;
  std::vector<std::string> allow;
};

Outcome<std::string> file_bytes(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return Failure{kExitFailed, "cannot read " + path.string()};
  std::ostringstream bytes;
  bytes << file.rdbuf();
  return bytes.str();
}

// A folder's *.json records, each a record or an array of them, as one JSON array.
Outcome<std::string> folder_records(const std::filesystem::path& folder) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(folder)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::ranges::sort(files);
  json::array records;
  for (const auto& file : files) {
    auto text = file_bytes(file);
    if (!text) return text.error();
    boost::system::error_code ec;
    auto document = json::parse(*text, ec);
    if (ec) return Failure{kExitFailed, file.string() + " is not JSON: " + ec.message()};
    if (document.is_array()) {
      for (auto& record : document.as_array()) records.push_back(std::move(record));
    } else {
      records.push_back(std::move(document));
    }
  }
  if (files.empty()) return Failure{kExitFailed, "no .json files in " + folder.string()};
  return json::serialize(records);
}

Outcome<> import_data(const CommandContext& context, const std::string& path) {
  std::error_code ec;
  const bool folder = std::filesystem::is_directory(path, ec);
  auto body = folder ? folder_records(path) : file_bytes(path);
  if (!body) return body.error();
  const bool zip = !folder && body->starts_with("PK\x03\x04");
  return context.with_api([&](client::ApiClient& api) {
    auto answer = api.post_bytes("/vulnerabilities/import", std::move(*body), zip ? "application/zip" : "application/json");
    return context.show(answer, {field_column("IMPORTED", "imported"), field_column("GENERATION", "generation")});
  });
}

struct ImageRef {
  std::string repository;
  std::string digest;  // empty when `tag` names it
  std::string tag;
};

Outcome<ImageRef> image_ref(const std::string& text) {
  if (const auto at = text.find('@'); at != std::string::npos) return ImageRef{text.substr(0, at), text.substr(at + 1), ""};
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || text.find('/', colon) != std::string::npos) {
    return Failure{kExitUsage, "name the image as REPOSITORY@DIGEST or REPOSITORY:TAG, not " + text};
  }
  return ImageRef{text.substr(0, colon), "", text.substr(colon + 1)};
}

Result<std::string> digest_of_tag(client::ApiClient& api, const ImageRef& ref) {
  client::QueryParams query{{"q", ref.tag}};
  auto tags = all_pages(api, "/repositories/" + client::repository_path(ref.repository) + "/tags", query, "tags");
  if (!tags) return tags.error();
  for (const auto& tag : member(*tags, "tags").as_array()) {
    if (member(tag, "name") == json::value(ref.tag)) return std::string(member(tag, "digest").as_string());
  }
  return make_error(ErrorCode::kManifestUnknown, "no tag " + ref.tag + " in " + ref.repository);
}

const std::vector<client::Column>& finding_columns() {
  static const std::vector<client::Column> columns{
      field_column("ID", "id"), field_column("PACKAGE", "package"), field_column("INSTALLED", "installed_version"),
      client::Column{"FIXED", [](const json::object& finding) {
                       const auto* fixed = finding.if_contains("fixed_version");
                       return fixed && fixed->is_string() && !fixed->as_string().empty() ? std::string(fixed->as_string())
                                                                                         : std::string("-");
                     }},
      field_column("SEVERITY", "severity")};
  return columns;
}

Outcome<> show_scan(const CommandContext& context, client::ApiClient& api, const ImageRef& ref) {
  std::string digest = ref.digest;
  if (digest.empty()) {
    auto resolved = digest_of_tag(api, ref);
    if (!resolved) return context.show(resolved.error(), {});
    digest = *resolved;
  }
  auto report = api.get("/repositories/" + client::repository_path(ref.repository) + "/manifests/" +
                        client::path_segment(digest) + "/vulnerabilities");
  if (!report || !context.table_output()) return context.show(report, finding_columns(), "vulnerabilities");
  std::string heading = ref.repository + "@" + digest + ": " + std::string(member(*report, "status").as_string());
  if (const auto& packages = member(*report, "packages"); packages.is_int64()) {
    heading += ", " + std::to_string(packages.as_int64()) + " packages";
  }
  if (const auto& os = member(*report, "os"); os.is_string()) heading += " (" + std::string(os.as_string()) + ")";
  if (const auto& error = member(*report, "error"); error.is_string()) heading += ": " + std::string(error.as_string());
  print_text(heading + "\n");
  return context.show(report, finding_columns(), "vulnerabilities");
}

std::string policy_path(const ScanArgs& args) {
  return "/namespaces/" + client::path_segment(args.namespace_name) + "/vulnerability-policy";
}

const std::vector<client::Column>& policy_columns() {
  static const std::vector<client::Column> columns{
      field_column("BLOCK SEVERITY", "block_severity"), client::Column{"ALLOW", [](const json::object& policy) {
        std::string ids;
        if (const auto* allow = policy.if_contains("allow"); allow && allow->is_array()) {
          for (const auto& id : allow->as_array()) {
            if (!ids.empty()) ids += ",";
            if (id.is_string()) ids += id.as_string();
          }
        }
        return ids.empty() ? std::string("-") : ids;
      }}};
  return columns;
}

void add_vuln_commands(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<ScanArgs>();
  auto* vuln = CommandContext::family(app, "vuln", "the vulnerability data images are scanned against");
  auto* import = context.command(*vuln, "import", "replace the vulnerability data with OSV records (superusers)",
                                 [&context, args] { return import_data(context, args->path); });
  import->add_option("PATH", args->path, "an OSV .json file (a record or an array), a .zip of them, or a folder")
      ->required()
      ->check(CLI::ExistingPath);
  auto* status = context.command(*vuln, "status", "how many records the vulnerability data holds", [&context] {
    return context.with_api([&](client::ApiClient& api) {
      return context.show(api.get("/vulnerabilities"), {field_column("RECORDS", "records"),
                                                        field_column("GENERATION", "generation"),
                                                        client::time_column("IMPORTED", "imported_at")});
    });
  });
  for (auto* command : {import, status}) {
    context.add_connection_flags(*command);
    context.add_output_flag(*command);
  }
}

void add_scan_show_command(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<ScanArgs>();
  auto* scan = CommandContext::family(app, "scan", "vulnerability scans of images");
  auto* show = context.command(*scan, "show", "an image's packages and vulnerabilities", [&context, args]() -> Outcome<> {
    auto ref = image_ref(args->image);
    if (!ref) return ref.error();
    return context.with_api([&](client::ApiClient& api) { return show_scan(context, api, *ref); });
  });
  show->add_option("IMAGE", args->image, "REPOSITORY@DIGEST or REPOSITORY:TAG, e.g. acme/app:1.0")->required();
  context.add_connection_flags(*show);
  context.add_output_flag(*show);
}

void add_policy_commands(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<ScanArgs>();
  auto* policy = CommandContext::family(app, "vulnerability-policy", "what vulnerabilities keep a namespace's images from being served");
  auto* show = context.command(*policy, "show", "a namespace's vulnerability policy", [&context, args] {
    return context.with_api([&](client::ApiClient& api) { return context.show(api.get(policy_path(*args)), policy_columns()); });
  });
  auto* set = context.command(*policy, "set", "refuse to serve images with vulnerabilities at or above a severity",
                              [&context, args] {
                                json::array allow;
                                for (const auto& id : args->allow) allow.emplace_back(id);
                                const json::object body{{"block_severity", args->block_severity}, {"allow", std::move(allow)}};
                                return context.with_api([&](client::ApiClient& api) {
                                  return context.show(api.put(policy_path(*args), body), policy_columns());
                                });
                              });
  set->add_option("--block-severity", args->block_severity, "the lowest severity refused")
      ->required()
      ->check(CLI::IsMember({"low", "medium", "high", "critical"}));
  set->add_option("--allow", args->allow, "a vulnerability id (or CVE alias) never refused (repeatable)");
  auto* remove = context.command(*policy, "delete", "serve a namespace's images whatever their vulnerabilities",
                                 [&context, args] {
                                   return context.with_api([&](client::ApiClient& api) {
                                     return context.done(api.remove(policy_path(*args)),
                                                         "removed the vulnerability policy of " + args->namespace_name);
                                   });
                                 });
  for (auto* command : {show, set, remove}) {
    command->add_option("NAMESPACE", args->namespace_name, "organization or user")->required();
    context.add_connection_flags(*command);
  }
  for (auto* command : {show, set}) context.add_output_flag(*command);
}

}  // namespace

void add_scan_commands(CLI::App& app, CommandContext& context) {
  add_vuln_commands(app, context);
  add_scan_show_command(app, context);
  add_policy_commands(app, context);
}

}  // namespace pier::cli
