// pier login / logout / whoami / password, and the caller's API tokens (pier token).
//
// login checks the password with GET /api/v1/user, then makes an API token for this machine
// (POST /api/v1/user/tokens) and stores it with the server in the config file; later commands
// send it as a Bearer token. The server lets no token manage tokens (a leaked one cannot mint
// itself a successor), so logout, which deletes the stored token server-side, and pier token
// take the password again.
#include <unistd.h>

#include <climits>
#include <cstdio>

#include "auth/authorizer.h"
#include "cli/command_families.h"
#include "cli/terminal_input.h"
#include "client/urls.h"

namespace pier::cli {

namespace json = boost::json;
using client::field_column;
using client::time_column;

namespace {

std::string host_name() {
  char name[HOST_NAME_MAX + 1] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "unknown-host";
  return name;
}

std::string token_path(std::int64_t id) { return "/user/tokens/" + std::to_string(id); }

struct LoginArgs {
  std::string server;
};

Outcome<> login(const CommandContext& context, const LoginArgs& args) {
  auto url = client::normalise_server_url(args.server);
  if (!url) return usage_failure(url.error().message);
  auto stored = context.stored_config();
  if (!stored) return stored.error();
  std::string ca_file = context.connection().ca_file;
  if (!ca_file.empty()) ca_file = std::filesystem::absolute(ca_file).string();  // later commands run elsewhere
  const client::TlsOptions tls{ca_file, context.connection().insecure_skip_tls_verify};
  auto credentials = context.password_credentials("");
  if (!credentials) return credentials.error();

  client::ApiClient api(*url, tls, *credentials);
  auto user = api.get("/user");
  if (!user) return failure_of(user.error());
  json::array scopes{"repo:admin", "org:admin"};
  if (member(*user, "superuser") == json::value(true)) scopes.emplace_back("super:user");
  auto made = api.post("/user/tokens", json::object{{"name", "pier-cli@" + host_name()}, {"scopes", std::move(scopes)}});
  if (!made) return failure_of(made.error());
  const auto& id = member(*made, "id");
  std::string name = text_member(*user, "name");  // as the server spells it
  if (name.empty()) name = credentials->user;
  const client::ClientConfig config{*url, std::move(name), text_member(*made, "token"),
                                    id.is_int64() ? id.as_int64() : 0, ca_file, tls.insecure_skip_verify};
  if (config.token.empty()) return Failure{kExitFailed, "the server's answer holds no token"};

  if (auto written = client::write_config(context.config_path(), config); !written) {
    (void)api.remove(token_path(config.token_id));  // a token nobody holds is only a risk
    return failure_of(written.error());
  }
  // The token an earlier login stored for this account here is of no use any more.
  if (*stored && (*stored)->server == config.server && (*stored)->user == config.user && (*stored)->token_id > 0) {
    (void)api.remove(token_path((*stored)->token_id));
  }
  print_text("logged in to " + config.server + " as " + config.user + " (token saved in " +
             context.config_path().string() + ")\n");
  return {};
}

struct LogoutArgs {
  bool local = false;
};

Outcome<> logout(const CommandContext& context, const LogoutArgs& args) {
  auto stored = context.stored_config();
  if (!stored) return stored.error();
  if (!*stored) return not_logged_in();
  const client::ClientConfig& config = **stored;
  if (!args.local) {
    if (config.token_id <= 0) {
      return Failure{kExitFailed, "the config file does not say which token it holds: run pier logout --local "
                                  "and delete the token with pier token delete ID"};
    }
    auto credentials = context.password_credentials(config.user);
    if (!credentials) {
      Failure failure = credentials.error();
      failure.message += " (or pier logout --local to forget the token here only)";
      return failure;
    }
    client::ApiClient api(config.server, {config.ca_file, config.insecure_skip_tls_verify}, std::move(*credentials));
    auto removed = api.remove(token_path(config.token_id));
    // Already gone (deleted with pier token delete, or its user with it): nothing to revoke.
    if (!removed && removed.error().code != ErrorCode::kNameUnknown) return failure_of(removed.error());
  }
  if (auto gone = client::remove_config(context.config_path()); !gone) return failure_of(gone.error());
  if (args.local && config.token_id > 0) {
    std::fprintf(stderr, "pier: the token stays valid on the server: delete it with pier token delete %lld\n",
                 static_cast<long long>(config.token_id));
  }
  print_text("logged out of " + config.server + "\n");
  return {};
}

Outcome<> whoami(const CommandContext& context) {
  auto api = context.api();
  if (!api) return api.error();
  const std::string server = api->server();
  return context.show(api->get("/user"), {{"SERVER", [server](const json::object&) { return server; }},
                                          field_column("NAME", "name"), field_column("EMAIL", "email"),
                                          field_column("SUPERUSER", "superuser"), field_column("KIND", "kind"),
                                          field_column("SCOPES", "scopes")});
}

struct PasswordChangeArgs {
  std::string user;
  bool from_stdin = false;
};

// The current password and the new one: two lines of standard input, or typed (the new one
// twice).
Outcome<std::pair<std::string, std::string>> current_and_new_password(const PasswordChangeArgs& args,
                                                                      const std::string& user) {
  if (args.from_stdin) {
    const std::string text = read_stdin_secret();
    const auto line_break = text.find('\n');
    std::string current = text.substr(0, line_break);
    std::string fresh = line_break == std::string::npos ? "" : text.substr(line_break + 1);
    if (current.ends_with('\r')) current.pop_back();
    if (current.empty() || fresh.empty()) {
      return usage_failure("standard input must hold the current password and the new one, a line each");
    }
    return std::pair{std::move(current), std::move(fresh)};
  }
  if (!stdin_is_terminal()) return usage_failure("no password given and none can be typed here: use --password-stdin");
  auto current = ask("Current password for " + user + ": ", true);
  auto first = current ? ask("New password: ", true) : std::nullopt;
  auto second = first ? ask("Again: ", true) : std::nullopt;
  if (!current || !first || !second) return usage_failure("no password given");
  if (*first != *second) return usage_failure("the new passwords differ");
  return std::pair{std::move(*current), std::move(*first)};
}

// Signs in with the current password for this one call: an API token may not change it.
Outcome<> change_password(const CommandContext& context, const PasswordChangeArgs& args) {
  auto server = context.server();
  if (!server) return server.error();
  std::string user = args.user;
  if (user.empty() && server->stored) user = server->stored->user;
  if (user.empty()) return usage_failure("whose password? give -u USER, or pier login first");
  auto passwords = current_and_new_password(args, user);
  if (!passwords) return passwords.error();
  auto& [current, fresh] = *passwords;
  client::ApiClient api(server->url, server->tls, client::BasicAuth{user, current});
  return context.done(api.patch("/user", json::object{{"current_password", current}, {"password", fresh}}),
                      "changed the password of " + user);
}

struct TokenArgs {
  std::string name;
  std::vector<std::string> scopes;
  std::int64_t expires_in_days = 0;
  std::int64_t id = 0;
};

Outcome<> list_tokens(const CommandContext& context) {
  auto api = context.password_api();
  if (!api) return api.error();
  return context.show(api->get("/user/tokens"),
                      {field_column("ID", "id"), field_column("NAME", "name"), field_column("SCOPES", "scopes"),
                       time_column("CREATED", "created_at"), time_column("EXPIRES", "expires_at"),
                       time_column("LAST USED", "last_used_at")},
                      "tokens");
}

Outcome<> create_token(const CommandContext& context, const TokenArgs& args) {
  auto api = context.password_api();
  if (!api) return api.error();
  json::array scopes;
  for (const auto& scope : args.scopes) scopes.emplace_back(scope);
  if (scopes.empty()) scopes.emplace_back("repo:read");
  json::object body{{"name", args.name}, {"scopes", std::move(scopes)}};
  if (args.expires_in_days > 0) body["expires_in_days"] = args.expires_in_days;
  return context.show(api->post("/user/tokens", body),
                      {field_column("ID", "id"), field_column("NAME", "name"), field_column("SCOPES", "scopes"),
                       time_column("EXPIRES", "expires_at"), field_column("TOKEN", "token")});
}

Outcome<> delete_token(const CommandContext& context, const TokenArgs& args) {
  auto api = context.password_api();
  if (!api) return api.error();
  return context.done(api->remove(token_path(args.id)), "deleted API token " + std::to_string(args.id));
}

}  // namespace

void add_session_commands(CLI::App& app, CommandContext& context) {
  auto login_args = std::make_shared<LoginArgs>();
  auto* login_command = context.command(
      app, "login", "sign in to a Pier and keep an API token for it",
      [&context, login_args] { return login(context, *login_args); });
  login_command->add_option("SERVER", login_args->server, "host[:port] (http:// for localhost, else https://) or URL")
      ->required();
  context.add_password_flags(*login_command);
  context.add_connection_flags(*login_command, Connection::kTlsOnly);
  login_command->footer(
      "\nChecks the password, makes an API token for this machine (scopes repo:admin, org:admin, and super:user for "
      "a superuser) and keeps it with the server in $XDG_CONFIG_HOME/pier/config.yaml, else "
      "~/.config/pier/config.yaml (mode 0600; never the password). Later commands send the token.");

  auto logout_args = std::make_shared<LogoutArgs>();
  auto* logout_command = context.command(
      app, "logout", "revoke the stored API token (takes your password: no token may delete tokens) and forget it",
      [&context, logout_args] { return logout(context, *logout_args); });
  context.add_password_flags(*logout_command);
  logout_command->add_flag("--local", logout_args->local, "only forget the token here; it stays valid on the server");

  auto* whoami_command = context.command(app, "whoami", "show who the session signs in as",
                                         [&context] { return whoami(context); });
  context.add_connection_flags(*whoami_command);
  context.add_output_flag(*whoami_command);

  auto password_args = std::make_shared<PasswordChangeArgs>();
  auto* password_command = context.command(
      app, "password", "change your own password (the current one, then the new one twice)",
      [&context, password_args] { return change_password(context, *password_args); });
  password_command->add_option("-u,--username", password_args->user, "user name (default: the login's)");
  password_command->add_flag("--password-stdin", password_args->from_stdin,
                             "read the current password and the new one from standard input, a line each");
  context.add_connection_flags(*password_command, Connection::kServer);
  password_command->footer("\nYour other web UI sessions end; API tokens and robots are not affected.");

  auto token_args = std::make_shared<TokenArgs>();
  auto* token = CommandContext::family(app, "token", "your API tokens (these commands take your password)");
  auto* ls = context.command(*token, "ls", "list your API tokens", [&context] { return list_tokens(context); });
  auto* create = context.command(*token, "create", "make an API token (shown once) to use as a password or Bearer token",
                                 [&context, token_args] { return create_token(context, *token_args); });
  create->add_option("NAME", token_args->name, "what the token is for")->required();
  std::vector<std::string> scopes(auth::kTokenScopes.begin(), auth::kTokenScopes.end());
  create->add_option("--scope", token_args->scopes, "what the token may do (repeatable; default repo:read)")
      ->check(CLI::IsMember(scopes));
  create->add_option("--expires-in-days", token_args->expires_in_days, "lifetime (default: no expiry)")
      ->check(CLI::Range(1, 3650));
  auto* remove = context.command(*token, "delete", "delete one of your API tokens",
                                 [&context, token_args] { return delete_token(context, *token_args); });
  remove->add_option("ID", token_args->id, "the token's id (pier token ls)")->required()->check(CLI::PositiveNumber);
  for (auto* command : {ls, create, remove}) {
    context.add_password_flags(*command);
    context.add_connection_flags(*command, Connection::kServer);
  }
  context.add_output_flag(*ls);
  context.add_output_flag(*create);
}

}  // namespace pier::cli
