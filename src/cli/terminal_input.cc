#include "cli/terminal_input.h"

#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <iterator>

namespace pier::cli {

namespace {

// Echo off for its lifetime, restored even when reading fails.
class EchoOff {
 public:
  EchoOff() {
    if (::tcgetattr(STDIN_FILENO, &saved_) != 0) return;
    termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    active_ = ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
  }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;
  ~EchoOff() {
    if (!active_) return;
    ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
    std::fputc('\n', stderr);  // the Enter the user typed was not echoed
  }

 private:
  termios saved_{};
  bool active_ = false;
};

void strip_line_break(std::string& line) {
  if (line.ends_with('\n')) line.pop_back();
  if (line.ends_with('\r')) line.pop_back();
}

}  // namespace

bool stdin_is_terminal() { return ::isatty(STDIN_FILENO) == 1; }

std::optional<std::string> ask(std::string_view prompt, bool secret) {
  // Echo goes off before the prompt shows: turning it off discards what was typed so far
  // (TCSAFLUSH), so an answer typed as soon as the prompt appears must find it off already.
  std::optional<EchoOff> echo_off;
  if (secret) echo_off.emplace();
  std::fwrite(prompt.data(), 1, prompt.size(), stderr);
  std::fflush(stderr);
  std::string line;
  if (!std::getline(std::cin, line)) return std::nullopt;
  strip_line_break(line);
  return line;
}

std::string read_stdin_secret() {
  std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  strip_line_break(text);
  return text;
}

}  // namespace pier::cli
