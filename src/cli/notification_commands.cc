// Notifications from the command line: pier notification (list, create, show, test, enable,
// disable, delete), the rules that send a namespace's or a repository's events to a webhook,
// Slack, a CloudEvents receiver or by email, and the deliveries each made.
#include <cstdint>

#include "cli/command_families.h"
#include "client/urls.h"

namespace pier::cli {

namespace json = boost::json;
using client::field_column;

namespace {

struct NotificationArgs {
  std::string scope;  // NS or REPO
  std::uint64_t id = 0;
  std::string event;
  std::string method;
  std::string url;
  std::string secret;
  std::vector<std::string> headers;
  std::string mode;
  std::vector<std::string> to;
  std::string tags;
  std::string min_severity;
  std::string title;
};

// A name with a '/' is a repository (namespaces never have one).
std::string rules_path(const std::string& scope) {
  if (scope.find('/') != std::string::npos) return "/repositories/" + client::repository_path(scope) + "/notifications";
  return "/namespaces/" + client::path_segment(scope) + "/notifications";
}

std::string rule_path(std::uint64_t id) { return "/notifications/" + std::to_string(id); }

std::string text_of(const json::value& value) {
  if (value.is_string()) return std::string(value.as_string());
  if (value.is_null()) return "";
  return json::serialize(value);
}

// Where a rule sends: its URL, or the addresses an email goes to.
std::string target_cell(const json::object& rule) {
  const auto* config = rule.if_contains("config");
  if (config == nullptr || !config->is_object()) return "-";
  if (const auto* url = config->as_object().if_contains("url"); url != nullptr && url->is_string()) {
    return std::string(url->as_string());
  }
  if (const auto* to = config->as_object().if_contains("to"); to != nullptr) {
    if (to->is_array()) {
      std::string joined;
      for (const auto& address : to->as_array()) {
        if (!joined.empty()) joined += ",";
        joined += text_of(address);
      }
      return joined.empty() ? "-" : joined;
    }
    if (to->is_string()) return std::string(to->as_string());
  }
  return "-";
}

// "delivered 204 at <time>", "failed after 3 attempts: <error>", "pending": the newest delivery.
std::string delivery_summary(const json::value& delivery) {
  const std::string state = text_member(delivery, "state");
  std::string text = state.empty() ? "?" : state;
  const auto& status = member(delivery, "status_code");
  if (status.is_int64() && status.as_int64() > 0) text += " " + std::to_string(status.as_int64());
  if (const auto& attempts = member(delivery, "attempts"); attempts.is_int64() && attempts.as_int64() > 1) {
    text += " after " + std::to_string(attempts.as_int64()) + " attempts";
  }
  if (const std::string error = text_member(delivery, "error"); !error.empty()) text += ": " + error;
  if (const std::string when = text_member(delivery, "updated_at"); !when.empty()) text += " (" + when + ")";
  return text;
}

std::string last_delivery_cell(const json::object& rule) {
  const auto* deliveries = rule.if_contains("deliveries");
  if (deliveries == nullptr || !deliveries->is_array() || deliveries->as_array().empty()) return "-";
  return delivery_summary(deliveries->as_array().front());  // newest first
}

std::string enabled_cell(const json::object& rule) {
  const auto* enabled = rule.if_contains("enabled");
  if (enabled == nullptr || !enabled->is_bool()) return "-";
  if (enabled->as_bool()) return "true";
  const auto* reason = rule.if_contains("disabled_reason");
  if (reason != nullptr && reason->is_string() && !reason->as_string().empty()) {
    return "false (" + std::string(reason->as_string()) + ")";
  }
  return "false";
}

std::string scope_cell(const json::object& rule) {
  const auto* repository = rule.if_contains("repository");
  if (repository != nullptr && repository->is_string() && !repository->as_string().empty()) {
    return std::string(repository->as_string());
  }
  const auto* ns = rule.if_contains("namespace");
  return ns != nullptr && ns->is_string() ? std::string(ns->as_string()) : "-";
}

const std::vector<client::Column>& rule_columns() {
  static const std::vector<client::Column> columns{
      field_column("ID", "id"),
      client::Column{"SCOPE", scope_cell},
      field_column("EVENT", "event"),
      field_column("METHOD", "method"),
      client::Column{"TARGET", target_cell},
      client::Column{"ENABLED", enabled_cell},
      client::Column{"LAST DELIVERY", last_delivery_cell}};
  return columns;
}

const std::vector<client::Column>& delivery_columns() {
  static const std::vector<client::Column> columns{
      field_column("ID", "id"),
      field_column("EVENT ID", "event_id"),
      field_column("EVENT", "event"),
      field_column("STATE", "state"),
      field_column("ATTEMPTS", "attempts"),
      client::Column{"STATUS", [](const json::object& delivery) {
                       const auto* status = delivery.if_contains("status_code");
                       return status != nullptr && status->is_int64() && status->as_int64() > 0
                                  ? std::to_string(status->as_int64())
                                  : std::string("-");
                     }},
      field_column("UPDATED", "updated_at"),
      client::Column{"ERROR", [](const json::object& delivery) {
                       const auto* error = delivery.if_contains("error");
                       return error != nullptr && error->is_string() && !error->as_string().empty()
                                  ? std::string(error->as_string())
                                  : std::string("-");
                     }}};
  return columns;
}

// The rule's row, then its recent deliveries (a table of their own: a rule has many).
Outcome<> show_rule(const CommandContext& context, const Result<json::value>& answer) {
  if (!answer || !context.table_output()) return context.show(answer, rule_columns());
  auto shown = context.show(answer, rule_columns());
  if (!shown) return shown;
  const auto& deliveries = member(*answer, "deliveries");
  if (!deliveries.is_array() || deliveries.as_array().empty()) {
    print_text("\nno deliveries yet\n");
    return {};
  }
  print_text("\n");
  return context.show(answer, delivery_columns(), "deliveries");
}

// --header 'Name: value' as {"Name": "value"}.
Outcome<json::object> headers_of(const std::vector<std::string>& headers) {
  json::object fields;
  for (const auto& header : headers) {
    const auto colon = header.find(':');
    std::string name = header.substr(0, colon);
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.pop_back();
    if (colon == std::string::npos || name.empty()) {
      return usage_failure("--header takes 'Name: value', not '" + header + "'");
    }
    std::string value = header.substr(colon + 1);
    const auto start = value.find_first_not_of(" \t");
    value = start == std::string::npos ? std::string() : value.substr(start);
    fields[name] = value;
  }
  return fields;
}

// The body of a create: what was given, nothing more, so the server's defaults apply and the
// server alone decides which settings a method takes.
Outcome<json::object> rule_body(const NotificationArgs& args) {
  json::object config;
  if (!args.url.empty()) config["url"] = args.url;
  if (!args.secret.empty()) config["secret"] = args.secret;
  if (!args.headers.empty()) {
    auto headers = headers_of(args.headers);
    if (!headers) return headers.error();
    config["headers"] = std::move(*headers);
  }
  if (!args.mode.empty()) config["mode"] = args.mode;
  if (args.to.size() == 1) {
    config["to"] = args.to.front();
  } else if (!args.to.empty()) {
    config["to"] = json::array(args.to.begin(), args.to.end());
  }
  json::object body{{"event", args.event}, {"method", args.method}, {"config", std::move(config)}};
  if (!args.title.empty()) body["title"] = args.title;
  if (!args.tags.empty() || !args.min_severity.empty()) {
    json::object filter;
    if (!args.tags.empty()) filter["tags"] = args.tags;
    if (!args.min_severity.empty()) filter["min_severity"] = args.min_severity;
    body["filter"] = std::move(filter);
  }
  return body;
}

const std::vector<client::Column>& test_columns() {
  static const std::vector<client::Column> columns{field_column("DELIVERED", "delivered"),
                                                   field_column("STATUS", "status_code"),
                                                   client::Column{"ERROR", [](const json::object& answer) {
                                                     const auto* error = answer.if_contains("error");
                                                     return error != nullptr && error->is_string() &&
                                                                    !error->as_string().empty()
                                                                ? std::string(error->as_string())
                                                                : std::string("-");
                                                   }}};
  return columns;
}

// The answer as asked, and a failure when nothing was delivered, so a script can tell.
Outcome<> send_test(const CommandContext& context, client::ApiClient& api, std::uint64_t id) {
  auto answer = api.post(rule_path(id) + "/test", json::object{});
  auto shown = context.show(answer, test_columns());
  if (!shown) return shown;
  if (member(*answer, "delivered") == json::value(true)) return {};
  std::string why = text_member(*answer, "error");
  if (const auto& status = member(*answer, "status_code"); why.empty() && status.is_int64() && status.as_int64() > 0) {
    why = "the receiver answered " + std::to_string(status.as_int64());
  }
  return Failure{kExitFailed, "the test notification was not delivered" + (why.empty() ? "" : ": " + why)};
}

void add_scope_argument(CLI::App& command, NotificationArgs& args) {
  command.add_option("SCOPE", args.scope, "a namespace (organization or user), or a repository such as acme/app")
      ->required();
}

void add_id_argument(CLI::App& command, NotificationArgs& args) {
  command.add_option("ID", args.id, "the rule's id (pier notification list shows it)")->required();
}

}  // namespace

void add_notification_commands(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<NotificationArgs>();
  auto* notification = CommandContext::family(
      app, "notification", "rules that send a namespace's or repository's events to webhooks, Slack, CloudEvents or email");

  auto* list = context.command(*notification, "list", "a namespace's or repository's rules and their last deliveries",
                               [&context, args] {
                                 return context.with_api([&](client::ApiClient& api) {
                                   return context.show(api.get(rules_path(args->scope)), rule_columns(), "notifications");
                                 });
                               });
  list->alias("ls");
  add_scope_argument(*list, *args);

  auto* create = context.command(*notification, "create", "send an event of a namespace or repository somewhere (admins)",
                                 [&context, args]() -> Outcome<> {
                                   auto body = rule_body(*args);
                                   if (!body) return body.error();
                                   return context.with_api([&](client::ApiClient& api) {
                                     return context.show(api.post(rules_path(args->scope), *body), rule_columns());
                                   });
                                 });
  add_scope_argument(*create, *args);
  create
      ->add_option("--event", args->event,
                   "push, delete, pull, tag_expired, tag_pruned, quota_warning, quota_exceeded, vulnerability_found "
                   "or signature_added")
      ->required();
  create->add_option("--method", args->method, "webhook, slack, cloudevents or email")->required();
  create->add_option("--url", args->url, "where webhook, slack and cloudevents rules POST to");
  create->add_option("--secret", args->secret,
                     "key of the X-Pier-Signature-256 HMAC (webhook, cloudevents; visible to other local users)");
  // One value per flag: a second word is the next argument, not another header or address.
  create->add_option("--header", args->headers, "'Name: value' sent with each request (repeatable)")
      ->allow_extra_args(false);
  create->add_option("--mode", args->mode, "CloudEvents content mode (default structured)")
      ->check(CLI::IsMember({"structured", "binary"}));
  create->add_option("--to", args->to, "an address email rules send to (repeatable)")->allow_extra_args(false);
  create->add_option("--tags", args->tags, "only events of tags matching this glob, e.g. v*");
  create->add_option("--min-severity", args->min_severity, "only vulnerabilities at or above this severity")
      ->check(CLI::IsMember({"low", "medium", "high", "critical"}));
  create->add_option("--title", args->title, "a name for the rule");

  auto* show = context.command(*notification, "show", "a rule and its 20 most recent deliveries", [&context, args] {
    return context.with_api([&](client::ApiClient& api) { return show_rule(context, api.get(rule_path(args->id))); });
  });
  auto* test = context.command(*notification, "test", "send a test event to a rule's target now, once",
                               [&context, args] {
                                 return context.with_api(
                                     [&](client::ApiClient& api) { return send_test(context, api, args->id); });
                               });
  auto* enable = context.command(*notification, "enable", "send again (a rule disabled after failures too)",
                                 [&context, args] {
                                   return context.with_api([&](client::ApiClient& api) {
                                     return context.show(
                                         api.patch(rule_path(args->id), json::object{{"enabled", true}}), rule_columns());
                                   });
                                 });
  auto* disable = context.command(*notification, "disable", "stop sending, keeping the rule", [&context, args] {
    return context.with_api([&](client::ApiClient& api) {
      return context.show(api.patch(rule_path(args->id), json::object{{"enabled", false}}), rule_columns());
    });
  });
  auto* remove = context.command(*notification, "delete", "remove a rule and its deliveries", [&context, args] {
    return context.with_api([&](client::ApiClient& api) {
      return context.done(api.remove(rule_path(args->id)), "deleted notification rule " + std::to_string(args->id));
    });
  });
  for (auto* command : {show, test, enable, disable, remove}) add_id_argument(*command, *args);
  for (auto* command : {list, create, show, test, enable, disable, remove}) context.add_connection_flags(*command);
  for (auto* command : {list, create, show, test, enable, disable}) context.add_output_flag(*command);
}

}  // namespace pier::cli
