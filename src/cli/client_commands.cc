#include "cli/client_commands.h"

#include <cstdio>

#include "cli/command_context.h"
#include "cli/command_families.h"

namespace pier::cli {

namespace {

constexpr const char* kGroup = "Managing a running Pier (pier COMMAND --help for more)";

}  // namespace

ClientCommands::ClientCommands(CLI::App& app) : context_(std::make_unique<CommandContext>()) {
  const auto all = [](CLI::App*) { return true; };
  const auto before = app.get_subcommands(all).size();
  add_session_commands(app, *context_);
  add_account_commands(app, *context_);
  add_robot_commands(app, *context_);
  add_permission_commands(app, *context_);
  add_content_commands(app, *context_);
  add_audit_command(app, *context_);
  add_job_commands(app, *context_);
  add_lifecycle_commands(app, *context_);
  add_signing_commands(app, *context_);
  add_scan_commands(app, *context_);
  add_notification_commands(app, *context_);
  auto added = app.get_subcommands(all);
  for (auto i = before; i < added.size(); ++i) added[i]->group(kGroup);
}

ClientCommands::~ClientCommands() = default;

std::optional<int> ClientCommands::run() {
  if (!context_->chosen()) return std::nullopt;
  auto outcome = context_->run_chosen();
  if (outcome) return kExitOk;
  if (!outcome.error().message.empty()) std::fprintf(stderr, "pier: %s\n", outcome.error().message.c_str());
  return outcome.error().exit_code;
}

}  // namespace pier::cli
