// cli/client_commands.h: the client half of the pier command: subcommands that manage a
// running Pier through its management API (/api/v1), beside serve, migrate and config.
//
//   pier login SERVER / logout / whoami
//   pier user | org | team | robot | perm | repo | default-perm | role-binding | token ...
//   pier audit | jobs
//   pier gc | quota | history-window | immutable-tags | retention | signing-policy | signatures
// Each has --help. Exit codes: cli/outcome.h; the session (server and token): client/session.h;
// where the login is kept: client/config_file.h; --output: client/output.h.
#pragma once

#include <memory>
#include <optional>

#include <CLI/CLI.hpp>

namespace pier::cli {

class CommandContext;

class ClientCommands {
 public:
  // Adds the subcommands to `app`, in a help group of their own.
  explicit ClientCommands(CLI::App& app);
  ~ClientCommands();
  ClientCommands(const ClientCommands&) = delete;
  ClientCommands& operator=(const ClientCommands&) = delete;

  // After `app` parsed the command line: the exit code of the client command it chose, once
  // that has run (its failure printed); nullopt when it chose none of them.
  std::optional<int> run();

 private:
  std::unique_ptr<CommandContext> context_;
};

}  // namespace pier::cli
