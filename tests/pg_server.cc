#include "pg_server.h"

#include <unistd.h>

#include <mutex>
#include <random>

#include "meta/postgres/pg_connection.h"

namespace pier::testing {
PostgresServer& PostgresServer::shared() {
  static PostgresServer server;
  return server;
}

PostgresServer::PostgresServer() : server_(PIER_TESTS_DIR "/postgres.sh", "TEST_POSTGRES_DIR", "pg") {}

std::string PostgresServer::url_for(const std::string& database) const {
  return "host=" + server_.dir().string() + " user=pier dbname=" + database;
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
