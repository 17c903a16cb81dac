// cli/command_families.h: the client subcommands, one file per family, each adding its own
// to `app` with the flags and action of each (cli/command_context.h).
#pragma once

#include <CLI/CLI.hpp>

#include "cli/command_context.h"

namespace pier::cli {

void add_session_commands(CLI::App& app, CommandContext& context);     // login, logout, whoami, token
void add_account_commands(CLI::App& app, CommandContext& context);     // user, org, team
void add_robot_commands(CLI::App& app, CommandContext& context);       // robot
void add_permission_commands(CLI::App& app, CommandContext& context);  // perm, default-perm, role-binding
void add_content_commands(CLI::App& app, CommandContext& context);     // repo, tag, manifest
void add_audit_command(CLI::App& app, CommandContext& context);        // audit
void add_job_commands(CLI::App& app, CommandContext& context);         // jobs
// gc, quota, history-window, immutable-tags, retention
void add_lifecycle_commands(CLI::App& app, CommandContext& context);
void add_signing_commands(CLI::App& app, CommandContext& context);  // signing-policy, signatures
void add_scan_commands(CLI::App& app, CommandContext& context);  // vuln, scan, vulnerability-policy
void add_notification_commands(CLI::App& app, CommandContext& context);  // notification

}  // namespace pier::cli
