// tests/pg_server.h: the PostgreSQL 15 server of the store tests (tests/postgres.sh), on a
// Unix socket in a temporary folder; each test takes a new empty database on it.
#pragma once

#include <string>

#include "script_server.h"

namespace pier::testing {

class PostgresServer {
 public:
  // The server of this test run: the one ctest started for every test process (its folder
  // in TEST_POSTGRES_DIR), or else one of this process's own, started on first use and
  // stopped when the process exits (or soon after, should it die). Throws if none starts.
  static PostgresServer& shared();

  // A new empty database, as a libpq connection string.
  std::string create_database();

  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

 private:
  PostgresServer();
  std::string url_for(const std::string& database) const;

  ScriptServer server_;
  int databases_ = 0;
};

}  // namespace pier::testing
