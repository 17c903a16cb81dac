// cli/command_context.h: what the client subcommands share: their common flags, the session
// they call the API through, how they ask for a password, and how they print what they get.
//
// A command line selects one subcommand, so one CommandContext serves them all: each
// subcommand binds the flags it takes to the context's variables, and command() records its
// action, run after parsing (parsing itself never touches the network or the config file).
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include "cli/outcome.h"
#include "client/api_client.h"
#include "client/config_file.h"
#include "client/session.h"
#include "client/table.h"
#include "client/urls.h"

namespace pier::cli {

struct ConnectionFlags {
  std::string server;
  std::string token;
  std::string ca_file;
  bool insecure_skip_tls_verify = false;
};

struct PasswordFlags {
  std::string user;
  std::string password;
  bool password_stdin = false;
};

// Which connection flags a command takes.
enum class Connection {
  kSession,  // --server, --token, --ca-file, --insecure-skip-tls-verify
  kServer,   // the same without --token, for commands that take a password instead
  kTlsOnly,  // --ca-file, --insecure-skip-tls-verify
};

class CommandContext {
 public:
  using Action = std::function<Outcome<>()>;

  CommandContext();

  // A subcommand of `parent` that runs `action` when chosen.
  CLI::App* command(CLI::App& parent, const std::string& name, const std::string& description, Action action);
  // A subcommand that only groups others (one of which must be chosen).
  static CLI::App* family(CLI::App& parent, const std::string& name, const std::string& description);

  void add_connection_flags(CLI::App& command, Connection flags = Connection::kSession);
  // --output table|json|yaml
  void add_output_flag(CLI::App& command);
  // [-u USER] [--password-stdin | -p PASSWORD]
  void add_password_flags(CLI::App& command);

  // The chosen subcommand's action; false when none was chosen.
  bool chosen() const { return static_cast<bool>(chosen_); }
  Outcome<> run_chosen() const { return chosen_(); }

  const ConnectionFlags& connection() const { return connection_; }
  const std::filesystem::path& config_path() const { return config_path_; }
  // What pier login stored, if anything.
  Outcome<std::optional<client::ClientConfig>> stored_config() const;

  // The server of --server, PIER_SERVER or the config file (not logged in: none of them).
  Outcome<client::Server> server() const;
  // The API as the caller's session (flags, environment, config file) reaches it.
  Outcome<client::ApiClient> api() const;
  // Runs `action` (client::ApiClient& -> Outcome<>) with api(), or fails as api() does.
  template <class Action>
  Outcome<> with_api(Action action) const {
    auto api = this->api();
    if (!api) return api.error();
    return action(*api);
  }
  // The API with the caller's password: the user of -u, else `known_user`, else typed; the
  // password from --password-stdin or -p, else typed. Usage failure when it cannot be typed.
  Outcome<client::BasicAuth> password_credentials(const std::string& known_user) const;
  Outcome<client::ApiClient> password_api() const;

  // `answer` as --output asks: json and yaml show it whole; a table has one row per item of
  // its array `list_field`, or, without one, the answer's own row.
  Outcome<> show(const Result<boost::json::value>& answer, const std::vector<client::Column>& columns,
                 std::string_view list_field = {}) const;
  // For a change the server answers without a body: `what` was done, on standard output.
  Outcome<> done(const Result<boost::json::value>& answer, const std::string& what) const;
  // Whether --output asked for a table.
  bool table_output() const { return output_ == "table"; }

 private:
  client::SessionSources session_sources(const std::optional<client::ClientConfig>& stored) const;

  ConnectionFlags connection_;
  PasswordFlags password_;
  std::string output_ = "table";
  std::filesystem::path config_path_;
  Action chosen_;
};

// Every page of a list route (?after=&limit=, answering "next"), `list_field` of each answer
// joined into one answer, so a script gets every item at once.
Result<boost::json::value> all_pages(client::ApiClient& api, const std::string& path, client::QueryParams query,
                                     std::string_view list_field);

// Writes `text` to standard output as it is.
void print_text(std::string_view text);

// A member of a JSON object, or null.
const boost::json::value& member(const boost::json::value& object, std::string_view name);
std::string text_member(const boost::json::value& object, std::string_view name);

}  // namespace pier::cli
