#include "cli/command_context.h"

#include <cstdio>
#include <cstdlib>

#include "cli/terminal_input.h"
#include "client/output.h"

namespace pier::cli {

namespace json = boost::json;

namespace {

std::string environment(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

}  // namespace

CommandContext::CommandContext() : config_path_(client::default_config_path()) {}

CLI::App* CommandContext::command(CLI::App& parent, const std::string& name, const std::string& description,
                                  Action action) {
  CLI::App* command = parent.add_subcommand(name, description);
  command->callback([this, action = std::move(action)] { chosen_ = action; });
  return command;
}

CLI::App* CommandContext::family(CLI::App& parent, const std::string& name, const std::string& description) {
  CLI::App* family = parent.add_subcommand(name, description);
  family->require_subcommand(1);
  return family;
}

void CommandContext::add_connection_flags(CLI::App& command, Connection flags) {
  if (flags != Connection::kTlsOnly) {
    command.add_option("--server", connection_.server, "server URL or host:port (default: PIER_SERVER, or the login's)");
  }
  if (flags == Connection::kSession) {
    command.add_option("--token", connection_.token, "API token to send (default: PIER_TOKEN, or the login's; a flag is visible to other local users)");
  }
  command.add_option("--ca-file", connection_.ca_file, "PEM file of the CAs that signed the server's certificate")
      ->check(CLI::ExistingFile);
  command.add_flag("--insecure-skip-tls-verify", connection_.insecure_skip_tls_verify,
                   "do not check the server's certificate (test installations only)");
}

void CommandContext::add_output_flag(CLI::App& command) {
  command.add_option("-o,--output", output_, "table (default), json or yaml")
      ->check(CLI::IsMember({"table", "json", "yaml"}));
}

void CommandContext::add_password_flags(CLI::App& command) {
  command.add_option("-u,--username", password_.user, "user name (default: asked, or the login's)");
  auto* from_stdin = command.add_flag("--password-stdin", password_.password_stdin, "read the password from standard input");
  command.add_option("-p,--password", password_.password, "the password (visible to other local users: prefer --password-stdin)")
      ->excludes(from_stdin);
}

Outcome<std::optional<client::ClientConfig>> CommandContext::stored_config() const {
  auto stored = client::read_config(config_path_);
  if (!stored) return failure_of(stored.error());
  return std::move(*stored);
}

client::SessionSources CommandContext::session_sources(const std::optional<client::ClientConfig>& stored) const {
  return {.server_flag = connection_.server,
          .token_flag = connection_.token,
          .ca_file_flag = connection_.ca_file,
          .insecure_flag = connection_.insecure_skip_tls_verify,
          .server_env = environment("PIER_SERVER"),
          .token_env = environment("PIER_TOKEN"),
          .stored = stored};
}

Outcome<client::Server> CommandContext::server() const {
  auto stored = stored_config();
  if (!stored) return stored.error();
  auto server = client::resolve_server(session_sources(*stored));
  if (!server) return usage_failure(server.error().message);
  if (!*server) return not_logged_in();
  return std::move(**server);
}

Outcome<client::ApiClient> CommandContext::api() const {
  auto stored = stored_config();
  if (!stored) return stored.error();
  auto session = client::resolve_session(session_sources(*stored));
  if (!session) return usage_failure(session.error().message);
  if (!*session) return not_logged_in();
  return client::ApiClient((*session)->server.url, (*session)->server.tls, client::BearerToken{(*session)->token});
}

Outcome<client::BasicAuth> CommandContext::password_credentials(const std::string& known_user) const {
  client::BasicAuth credentials{password_.user.empty() ? known_user : password_.user, password_.password};
  const auto cannot_ask = [](std::string_view what, std::string_view flag) {
    return usage_failure("no " + std::string(what) + " given and none can be typed here: use " + std::string(flag));
  };
  if (credentials.user.empty()) {
    if (!stdin_is_terminal() || password_.password_stdin) return cannot_ask("user name", "-u USER");
    auto typed = ask("Username: ", false);
    if (!typed || typed->empty()) return usage_failure("no user name given");
    credentials.user = std::move(*typed);
  }
  if (password_.password_stdin) {
    credentials.password = read_stdin_secret();
  } else if (!password_.password.empty()) {
    std::fputs("pier: warning: a password given with -p is visible to other local users; prefer --password-stdin\n",
               stderr);
  } else {
    if (!stdin_is_terminal()) return cannot_ask("password", "--password-stdin");
    auto typed = ask("Password for " + credentials.user + ": ", true);
    if (!typed) return usage_failure("no password given");
    credentials.password = std::move(*typed);
  }
  if (credentials.password.empty()) return usage_failure("the password is empty");
  return credentials;
}

Outcome<client::ApiClient> CommandContext::password_api() const {
  auto server = this->server();
  if (!server) return server.error();
  auto credentials = password_credentials(server->stored ? server->stored->user : "");
  if (!credentials) return credentials.error();
  return client::ApiClient(server->url, server->tls, std::move(*credentials));
}

Outcome<> CommandContext::show(const Result<json::value>& answer, const std::vector<client::Column>& columns,
                               std::string_view list_field) const {
  if (!answer) return failure_of(answer.error());
  auto format = client::parse_output_format(output_);
  if (!format) return usage_failure(format.error().message);
  switch (*format) {
    case client::OutputFormat::kJson: print_text(client::to_pretty_json(*answer)); break;
    case client::OutputFormat::kYaml: print_text(client::to_yaml(*answer)); break;
    case client::OutputFormat::kTable: {
      json::array rows;
      if (list_field.empty()) {
        rows.push_back(*answer);
      } else if (const auto& list = member(*answer, list_field); list.is_array()) {
        rows = list.as_array();
      }
      print_text(client::format_table(client::table_of(rows, columns)));
      break;
    }
  }
  return {};
}

Outcome<> CommandContext::done(const Result<json::value>& answer, const std::string& what) const {
  if (!answer) return failure_of(answer.error());
  print_text(what + "\n");
  return {};
}

void print_text(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

const json::value& member(const json::value& object, std::string_view name) {
  static const json::value kNull;
  if (!object.is_object()) return kNull;
  const auto* found = object.as_object().if_contains(name);
  return found != nullptr ? *found : kNull;
}

std::string text_member(const json::value& object, std::string_view name) {
  const auto& value = member(object, name);
  return value.is_string() ? std::string(value.as_string()) : std::string();
}

Result<boost::json::value> all_pages(client::ApiClient& api, const std::string& path, client::QueryParams query,
                                     std::string_view list_field) {
  constexpr std::size_t kPageSize = 1000;
  boost::json::array items;
  query.emplace_back("limit", std::to_string(kPageSize));
  std::string after;
  while (true) {
    auto page_query = query;
    if (!after.empty()) page_query.emplace_back("after", after);
    auto page = api.get(path + client::query_string(page_query));
    if (!page) return page.error();
    const auto& list = member(*page, list_field);
    if (list.is_array()) {
      for (const auto& item : list.as_array()) items.push_back(item);
    }
    const auto& next = member(*page, "next");
    if (!next.is_string() || next.as_string().empty() || next.as_string() == after) break;
    after = std::string(next.as_string());
  }
  return boost::json::value(boost::json::object{{list_field, std::move(items)}});
}

}  // namespace pier::cli
