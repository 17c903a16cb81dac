// pier user (superusers), pier org and pier team: accounts, organizations and their teams.
#include "api/views.h"
#include "cli/command_families.h"
#include "cli/offline_user.h"
#include "cli/terminal_input.h"
#include "client/urls.h"

namespace pier::cli {

namespace json = boost::json;
using client::field_column;
using client::path_segment;
using client::time_column;

namespace {

struct UserArgs {
  std::string name;
  std::string email;
  bool superuser = false;
  bool password_stdin = false;
  bool offline = false;
  ServerFlags target;
  // pier user set
  bool new_password = false;
  std::optional<bool> make_superuser;
  std::optional<bool> make_disabled;
};

const std::vector<client::Column>& user_columns() {
  static const std::vector<client::Column> columns{field_column("NAME", "name"), field_column("EMAIL", "email"),
                                                   field_column("SUPERUSER", "superuser"),
                                                   field_column("DISABLED", "disabled")};
  return columns;
}

// The new user's password: from standard input, or typed twice.
Outcome<std::string> new_password(const UserArgs& args) {
  if (args.password_stdin) return read_stdin_secret();
  if (!stdin_is_terminal()) return usage_failure("no password given and none can be typed here: use --password-stdin");
  auto first = ask("Password for " + args.name + ": ", true);
  auto second = first ? ask("Again: ", true) : std::nullopt;
  if (!first || !second) return usage_failure("no password given");
  if (*first != *second) return usage_failure("the passwords differ");
  return std::move(*first);
}

// Straight into the database: for the first account of an installation, or when no
// administrator can sign in.
Outcome<> create_user_in_database(const CommandContext& context, const UserArgs& args) {
  auto password = new_password(args);
  if (!password) return password.error();
  auto created = create_user_offline(args.target, {args.name, std::move(*password), args.email, args.superuser});
  if (!created) return created.error();
  return context.show(json::value(api::user_view(*created, "user")), user_columns());
}

Outcome<> create_user(const CommandContext& context, const UserArgs& args) {
  if (args.offline) return create_user_in_database(context, args);
  auto api = context.api();
  if (!api) return api.error();
  auto password = new_password(args);
  if (!password) return password.error();
  json::object body{{"name", args.name}, {"password", std::move(*password)}};
  if (!args.email.empty()) body["email"] = args.email;
  if (args.superuser) body["superuser"] = true;
  return context.show(api->post("/users", body), user_columns());
}

Outcome<> set_user(const CommandContext& context, const UserArgs& args) {
  json::object body;
  if (args.make_superuser) body["superuser"] = *args.make_superuser;
  if (args.make_disabled) body["disabled"] = *args.make_disabled;
  if (body.empty() && !args.new_password && !args.password_stdin) {
    return usage_failure("nothing to change: give --password, --password-stdin, --superuser or --disabled");
  }
  auto api = context.api();
  if (!api) return api.error();
  if (args.new_password || args.password_stdin) {
    auto password = new_password(args);
    if (!password) return password.error();
    body["password"] = std::move(*password);
  }
  return context.show(api->patch("/users/" + path_segment(args.name), body), user_columns());
}

Outcome<> delete_user(const CommandContext& context, const UserArgs& args) {
  auto api = context.api();
  if (!api) return api.error();
  return context.done(api->remove("/users/" + path_segment(args.name)), "deleted user " + args.name);
}

struct OrgArgs {
  std::string name;
};

std::string team_names(const json::object& organization) {
  std::string names;
  const auto* teams = organization.if_contains("teams");
  if (teams == nullptr || !teams->is_array()) return names;
  for (const auto& team : teams->as_array()) names += (names.empty() ? "" : ",") + text_member(team, "name");
  return names;
}

Outcome<> create_organization(const CommandContext& context, const OrgArgs& args) {
  auto api = context.api();
  if (!api) return api.error();
  return context.show(api->post("/organizations", json::object{{"name", args.name}}),
                      {field_column("NAME", "name"), {"TEAMS", team_names}});
}

Outcome<> delete_organization(const CommandContext& context, const OrgArgs& args) {
  auto api = context.api();
  if (!api) return api.error();
  return context.done(api->remove("/organizations/" + path_segment(args.name)), "deleted organization " + args.name);
}

struct TeamArgs {
  std::string organization;
  std::string team;
  std::string role = "member";
  std::string user;
};

std::string teams_path(const TeamArgs& args) { return "/organizations/" + path_segment(args.organization) + "/teams"; }
std::string team_path(const TeamArgs& args) { return teams_path(args) + "/" + path_segment(args.team); }
std::string member_path(const TeamArgs& args) { return team_path(args) + "/members/" + path_segment(args.user); }

const std::vector<client::Column>& team_columns() {
  static const std::vector<client::Column> columns{field_column("NAME", "name"), field_column("ROLE", "role"),
                                                   field_column("MEMBERS", "members")};
  return columns;
}

void add_user_commands(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<UserArgs>();
  auto* user = CommandContext::family(app, "user", "local user accounts (superusers only)");
  auto* create = context.command(*user, "create", "create a user (the password is typed twice, or read from stdin)",
                                 [&context, args] { return create_user(context, *args); });
  create->add_option("NAME", args->name, "user name")->required();
  create->add_flag("--password-stdin", args->password_stdin, "read the password from standard input");
  create->add_option("--email", args->email, "email address");
  create->add_flag("--superuser", args->superuser, "may do everything");
  auto* offline = create->add_flag("--offline", args->offline,
                                   "write the user into the database of the server configured by --config, "
                                   "--data-dir and PIER_*, which need not be running (bootstrap)");
  create->add_option("--config", args->target.config_file, "with --offline: the server's YAML configuration file")
      ->check(CLI::ExistingFile)
      ->needs(offline);
  create->add_option("--data-dir", args->target.data_dir, "with --offline: the server's data folder")->needs(offline);
  context.add_output_flag(*create);
  auto* set = context.command(*user, "set", "change a user's password, superuser or disabled flag",
                              [&context, args] { return set_user(context, *args); });
  set->add_option("NAME", args->name, "user name")->required();
  set->add_flag("--password", args->new_password, "set a new password, typed twice");
  set->add_flag("--password-stdin", args->password_stdin, "set a new password read from standard input");
  set->add_option("--superuser", args->make_superuser, "true or false: may do everything");
  set->add_option("--disabled", args->make_disabled, "true or false: may not sign in or use tokens");
  context.add_output_flag(*set);
  auto* remove = context.command(*user, "delete", "delete a user", [&context, args] { return delete_user(context, *args); });
  remove->add_option("NAME", args->name, "user name")->required();
  auto* ls = context.command(*user, "ls", "list the users", [&context] {
    return context.with_api([&](client::ApiClient& api) {
      return context.show(all_pages(api, "/users", {}, "users"), user_columns(), "users");
    });
  });
  context.add_output_flag(*ls);
  for (auto* command : {create, set, remove, ls}) context.add_connection_flags(*command);
}

void add_org_commands(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<OrgArgs>();
  auto* org = CommandContext::family(app, "org", "organizations");
  auto* create = context.command(*org, "create", "create an organization; its team owners (admin) holds you",
                                 [&context, args] { return create_organization(context, *args); });
  create->add_option("NAME", args->name, "organization name")->required();
  context.add_output_flag(*create);
  auto* remove = context.command(*org, "delete", "delete an organization with its teams, robots and grants",
                                 [&context, args] { return delete_organization(context, *args); });
  remove->add_option("NAME", args->name, "organization name")->required();
  auto* ls = context.command(*org, "ls", "list the organizations you are in (superusers: all)", [&context] {
    return context.with_api([&](client::ApiClient& api) {
      return context.show(all_pages(api, "/organizations", {}, "organizations"),
                          {field_column("ORGANIZATION", "name"), time_column("CREATED", "created_at")},
                          "organizations");
    });
  });
  context.add_output_flag(*ls);
  for (auto* command : {create, remove, ls}) context.add_connection_flags(*command);
}

void add_team_commands(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<TeamArgs>();
  auto* team = CommandContext::family(app, "team", "teams of an organization (for its admins)");
  auto* ls = context.command(*team, "ls", "list the teams of an organization with their members", [&context, args] {
    return context.with_api([&](client::ApiClient& api) {
      return context.show(api.get(teams_path(*args)), team_columns(), "teams");
    });
  });
  auto* create = context.command(*team, "create", "create a team, or set the role of one", [&context, args] {
    return context.with_api([&](client::ApiClient& api) {
      return context.show(api.put(team_path(*args), json::object{{"role", args->role}}), team_columns());
    });
  });
  auto* remove = context.command(*team, "delete", "delete a team", [&context, args] {
    return context.with_api([&](client::ApiClient& api) {
      return context.done(api.remove(team_path(*args)), "deleted team " + args->organization + "/" + args->team);
    });
  });
  auto* add_member = context.command(*team, "add-member", "add a user to a team", [&context, args] {
    return context.with_api([&](client::ApiClient& api) {
      return context.done(api.put(member_path(*args), json::object{}),
                          "added " + args->user + " to team " + args->organization + "/" + args->team);
    });
  });
  auto* remove_member = context.command(*team, "remove-member", "remove a user from a team", [&context, args] {
    return context.with_api([&](client::ApiClient& api) {
      return context.done(api.remove(member_path(*args)),
                          "removed " + args->user + " from team " + args->organization + "/" + args->team);
    });
  });
  for (auto* command : {ls, create, remove, add_member, remove_member}) {
    command->add_option("ORG", args->organization, "organization")->required();
    if (command != ls) command->add_option("TEAM", args->team, "team")->required();
    context.add_connection_flags(*command);
  }
  for (auto* command : {add_member, remove_member}) command->add_option("USER", args->user, "user")->required();
  create->add_option("--role", args->role, "member (default), creator (may create repositories) or admin")
      ->check(CLI::IsMember({"member", "creator", "admin"}));
  context.add_output_flag(*ls);
  context.add_output_flag(*create);
}

}  // namespace

void add_account_commands(CLI::App& app, CommandContext& context) {
  add_user_commands(app, context);
  add_org_commands(app, context);
  add_team_commands(app, context);
}

}  // namespace pier::cli
