// meta/postgres/pg_connection.h: a thin C++ face on libpq for the PostgreSQL stores.
//
// Failures throw PgError with the server's SQLSTATE; the stores catch them at each method's
// boundary and turn them into Errors, so no exception leaves the backend (as with SQLite).
// Statements are prepared once per connection and run with their parameters sent apart
// from the SQL text: values are never spliced into SQL.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

struct pg_conn;
struct pg_result;

namespace pier::meta::postgres {

struct PgError : std::runtime_error {
  PgError(std::string sqlstate, const std::string& message)
      : std::runtime_error(message), sqlstate(std::move(sqlstate)) {}
  // Five characters, e.g. "23505" (unique violation); empty when the connection failed.
  std::string sqlstate;

  bool unique_violation() const { return sqlstate == "23505"; }
  // Worth running the whole transaction again: a serialization failure or a deadlock.
  bool retryable() const { return sqlstate == "40001" || sqlstate == "40P01"; }
};

// One parameter of a statement: text, NULL, or bytes sent as bytea in binary.
class Param {
 public:
  Param(std::string_view text) : value_(text) {}  // NOLINT: parameters read best unwrapped
  Param(const std::string& text) : value_(std::string_view(text)) {}  // NOLINT
  Param(const char* text) : value_(std::string_view(text)) {}  // NOLINT
  Param(std::int64_t number) : number_(std::to_string(number)), value_(std::string_view(*number_)) {}  // NOLINT
  Param(std::uint64_t number) : number_(std::to_string(number)), value_(std::string_view(*number_)) {}  // NOLINT
  Param(int number) : Param(static_cast<std::int64_t>(number)) {}  // NOLINT
  Param(bool flag) : value_(flag ? std::string_view("t") : std::string_view("f")) {}  // NOLINT
  static Param null() { return Param(); }
  static Param bytes(std::string_view bytes) {
    Param p(bytes);
    p.binary_ = true;
    return p;
  }
  // Text, or NULL when empty.
  static Param optional(std::string_view text) { return text.empty() ? null() : Param(text); }

  Param(const Param& other) { *this = other; }
  Param& operator=(const Param& other) {
    number_ = other.number_;
    value_ = other.number_ ? std::optional<std::string_view>(*number_) : other.value_;
    binary_ = other.binary_;
    return *this;
  }

  const std::optional<std::string_view>& value() const { return value_; }
  bool binary() const { return binary_; }

 private:
  Param() = default;
  std::optional<std::string> number_;
  std::optional<std::string_view> value_;
  bool binary_ = false;
};

// The rows a statement returned (text format).
class Rows {
 public:
  explicit Rows(pg_result* result) : result_(result) {}
  ~Rows();
  Rows(Rows&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
  Rows& operator=(Rows&&) = delete;
  Rows(const Rows&) = delete;

  int size() const;
  bool empty() const { return size() == 0; }
  // Rows changed by an INSERT, UPDATE or DELETE.
  std::int64_t affected() const;
  std::string text(int row, int column) const;
  std::int64_t integer(int row, int column) const;
  bool boolean(int row, int column) const;
  bool is_null(int row, int column) const;
  // A bytea column, decoded.
  std::string bytes(int row, int column) const;

 private:
  pg_result* result_;
};

class Connection {
 public:
  // `url`: a libpq connection URI or key=value string. Throws PgError if it cannot connect.
  explicit Connection(const std::string& url);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs SQL text without parameters (several statements allowed: migrations, BEGIN, ...).
  void exec(std::string_view sql);
  // Runs one statement with parameters $1, $2, ..., prepared on first use on this connection.
  Rows query(std::string_view sql, std::initializer_list<Param> params = {});
  Rows query(std::string_view sql, const std::vector<Param>& params);
  // False once the server closed the connection or it broke: a pool then drops it.
  bool healthy() const;

 private:
  Rows run(std::string_view sql, const Param* params, std::size_t count);

  struct SqlHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view sql) const { return std::hash<std::string_view>{}(sql); }
  };
  pg_conn* conn_ = nullptr;
  std::unordered_map<std::string, std::string, SqlHash, std::equal_to<>> prepared_;  // SQL -> statement name
};

// Connections handed out one per caller, opened when none is idle; a broken one is dropped.
class ConnectionPool {
 public:
  explicit ConnectionPool(std::string url) : url_(std::move(url)) {}

  class Lease {
   public:
    Lease(ConnectionPool& pool, std::unique_ptr<Connection> connection)
        : pool_(pool), connection_(std::move(connection)) {}
    ~Lease() { pool_.give_back(std::move(connection_)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Connection* operator->() { return connection_.get(); }
    Connection& operator*() { return *connection_; }

   private:
    ConnectionPool& pool_;
    std::unique_ptr<Connection> connection_;
  };

  Lease lease();
  const std::string& url() const { return url_; }

 private:
  void give_back(std::unique_ptr<Connection> connection);

  const std::string url_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mutex_
};

// BEGIN ... COMMIT on one connection; rolls back unless committed. Transactions run at
// READ COMMITTED with row locks where a read decides a write (SELECT ... FOR UPDATE), or at
// SERIALIZABLE where the caller asks and retries on PgError::retryable().
class Transaction {
 public:
  enum class Isolation { kReadCommitted, kSerializable };
  explicit Transaction(Connection& connection, Isolation isolation = Isolation::kReadCommitted);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Connection& connection_;
  bool done_ = false;
};

}  // namespace pier::meta::postgres
