#include "script_server.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <random>
#include <stdexcept>

namespace pier::testing {
namespace {

std::string shell_quoted(const std::string& text) { return "'" + text + "'"; }

// A process of its own that stops the server once `owner` is gone, however it ended.
void stop_when_gone(pid_t owner, const std::string& script, const std::filesystem::path& dir) {
  const std::string watch = "while kill -0 " + std::to_string(owner) + " 2>/dev/null; do sleep 1; done; " +
                            shell_quoted(script) + " stop " + shell_quoted(dir.string());
  if (::fork() != 0) return;
  ::setsid();
  // Nothing of the test's: a test runner waits for its output pipes to close.
  const int null = ::open("/dev/null", O_RDWR);
  for (int fd = 0; fd < 3; ++fd) ::dup2(null, fd);
  for (int fd = 3; fd < 1024; ++fd) ::close(fd);
  ::execl("/bin/sh", "sh", "-c", watch.c_str(), static_cast<char*>(nullptr));
  ::_exit(127);
}

}  // namespace

ScriptServer::ScriptServer(const std::string& script, const char* folder_variable, const std::string& name)
    : script_(script) {
  if (const char* dir = std::getenv(folder_variable); dir && *dir) {
    dir_ = dir;
    return;
  }
  std::random_device rd;
  dir_ = std::filesystem::temp_directory_path() / ("pier-" + name + "-" + std::to_string(rd()) + std::to_string(rd()));
  if (std::system((shell_quoted(script_) + " start " + shell_quoted(dir_.string())).c_str()) != 0) {
    throw std::runtime_error("the tests' " + name + " server did not start (" + script_ + ")");
  }
  owned_ = true;
  stop_when_gone(::getpid(), script_, dir_);
}

ScriptServer::~ScriptServer() {
  if (owned_) (void)std::system((shell_quoted(script_) + " stop " + shell_quoted(dir_.string())).c_str());
}

}  // namespace pier::testing
