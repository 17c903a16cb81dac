// pier robot: robot accounts of a namespace, and the logins that use their tokens.
//
// The server shows a robot's token when it makes one (create, regenerate) and never again: it
// keeps only the token's hash. So `robot secret`, for whoever needs a robot's login once
// more, regenerates the token, and asks for --yes first because the old token stops working.
#include "cli/command_families.h"
#include "client/output.h"
#include "client/urls.h"

namespace pier::cli {

namespace json = boost::json;
using client::field_column;
using client::path_segment;
using client::time_column;

namespace {

struct RobotArgs {
  std::string namespace_name;
  std::string name;
  std::string description;
  std::string format;  // empty: as --output says
  bool yes = false;
};

std::string robots_path(const RobotArgs& args) { return "/namespaces/" + path_segment(args.namespace_name) + "/robots"; }
std::string robot_path(const RobotArgs& args) { return robots_path(args) + "/" + path_segment(args.name); }

// A robot with its new token, as --format (or else --output) asks.
Outcome<> print_robot(const CommandContext& context, const Result<json::value>& answer, const std::string& format) {
  if (format.empty()) {
    return context.show(answer, {field_column("NAME", "name"), field_column("DESCRIPTION", "description"),
                                 time_column("CREATED", "created_at"), field_column("TOKEN", "token")});
  }
  if (!answer) return failure_of(answer.error());
  const auto& logins = member(*answer, "logins");
  if (format == "k8s") {
    print_text(text_member(logins, "kubernetes_secret"));
  } else if (format == "dockerconfigjson") {
    print_text(client::to_pretty_json(member(logins, "auth_json")));
  } else if (format == "podman") {
    print_text(text_member(logins, "podman") + "\n");
  } else {
    print_text(client::to_pretty_json(*answer));
  }
  return {};
}

Outcome<> create_robot(const CommandContext& context, const RobotArgs& args) {
  return context.with_api([&](client::ApiClient& api) {
    json::object body;
    if (!args.description.empty()) body["description"] = args.description;
    return print_robot(context, api.post(robot_path(args), body), args.format);
  });
}

Outcome<> regenerate_robot(const CommandContext& context, const RobotArgs& args) {
  return context.with_api([&](client::ApiClient& api) {
    return print_robot(context, api.post(robot_path(args) + "/regenerate", json::object{}), args.format);
  });
}

Outcome<> robot_secret(const CommandContext& context, const RobotArgs& args) {
  if (!args.yes) {
    return usage_failure("the server keeps only a hash of " + args.namespace_name + "+" + args.name +
                         "'s token, so showing its login again makes a new token and the old one stops "
                         "working: add --yes to go ahead");
  }
  return regenerate_robot(context, args);
}

void add_format_flag(CLI::App& command, RobotArgs& args) {
  auto* format = command.add_option("--format", args.format,
                                    "k8s (a Secret of type kubernetes.io/dockerconfigjson), dockerconfigjson (an "
                                    "auth.json), podman (a podman login line) or json (the whole answer)");
  format->check(CLI::IsMember({"k8s", "dockerconfigjson", "podman", "json"}));
  if (auto* output = command.get_option_no_throw("--output")) format->excludes(output);
}

}  // namespace

void add_robot_commands(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<RobotArgs>();
  auto* robot = CommandContext::family(app, "robot", "robot accounts of a namespace (for its admins)");
  auto* ls = context.command(*robot, "ls", "list the robots of a namespace", [&context, args] {
    return context.with_api([&](client::ApiClient& api) {
      return context.show(api.get(robots_path(*args)),
                          {field_column("NAME", "name"), field_column("DESCRIPTION", "description"),
                           time_column("CREATED", "created_at")},
                          "robots");
    });
  });
  auto* create = context.command(*robot, "create", "create a robot NAMESPACE+NAME; shows its token, once",
                                 [&context, args] { return create_robot(context, *args); });
  auto* regenerate = context.command(*robot, "regenerate", "give a robot a new token (the old one stops working)",
                                     [&context, args] { return regenerate_robot(context, *args); });
  auto* secret = context.command(
      *robot, "secret",
      "show a robot's login again: the server keeps only a hash of the token, so this REGENERATES it (the old token "
      "stops working) and needs --yes",
      [&context, args] { return robot_secret(context, *args); });
  auto* remove = context.command(*robot, "delete", "delete a robot", [&context, args] {
    return context.with_api([&](client::ApiClient& api) {
      return context.done(api.remove(robot_path(*args)), "deleted robot " + args->namespace_name + "+" + args->name);
    });
  });
  for (auto* command : {ls, create, regenerate, secret, remove}) {
    command->add_option("NAMESPACE", args->namespace_name, "a user's or an organization's namespace")->required();
    if (command != ls) command->add_option("NAME", args->name, "the robot's name within the namespace")->required();
    context.add_connection_flags(*command);
  }
  for (auto* command : {ls, create, regenerate, secret}) context.add_output_flag(*command);
  for (auto* command : {create, regenerate, secret}) add_format_flag(*command, *args);
  create->add_option("--description", args->description, "what the robot is for");
  secret->add_flag("-y,--yes", args->yes, "regenerate the token");
}

}  // namespace pier::cli
