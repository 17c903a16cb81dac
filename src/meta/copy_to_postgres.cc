#include "meta/copy_to_postgres.h"

#include <optional>

#include "meta/postgres/pg_connection.h"
#include "meta/postgres/pg_migrate.h"
#include "meta/sqlite/migrate.h"
#include "meta/sqlite/sqlite_db.h"

namespace pier::meta {
namespace {

// Every table of the schema, each after the tables its foreign keys point at. namespace_blobs and
// namespace_usage are not copied: the triggers on repository_blobs fill them.
constexpr std::string_view kTables[] = {
    "repositories",     "blobs",          "repository_blobs",       "blob_contents",       "manifests",
    "manifest_references", "tags",        "tag_history",            "uploads",             "users",
    "namespaces",       "teams",          "team_members",           "robots",              "repository_permissions",
    "default_permissions", "role_bindings", "repository_visibility", "api_tokens",         "browser_sessions",
    "audit_events",     "blob_store_uploads", "immutable_tag_rules", "retention_policies", "namespace_lifecycle",
    "signing_policies", "signing_keys",   "manifest_signatures", "layer_indexes",      "vulnerabilities",
    "vulnerability_database", "manifest_scans", "vulnerability_policies", "notification_rules",
    "events",           "notification_deliveries"};

struct Column {
  std::string name;
  std::string type;  // PostgreSQL's data_type: "bigint", "text", "boolean", "bytea", ...
};

std::vector<Column> columns_of(postgres::Connection& pg, std::string_view table) {
  auto rows = pg.query(
      "SELECT column_name, data_type FROM information_schema.columns "
      "WHERE table_schema = current_schema() AND table_name = $1 AND is_generated = 'NEVER' "
      "ORDER BY ordinal_position",
      {table});
  std::vector<Column> columns;
  for (int i = 0; i < rows.size(); ++i) columns.push_back(Column{rows.text(i, 0), rows.text(i, 1)});
  return columns;
}

std::string joined(const std::vector<Column>& columns, bool placeholders) {
  std::string out;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (i > 0) out += ", ";
    out += placeholders ? "$" + std::to_string(i + 1) : columns[i].name;
  }
  return out;
}

// One SQLite value as the parameter for its PostgreSQL column: SQLite keeps flags as 0 and 1
// and contents as BLOBs. Text and bytes are kept in `values`, which the parameter views.
postgres::Param param_of(const sqlite::Statement& row, int index, const Column& column,
                         std::vector<std::string>& values) {
  if (row.is_null(index)) return postgres::Param::null();
  if (column.type == "boolean") return postgres::Param(row.integer(index) != 0);
  if (column.type == "bigint" || column.type == "integer" || column.type == "smallint") {
    return postgres::Param(row.integer(index));
  }
  const std::string& value = values.emplace_back(row.text(index));
  return column.type == "bytea" ? postgres::Param::bytes(value) : postgres::Param(value);
}

std::uint64_t copy_table(sqlite::Connection& lite, postgres::Connection& pg, std::string_view table) {
  const auto columns = columns_of(pg, table);
  const std::string names = joined(columns, false);
  const std::string insert =
      "INSERT INTO " + std::string(table) + " (" + names + ") VALUES (" + joined(columns, true) + ")";
  auto rows = lite.prepare("SELECT " + names + " FROM " + std::string(table));
  std::uint64_t copied = 0;
  std::vector<postgres::Param> params;
  std::vector<std::string> values;
  values.reserve(columns.size());  // never reallocated while params view them
  while (rows.step()) {
    params.clear();
    values.clear();
    for (std::size_t i = 0; i < columns.size(); ++i) {
      params.push_back(param_of(rows, static_cast<int>(i), columns[i], values));
    }
    pg.query(insert, params);
    ++copied;
  }
  // The next id PostgreSQL hands out comes after the copied ones.
  for (const auto& column : columns) {
    if (column.name != "id" || column.type != "bigint") continue;
    pg.exec("SELECT setval(pg_get_serial_sequence('" + std::string(table) + "', 'id'), " +
            "COALESCE((SELECT MAX(id) FROM " + std::string(table) + "), 0) + 1, false)");
  }
  return copied;
}

}  // namespace

Result<std::vector<std::pair<std::string, std::uint64_t>>> copy_to_postgres(const std::filesystem::path& sqlite_path,
                                                                           const std::string& url) {
  try {
    sqlite::Connection lite(sqlite_path.string());
    sqlite::migrate(lite);
    postgres::Connection pg(url);
    postgres::migrate(pg);
    postgres::Transaction transaction(pg);
    for (const auto table : kTables) {
      if (!pg.query("SELECT 1 FROM " + std::string(table) + " LIMIT 1").empty()) {
        return make_error(ErrorCode::kBadRequest, "the PostgreSQL database already holds data (table " +
                                                      std::string(table) + "); copy into an empty database");
      }
    }
    std::vector<std::pair<std::string, std::uint64_t>> copied;
    for (const auto table : kTables) {
      try {
        copied.emplace_back(std::string(table), copy_table(lite, pg, table));
      } catch (const postgres::PgError& e) {
        throw postgres::PgError(e.sqlstate, "table " + std::string(table) + ": " + e.what());
      }
    }
    transaction.commit();
    return copied;
  } catch (const sqlite::SqliteError& e) {
    return make_error(ErrorCode::kInternal, "cannot read the SQLite database", e.what());
  } catch (const postgres::PgError& e) {
    return make_error(ErrorCode::kUnavailable, "cannot write the PostgreSQL database", e.what());
  }
}

}  // namespace pier::meta
