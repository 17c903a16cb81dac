// cli/terminal_input.h: what a client command reads from its user: a password on standard
// input (--password-stdin), or typed on the terminal after a prompt, without echo.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pier::cli {

bool stdin_is_terminal();

// A line typed after `prompt` (written to standard error), without its line break; echo is off
// while a secret is typed. nullopt at end of input.
std::optional<std::string> ask(std::string_view prompt, bool secret);

// All of standard input without its final line break ("\n" or "\r\n").
std::string read_stdin_secret();

}  // namespace pier::cli
