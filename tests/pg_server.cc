#include "pg_server.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <mutex>
#include <random>
#include <stdexcept>

#include "meta/postgres/pg_connection.h"

namespace pier::testing {
namespace {

const std::string kScript = PIER_TESTS_DIR "/postgres.sh";

std::string quoted(const std::string& text) { return "'" + text + "'"; }

// A process of its own that stops the server once `owner` is gone, however it ended.
void stop_when_gone(pid_t owner, const std::filesystem::path& dir) {
  const std::string watch = "while kill -0 " + std::to_string(owner) + " 2>/dev/null; do sleep 1; done; " +
                            quoted(kScript) + " stop " + quoted(dir.string());
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

PostgresServer& PostgresServer::shared() {
  static PostgresServer server;
  return server;
}

PostgresServer::PostgresServer() {
  if (const char* dir = std::getenv("TEST_POSTGRES_DIR"); dir && *dir) {
    dir_ = dir;
    return;
  }
  std::random_device rd;
  dir_ = std::filesystem::temp_directory_path() / ("pier-pg-" + std::to_string(rd()) + std::to_string(rd()));
  if (std::system((quoted(kScript) + " start " + quoted(dir_.string())).c_str()) != 0) {
    throw std::runtime_error("the tests' PostgreSQL server did not start (tests/postgres.sh)");
  }
  owned_ = true;
  stop_when_gone(::getpid(), dir_);
}

PostgresServer::~PostgresServer() {
  if (owned_) (void)std::system((quoted(kScript) + " stop " + quoted(dir_.string())).c_str());
}

std::string PostgresServer::url_for(const std::string& database) const {
  return "host=" + dir_.string() + " user=pier dbname=" + database;
}

std::string PostgresServer::create_database() {
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  std::random_device rd;
  const std::string name = "test_" + std::to_string(::getpid()) + "_" + std::to_string(++databases_) + "_" +
                           std::to_string(rd() % 100000);
  meta::postgres::Connection admin(url_for("postgres"));
  admin.exec("CREATE DATABASE " + name);
  return url_for(name);
}

}  // namespace pier::testing
