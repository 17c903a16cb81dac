// meta/sqlite/sqlite_db.h: a thin C++ face on sqlite3 for the SQLite store.
//
// Failures throw SqliteError; the store catches them at each method's boundary and turns
// them into Errors, so no exception leaves the backend.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace pier::meta::sqlite {

struct SqliteError : std::runtime_error {
  SqliteError(int code, const std::string& message) : std::runtime_error(message), code(code) {}
  int code;
};

// A prepared statement, reset when the Statement goes out of scope so it can be reused.
class Statement {
 public:
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, std::int64_t value);
  Statement& bind_null(int index);
  // Binds as a BLOB: any bytes, NULs included.
  Statement& bind_bytes(int index, std::string_view bytes);
  // Binds text, or NULL when empty.
  Statement& bind_optional(int index, std::string_view text);
  // True while there is a row to read.
  bool step();
  void run() { step(); }

  std::string text(int column) const;
  std::int64_t integer(int column) const;
  bool is_null(int column) const;

 private:
  sqlite3_stmt* stmt_;
};

class Connection {
 public:
  explicit Connection(const std::string& path);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void exec(std::string_view sql);
  // A cached prepared statement for this SQL text.
  Statement prepare(std::string_view sql);
  int changes() const;
  // Calls `committed(pages in the WAL)` after each commit on this connection, on the
  // committing thread, instead of SQLite's automatic checkpoint inside the commit.
  void on_commit(std::function<void(int)> committed);
  // Copies the WAL into the database file as far as readers allow, without blocking the
  // writer or readers (PASSIVE), with this connection's synchronous=FULL syncs. True if
  // every frame was copied (the next write then starts the WAL over).
  bool checkpoint();

 private:
  // Looked up by string_view without building a string (heterogeneous lookup).
  struct SqlHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view sql) const { return std::hash<std::string_view>{}(sql); }
  };
  sqlite3* db_ = nullptr;
  std::function<void(int)> on_commit_;
  std::unordered_map<std::string, sqlite3_stmt*, SqlHash, std::equal_to<>> statements_;
};

// Reader connections handed out one per caller: in WAL mode readers never wait for the
// writer (which the store keeps apart, see group_commit.h).
class ConnectionPool {
 public:
  explicit ConnectionPool(std::string path);

  class Lease {
   public:
    Lease(ConnectionPool& pool, std::unique_ptr<Connection> connection)
        : pool_(pool), connection_(std::move(connection)) {}
    ~Lease() { pool_.give_back(std::move(connection_)); }
    Connection* operator->() { return connection_.get(); }
    Connection& operator*() { return *connection_; }

   private:
    ConnectionPool& pool_;
    std::unique_ptr<Connection> connection_;
  };

  Lease reader();

 private:
  void give_back(std::unique_ptr<Connection> connection);

  const std::string path_;
  std::mutex readers_mutex_;
  std::vector<std::unique_ptr<Connection>> idle_readers_;  // guarded by readers_mutex_
};

// BEGIN IMMEDIATE ... COMMIT on the writer; rolls back if not committed.
class Transaction {
 public:
  explicit Transaction(Connection& connection);
  ~Transaction();
  void commit();

 private:
  Connection& connection_;
  bool done_ = false;
};

}  // namespace pier::meta::sqlite
