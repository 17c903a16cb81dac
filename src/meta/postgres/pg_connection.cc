#include "meta/postgres/pg_connection.h"

#include <libpq-fe.h>

#include <charconv>

namespace pier::meta::postgres {
namespace {

std::string message_of(const PGconn* conn) {
  std::string message = conn ? PQerrorMessage(conn) : "out of memory";
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  return message;
}

// Throws unless `result` is a success; takes ownership of it either way.
Rows checked(PGresult* result, const PGconn* conn) {
  const ExecStatusType status = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return Rows(result);
  std::string sqlstate;
  std::string message;
  if (result) {
    if (const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE)) sqlstate = state;
    message = PQresultErrorMessage(result);
    PQclear(result);
  }
  if (message.empty()) message = message_of(conn);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  throw PgError(std::move(sqlstate), "PostgreSQL: " + message);
}

}  // namespace

Rows::~Rows() { PQclear(result_); }

int Rows::size() const { return PQntuples(result_); }

std::int64_t Rows::affected() const {
  const char* n = PQcmdTuples(result_);
  std::int64_t value = 0;
  if (n && *n) std::from_chars(n, n + std::char_traits<char>::length(n), value);
  return value;
}

std::string Rows::text(int row, int column) const {
  return std::string(PQgetvalue(result_, row, column), static_cast<std::size_t>(PQgetlength(result_, row, column)));
}

std::int64_t Rows::integer(int row, int column) const {
  const char* value = PQgetvalue(result_, row, column);
  const char* end = value + PQgetlength(result_, row, column);
  std::int64_t number = 0;
  if (std::from_chars(value, end, number).ec != std::errc()) {
    throw PgError("", "PostgreSQL: column " + std::to_string(column) + " is not an integer");
  }
  return number;
}

bool Rows::boolean(int row, int column) const { return PQgetvalue(result_, row, column)[0] == 't'; }

bool Rows::is_null(int row, int column) const { return PQgetisnull(result_, row, column) != 0; }

std::string Rows::bytes(int row, int column) const {
  std::size_t length = 0;
  unsigned char* decoded =
      PQunescapeBytea(reinterpret_cast<const unsigned char*>(PQgetvalue(result_, row, column)), &length);
  if (decoded == nullptr) throw PgError("", "PostgreSQL: cannot decode a bytea value");
  std::string bytes(reinterpret_cast<const char*>(decoded), length);
  PQfreemem(decoded);
  return bytes;
}

Connection::Connection(const std::string& url) : conn_(PQconnectdb(url.c_str())) {
  if (conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK) {
    const std::string message = message_of(conn_);
    PQfinish(conn_);
    throw PgError("", "PostgreSQL: cannot connect: " + message);
  }
  // Notices (e.g. "relation already exists, skipping") are not for the log.
  PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
}

Connection::~Connection() { PQfinish(conn_); }

void Connection::exec(std::string_view sql) { checked(PQexec(conn_, std::string(sql).c_str()), conn_); }

Rows Connection::query(std::string_view sql, std::initializer_list<Param> params) {
  return run(sql, params.begin(), params.size());
}

Rows Connection::query(std::string_view sql, const std::vector<Param>& params) {
  return run(sql, params.data(), params.size());
}

Rows Connection::run(std::string_view sql, const Param* params, std::size_t count) {
  auto it = prepared_.find(sql);
  if (it == prepared_.end()) {
    std::string name = "pier_" + std::to_string(prepared_.size() + 1);
    const std::string text(sql);
    checked(PQprepare(conn_, name.c_str(), text.c_str(), 0, nullptr), conn_);
    it = prepared_.emplace(text, std::move(name)).first;
  }
  std::vector<const char*> values(count);
  std::vector<int> lengths(count);
  std::vector<int> formats(count);
  // Text parameters must end with a NUL for libpq; a string_view may not.
  std::vector<std::string> terminated;
  terminated.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    const auto& value = params[i].value();
    if (!value) continue;
    formats[i] = params[i].binary() ? 1 : 0;
    lengths[i] = static_cast<int>(value->size());
    if (params[i].binary()) {
      values[i] = value->data();
    } else {
      values[i] = terminated.emplace_back(*value).c_str();
    }
  }
  return checked(PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(count), values.data(), lengths.data(),
                                formats.data(), 0),
                 conn_);
}

bool Connection::healthy() const {
  return PQstatus(conn_) == CONNECTION_OK && PQtransactionStatus(conn_) == PQTRANS_IDLE;
}

ConnectionPool::Lease ConnectionPool::lease() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto connection = std::move(idle_.back());
      idle_.pop_back();
      return Lease(*this, std::move(connection));
    }
  }
  return Lease(*this, std::make_unique<Connection>(url_));
}

void ConnectionPool::give_back(std::unique_ptr<Connection> connection) {
  if (!connection || !connection->healthy()) return;
  std::lock_guard lock(mutex_);
  idle_.push_back(std::move(connection));
}

Transaction::Transaction(Connection& connection, Isolation isolation) : connection_(connection) {
  connection_.exec(isolation == Isolation::kSerializable ? "BEGIN ISOLATION LEVEL SERIALIZABLE" : "BEGIN");
}

Transaction::~Transaction() {
  if (done_) return;
  try {
    connection_.exec("ROLLBACK");
  } catch (const PgError&) {
    // The connection broke; the server rolls the transaction back itself.
  }
}

void Transaction::commit() {
  done_ = true;
  connection_.exec("COMMIT");
}

}  // namespace pier::meta::postgres
