// Who may do what: pier perm (a repository's permissions), pier default-perm (what an
// organization's new repositories start with) and pier role-binding (OpenShift roles on a
// namespace).
//
// A grant names its holder as KIND NAME: user <name>, team <name> (a team of the repository's
// organization) or robot <namespace>+<name>.
#include "auth/authorizer.h"
#include "cli/command_families.h"
#include "client/urls.h"

namespace pier::cli {

namespace json = boost::json;
using client::field_column;
using client::path_segment;

namespace {

struct GrantArgs {
  std::string scope;  // the repository, organization or namespace
  std::string kind;
  std::string name;
  std::string role;
  std::string visibility;
};

const std::vector<std::string> kKinds{"user", "team", "robot"};
const std::vector<std::string> kRepositoryRoles{"read", "write", "admin"};

std::string holder_path(const GrantArgs& args) { return "/" + path_segment(args.kind) + "/" + path_segment(args.name); }
std::string holder(const GrantArgs& args) { return args.kind + " " + args.name; }

const std::vector<client::Column>& grant_columns() {
  static const std::vector<client::Column> columns{field_column("KIND", "kind"), field_column("NAME", "name"),
                                                   field_column("ROLE", "role")};
  return columns;
}

void add_holder(CLI::App& command, GrantArgs& args) {
  command.add_option("KIND", args.kind, "user, team or robot")->required()->check(CLI::IsMember(kKinds));
  command.add_option("NAME", args.name, "user name, team name, or robot namespace+name")->required();
}

void add_repository_role(CLI::App& command, GrantArgs& args) {
  command.add_option("ROLE", args.role, "read (pull), write (pull, push) or admin (also delete and manage)")
      ->required()
      ->check(CLI::IsMember(kRepositoryRoles));
}

void add_perm_commands(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<GrantArgs>();
  const auto base = [args] { return "/repositories/" + client::repository_path(args->scope) + "/permissions"; };
  auto* perm = CommandContext::family(app, "perm", "permissions of a repository (for its admins)");
  auto* ls = context.command(*perm, "ls", "list who may use a repository", [&context, args, base] {
    return context.with_api(
        [&](client::ApiClient& api) { return context.show(api.get(base()), grant_columns(), "permissions"); });
  });
  auto* grant = context.command(*perm, "grant", "grant a role on a repository (it need not exist yet)",
                                [&context, args, base] {
                                  return context.with_api([&](client::ApiClient& api) {
                                    return context.show(api.put(base() + holder_path(*args),
                                                                json::object{{"role", args->role}}),
                                                        grant_columns());
                                  });
                                });
  auto* revoke = context.command(*perm, "revoke", "revoke a permission", [&context, args, base] {
    return context.with_api([&](client::ApiClient& api) {
      return context.done(api.remove(base() + holder_path(*args)),
                          "revoked the permission of " + holder(*args) + " on " + args->scope);
    });
  });
  for (auto* command : {ls, grant, revoke}) {
    command->add_option("REPOSITORY", args->scope, "repository, e.g. acme/app")->required();
    if (command != ls) add_holder(*command, *args);
    context.add_connection_flags(*command);
  }
  add_repository_role(*grant, *args);
  context.add_output_flag(*ls);
  context.add_output_flag(*grant);
}

void add_default_perm_commands(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<GrantArgs>();
  const auto base = [args] { return "/organizations/" + path_segment(args->scope) + "/default-permissions"; };
  auto* family = CommandContext::family(app, "default-perm",
                                        "default permissions: granted on each new repository of an organization");
  auto* ls = context.command(*family, "ls", "list an organization's default permissions", [&context, args, base] {
    return context.with_api(
        [&](client::ApiClient& api) { return context.show(api.get(base()), grant_columns(), "default_permissions"); });
  });
  auto* set = context.command(*family, "set", "set a default permission", [&context, args, base] {
    return context.with_api([&](client::ApiClient& api) {
      return context.show(api.put(base() + holder_path(*args), json::object{{"role", args->role}}), grant_columns());
    });
  });
  auto* remove = context.command(*family, "remove", "remove a default permission", [&context, args, base] {
    return context.with_api([&](client::ApiClient& api) {
      return context.done(api.remove(base() + holder_path(*args)),
                          "removed the default permission of " + holder(*args) + " in " + args->scope);
    });
  });
  for (auto* command : {ls, set, remove}) {
    command->add_option("ORG", args->scope, "organization")->required();
    if (command != ls) add_holder(*command, *args);
    context.add_connection_flags(*command);
  }
  add_repository_role(*set, *args);
  context.add_output_flag(*ls);
  context.add_output_flag(*set);
}

void add_role_binding_commands(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<GrantArgs>();
  const auto base = [args] { return "/namespaces/" + path_segment(args->scope) + "/role-bindings"; };
  const auto binding_path = [args, base] { return base() + "/" + path_segment(args->role) + holder_path(*args); };
  const auto binding = [args] { return args->role + " of " + holder(*args) + " in " + args->scope; };
  auto* family = CommandContext::family(app, "role-binding", "OpenShift-style role bindings of a namespace");
  auto* ls = context.command(*family, "ls", "list a namespace's role bindings", [&context, args, base] {
    return context.with_api([&](client::ApiClient& api) {
      return context.show(api.get(base()),
                          {field_column("ROLE", "role"), field_column("KIND", "kind"), field_column("NAME", "name")},
                          "role_bindings");
    });
  });
  auto* add = context.command(*family, "add", "bind a role", [&context, binding_path, binding] {
    return context.with_api([&](client::ApiClient& api) {
      return context.done(api.put(binding_path(), json::object{}), "added the role binding " + binding());
    });
  });
  auto* remove = context.command(*family, "remove", "remove a role binding", [&context, binding_path, binding] {
    return context.with_api([&](client::ApiClient& api) {
      return context.done(api.remove(binding_path()), "removed the role binding " + binding());
    });
  });
  const std::vector<std::string> roles(auth::kBindingRoles.begin(), auth::kBindingRoles.end());
  std::string role_list;
  for (const auto& role : roles) role_list += (role_list.empty() ? "" : ", ") + role;
  for (auto* command : {ls, add, remove}) {
    command->add_option("NAMESPACE", args->scope, "a user's or an organization's namespace")->required();
    if (command != ls) {
      command->add_option("ROLE", args->role, "one of " + role_list)->required()
          ->check(CLI::IsMember(roles));
      add_holder(*command, *args);
    }
    context.add_connection_flags(*command);
  }
  context.add_output_flag(*ls);
}

}  // namespace

void add_permission_commands(CLI::App& app, CommandContext& context) {
  add_perm_commands(app, context);
  add_default_perm_commands(app, context);
  add_role_binding_commands(app, context);
}

}  // namespace pier::cli
