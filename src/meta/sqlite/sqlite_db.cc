#include "meta/sqlite/sqlite_db.h"

#include <sqlite3.h>

namespace pier::meta::sqlite {

namespace {
[[noreturn]] void fail(sqlite3* db, int code) {
  throw SqliteError(code, db ? sqlite3_errmsg(db) : sqlite3_errstr(code));
}
}  // namespace

Statement::~Statement() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Statement& Statement::bind(int index, std::string_view text) {
  const int rc = sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()),
                                   SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) fail(sqlite3_db_handle(stmt_), rc);
  return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK) fail(sqlite3_db_handle(stmt_), rc);
  return *this;
}

Statement& Statement::bind_bytes(int index, std::string_view bytes) {
  const int rc = sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) fail(sqlite3_db_handle(stmt_), rc);
  return *this;
}

Statement& Statement::bind_null(int index) {
  const int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK) fail(sqlite3_db_handle(stmt_), rc);
  return *this;
}

Statement& Statement::bind_optional(int index, std::string_view text) {
  return text.empty() ? bind_null(index) : bind(index, text);
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(sqlite3_db_handle(stmt_), rc);
}

std::string Statement::text(int column) const {
  const auto* data = static_cast<const char*>(sqlite3_column_blob(stmt_, column));
  const int size = sqlite3_column_bytes(stmt_, column);
  return data ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}

std::int64_t Statement::integer(int column) const { return sqlite3_column_int64(stmt_, column); }

bool Statement::is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

Connection::Connection(const std::string& path) {
  const int rc = sqlite3_open_v2(path.c_str(), &db_,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 nullptr);
  if (rc != SQLITE_OK) {
    const std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    throw SqliteError(rc, "cannot open " + path + ": " + message);
  }
  sqlite3_busy_timeout(db_, 10000);
  // WAL lets readers run beside the writer; synchronous=FULL makes each commit durable
  // before the client is told it succeeded.
  exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
}

Connection::~Connection() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

void Connection::on_commit(std::function<void(int)> committed) {
  on_commit_ = std::move(committed);
  sqlite3_wal_hook(
      db_,
      [](void* self, sqlite3*, const char*, int pages) {
        static_cast<Connection*>(self)->on_commit_(pages);
        return SQLITE_OK;
      },
      this);
}

bool Connection::checkpoint() {
  int frames = 0;
  int copied = 0;
  const int rc = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &frames, &copied);
  if (rc == SQLITE_BUSY) return false;
  if (rc != SQLITE_OK) fail(db_, rc);
  return copied == frames;
}

void Connection::exec(std::string_view sql) {
  const std::string text(sql);
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    const std::string error = message ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    throw SqliteError(rc, error);
  }
}

Statement Connection::prepare(std::string_view sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) fail(db_, rc);
    it = statements_.emplace(std::string(sql), stmt).first;
  }
  return Statement(it->second);
}

int Connection::changes() const { return sqlite3_changes(db_); }

ConnectionPool::ConnectionPool(std::string path) : path_(std::move(path)) {}

ConnectionPool::Lease ConnectionPool::reader() {
  std::unique_ptr<Connection> connection;
  {
    std::lock_guard lock(readers_mutex_);
    if (!idle_readers_.empty()) {
      connection = std::move(idle_readers_.back());
      idle_readers_.pop_back();
    }
  }
  if (!connection) connection = std::make_unique<Connection>(path_);
  return Lease(*this, std::move(connection));
}

void ConnectionPool::give_back(std::unique_ptr<Connection> connection) {
  std::lock_guard lock(readers_mutex_);
  idle_readers_.push_back(std::move(connection));
}

Transaction::Transaction(Connection& connection) : connection_(connection) {
  connection_.exec("BEGIN IMMEDIATE");
}

Transaction::~Transaction() {
  if (!done_) {
    try {
      connection_.exec("ROLLBACK");
    } catch (const SqliteError&) {
      // Nothing more can be done: the connection rolls back on its next BEGIN anyway.
    }
  }
}

void Transaction::commit() {
  connection_.exec("COMMIT");
  done_ = true;
}

}  // namespace pier::meta::sqlite
