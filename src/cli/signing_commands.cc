// Image signing from the command line: pier signing-policy (show, set, delete), a namespace's
// trusted keys and whether only images one of them signed are served, and pier signatures, the
// signatures of one manifest as the server verified them.
#include <fstream>
#include <sstream>

#include "cli/command_families.h"
#include "client/urls.h"

namespace pier::cli {

namespace json = boost::json;
using client::field_column;

namespace {

struct SigningArgs {
  std::string namespace_name;
  bool enforce = false;
  std::vector<std::string> gpg_key_files;
  std::vector<std::string> cosign_key_files;
  std::string repository;
  std::string digest;
};

std::string policy_path(const SigningArgs& args) {
  return "/namespaces/" + client::path_segment(args.namespace_name) + "/signing-policy";
}

// The policy with each key's identity.
std::string keys_path(const SigningArgs& args) {
  return "/namespaces/" + client::path_segment(args.namespace_name) + "/signing-keys";
}

Outcome<std::string> file_text(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return Failure{kExitFailed, "cannot read " + path};
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

// The keys of the files, each as {type, public_key}: the server works out their key ids.
Outcome<json::array> keys_of_files(const SigningArgs& args) {
  json::array keys;
  for (const auto& [type, files] : {std::pair{"gpg", &args.gpg_key_files}, std::pair{"cosign", &args.cosign_key_files}}) {
    for (const auto& path : *files) {
      auto text = file_text(path);
      if (!text) return text.error();
      keys.push_back(json::object{{"type", type}, {"public_key", *text}});
    }
  }
  return keys;
}

const std::vector<client::Column>& policy_columns() {
  static const std::vector<client::Column> columns{field_column("ENFORCE", "enforce"), field_column("TYPE", "type"),
                                                   field_column("KEY ID", "key_id")};
  return columns;
}

// A table has one row per trusted key, each with the policy's enforce flag; a policy without
// keys still gets one row, so the flag is always shown.
json::value policy_rows(const json::value& policy) {
  json::array rows;
  const auto& enforce = member(policy, "enforce");
  if (const auto& keys = member(policy, "keys"); keys.is_array()) {
    for (const auto& key : keys.as_array()) {
      rows.push_back(json::object{{"enforce", enforce}, {"type", member(key, "type")}, {"key_id", member(key, "key_id")}});
    }
  }
  if (rows.empty()) rows.push_back(json::object{{"enforce", enforce}});
  return json::object{{"keys", std::move(rows)}};
}

Outcome<> show_policy(const CommandContext& context, const Result<json::value>& answer) {
  if (!answer || !context.table_output()) return context.show(answer, policy_columns());
  return context.show(policy_rows(*answer), policy_columns(), "keys");
}

void add_signing_policy_commands(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<SigningArgs>();
  auto* policy = CommandContext::family(app, "signing-policy", "the keys a namespace trusts to sign its images");
  auto* show = context.command(*policy, "show", "a namespace's trusted keys and whether they are enforced",
                               [&context, args] {
                                 return context.with_api([&](client::ApiClient& api) {
                                   return show_policy(context, api.get(keys_path(*args)));
                                 });
                               });
  auto* set = context.command(*policy, "set", "replace a namespace's signing policy", [&context, args]() -> Outcome<> {
    auto keys = keys_of_files(*args);
    if (!keys) return keys.error();
    const json::object body{{"enforce", args->enforce}, {"keys", std::move(*keys)}};
    return context.with_api([&](client::ApiClient& api) -> Outcome<> {
      if (auto put = api.put(policy_path(*args), body); !put) return context.show(put, policy_columns());
      return show_policy(context, api.get(keys_path(*args)));
    });
  });
  set->add_flag("--enforce,!--no-enforce", args->enforce,
                "serve only images a trusted key signed (default: --no-enforce)");
  set->add_option("--gpg-key", args->gpg_key_files, "an ASCII-armored GPG public key to trust (repeatable)")
      ->check(CLI::ExistingFile);
  set->add_option("--cosign-key", args->cosign_key_files, "a PEM cosign (ECDSA P-256) public key to trust (repeatable)")
      ->check(CLI::ExistingFile);
  auto* remove = context.command(*policy, "delete", "remove a namespace's signing policy", [&context, args] {
    return context.with_api([&](client::ApiClient& api) {
      return context.done(api.remove(policy_path(*args)), "removed the signing policy of " + args->namespace_name);
    });
  });
  for (auto* command : {show, set, remove}) {
    command->add_option("NAMESPACE", args->namespace_name, "organization or user")->required();
    context.add_connection_flags(*command);
  }
  for (auto* command : {show, set}) context.add_output_flag(*command);
}

// A key id the server could not tell (an unverifiable signature) reads "unknown", not "-".
const client::Column kKeyIdColumn{"KEY ID", [](const json::object& signature) {
                                    const auto* key_id = signature.if_contains("key_id");
                                    return key_id && key_id->is_string() ? std::string(key_id->as_string())
                                                                         : std::string("unknown");
                                  }};

const std::vector<client::Column>& signature_columns() {
  static const std::vector<client::Column> columns{field_column("TYPE", "type"), kKeyIdColumn,
                                                   field_column("VERIFIED", "verified"),
                                                   field_column("SOURCE", "source")};
  return columns;
}

// Only the manifest's signatures, in every format: pier manifest show has the rest.
Result<json::value> signatures_of(const Result<json::value>& manifest) {
  if (!manifest) return manifest.error();
  return json::value(json::object{{"signatures", member(*manifest, "signatures")}});
}

void add_signatures_command(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<SigningArgs>();
  auto* signatures = context.command(app, "signatures", "a manifest's signatures and whether a trusted key made each",
                                     [&context, args] {
                                       return context.with_api([&](client::ApiClient& api) {
                                         auto manifest = api.get("/repositories/" +
                                                                 client::repository_path(args->repository) +
                                                                 "/manifests/" + client::path_segment(args->digest));
                                         return context.show(signatures_of(manifest), signature_columns(), "signatures");
                                       });
                                     });
  signatures->add_option("REPOSITORY", args->repository, "repository, e.g. acme/app")->required();
  signatures->add_option("DIGEST", args->digest, "the manifest's digest, sha256:...")->required();
  context.add_connection_flags(*signatures);
  context.add_output_flag(*signatures);
}

}  // namespace

void add_signing_commands(CLI::App& app, CommandContext& context) {
  add_signing_policy_commands(app, context);
  add_signatures_command(app, context);
}

}  // namespace pier::cli
