#include "meta/sqlite/sqlite_job_store.h"

#include <sqlite3.h>

#include <algorithm>

#include "meta/job_columns.h"
#include "meta/sqlite/database.h"
#include "meta/sqlite/sqlite_db.h"

namespace pier::meta {

namespace {

using sqlite::Connection;
using sqlite::SqliteError;
using sqlite::Statement;

// The columns job_of() reads, in its order.
constexpr std::string_view kJobColumns =
    "id, kind, args, state, attempt, max_attempts, scheduled_at, attempted_at, attempted_by, heartbeat_at, "
    "finished_at, last_error, unique_key";

// `before` + the job columns + `after`: the text of a statement that answers whole jobs.
std::string with_job_columns(std::string_view before, std::string_view after = {}) {
  return std::string(before) + std::string(kJobColumns) + std::string(after);
}

std::optional<std::int64_t> optional_integer(const Statement& row, int column) {
  if (row.is_null(column)) return std::nullopt;
  return row.integer(column);
}

Job job_of(const Statement& row) {
  Job job;
  job.id = row.integer(0);
  job.kind = row.text(1);
  job.args = row.text(2);
  const auto state = job_state_of(row.text(3));
  if (!state) throw SqliteError(SQLITE_CORRUPT, "unexpected job state: " + row.text(3));
  job.state = *state;
  job.attempt = static_cast<int>(row.integer(4));
  job.max_attempts = static_cast<int>(row.integer(5));
  job.scheduled_at = row.integer(6);
  job.attempted_at = optional_integer(row, 7);
  job.attempted_by = row.text(8);
  job.heartbeat_at = optional_integer(row, 9);
  job.finished_at = optional_integer(row, 10);
  job.last_error = row.text(11);
  if (!row.is_null(12)) job.unique_key = row.text(12);
  return job;
}

std::vector<Job> jobs_of(Statement& rows) {
  std::vector<Job> jobs;
  while (rows.step()) jobs.push_back(job_of(rows));
  return jobs;
}

class SqliteJobStore final : public JobStore {
 public:
  explicit SqliteJobStore(const std::string& path) : db_(path, {"job store"}) {}

  Result<std::optional<Job>> enqueue(const NewJob& job) override {
    return db_.write<std::optional<Job>>([&](Connection& db) -> Result<std::optional<Job>> {
      static const std::string sql = with_job_columns(
          "INSERT INTO jobs (kind, args, max_attempts, scheduled_at, unique_key) VALUES (?, ?, ?, ?, ?) "
          "ON CONFLICT (unique_key) DO NOTHING RETURNING ");
      auto insert = db.prepare(sql);
      insert.bind(1, job.kind).bind(2, job.args).bind(3, std::int64_t{job.max_attempts}).bind(4, job.scheduled_at);
      if (job.unique_key) {
        insert.bind(5, *job.unique_key);
      } else {
        insert.bind_null(5);
      }
      if (!insert.step()) return std::optional<Job>();
      return std::optional<Job>(job_of(insert));
    });
  }

  // SQLite has one writer at a time, so the plain UPDATE of the ids its subquery picks is
  // already a claim nobody else can make.
  Result<std::vector<Job>> claim(const std::vector<std::string>& kinds, std::size_t limit, std::string_view replica,
                                 std::int64_t now) override {
    return db_.write<std::vector<Job>>([&](Connection& db) -> Result<std::vector<Job>> {
      static const std::string sql = with_job_columns(
          "UPDATE jobs SET state = 'running', attempt = attempt + 1, attempted_at = ?1, attempted_by = ?2, "
          "heartbeat_at = ?1 "
          "WHERE id IN (SELECT id FROM jobs WHERE state IN ('available', 'retryable') AND scheduled_at <= ?1 "
          "AND kind IN (SELECT value FROM json_each(?3)) ORDER BY scheduled_at, id LIMIT ?4) RETURNING ");
      auto claimed = db.prepare(sql);
      claimed.bind(1, now).bind(2, replica).bind(3, json_string_array(kinds)).bind(4, static_cast<std::int64_t>(limit));
      auto jobs = jobs_of(claimed);
      std::sort(jobs.begin(), jobs.end(), [](const Job& a, const Job& b) { return a.id < b.id; });
      return jobs;
    });
  }

  Result<bool> heartbeat(JobAttempt attempt, std::int64_t now) override {
    return db_.write<bool>([&](Connection& db) -> Result<bool> {
      db.prepare("UPDATE jobs SET heartbeat_at = ? WHERE id = ? AND attempt = ? AND state = 'running'")
          .bind(1, now).bind(2, attempt.id).bind(3, std::int64_t{attempt.attempt}).run();
      return db.changes() > 0;
    });
  }

  Result<bool> complete(JobAttempt attempt, std::int64_t now) override {
    return db_.write<bool>([&](Connection& db) -> Result<bool> {
      db.prepare("UPDATE jobs SET state = 'completed', finished_at = ? "
                 "WHERE id = ? AND attempt = ? AND state = 'running'")
          .bind(1, now).bind(2, attempt.id).bind(3, std::int64_t{attempt.attempt}).run();
      return db.changes() > 0;
    });
  }

  Result<bool> fail(JobAttempt attempt, std::string_view error, std::int64_t retry_at, std::int64_t now) override {
    return db_.write<bool>([&](Connection& db) -> Result<bool> {
      db.prepare("UPDATE jobs SET state = CASE WHEN attempt < max_attempts THEN 'retryable' ELSE 'discarded' END, "
                 "scheduled_at = CASE WHEN attempt < max_attempts THEN ?1 ELSE scheduled_at END, "
                 "finished_at = CASE WHEN attempt < max_attempts THEN NULL ELSE ?2 END, last_error = ?3 "
                 "WHERE id = ?4 AND attempt = ?5 AND state = 'running'")
          .bind(1, retry_at).bind(2, now).bind(3, error).bind(4, attempt.id).bind(5, std::int64_t{attempt.attempt})
          .run();
      return db.changes() > 0;
    });
  }

  Result<std::vector<Job>> rescue(std::int64_t stale_before, std::int64_t now) override {
    return db_.write<std::vector<Job>>([&](Connection& db) -> Result<std::vector<Job>> {
      static const std::string sql = with_job_columns(
          "UPDATE jobs SET state = CASE WHEN attempt < max_attempts THEN 'retryable' ELSE 'discarded' END, "
          "scheduled_at = CASE WHEN attempt < max_attempts THEN ?2 ELSE scheduled_at END, "
          "finished_at = CASE WHEN attempt < max_attempts THEN NULL ELSE ?2 END, "
          "last_error = 'rescued: no heartbeat from ' || COALESCE(attempted_by, '?') || ' since ' || heartbeat_at "
          "WHERE state = 'running' AND heartbeat_at < ?1 RETURNING ");
      auto rescued = db.prepare(sql);
      rescued.bind(1, stale_before).bind(2, now);
      return jobs_of(rescued);
    });
  }

  Result<bool> elect_leader(std::string_view name, std::string_view leader_id, std::int64_t now,
                            std::int64_t expires_at) override {
    return db_.write<bool>([&](Connection& db) -> Result<bool> {
      db.prepare("DELETE FROM job_leader WHERE name = ? AND expires_at < ?").bind(1, name).bind(2, now).run();
      auto elected = db.prepare(
          "INSERT INTO job_leader (name, leader_id, elected_at, expires_at) VALUES (?, ?, ?, ?) "
          "ON CONFLICT (name) DO NOTHING RETURNING leader_id");
      elected.bind(1, name).bind(2, leader_id).bind(3, now).bind(4, expires_at);
      return elected.step();
    });
  }

  Result<bool> reelect_leader(std::string_view name, std::string_view leader_id, std::int64_t now,
                              std::int64_t expires_at) override {
    return db_.write<bool>([&](Connection& db) -> Result<bool> {
      db.prepare("UPDATE job_leader SET expires_at = ? WHERE name = ? AND leader_id = ? AND expires_at >= ?")
          .bind(1, expires_at).bind(2, name).bind(3, leader_id).bind(4, now).run();
      return db.changes() > 0;
    });
  }

  Result<void> resign_leader(std::string_view name, std::string_view leader_id) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      db.prepare("DELETE FROM job_leader WHERE name = ? AND leader_id = ?").bind(1, name).bind(2, leader_id).run();
      return {};
    });
  }

  Result<std::vector<Job>> list_jobs(const JobFilter& filter) override {
    return db_.read<std::vector<Job>>([&](Connection& db) -> Result<std::vector<Job>> {
      static const std::string sql = with_job_columns(
          "SELECT ",
          " FROM jobs WHERE (?1 IS NULL OR kind = ?1) AND (?2 IS NULL OR state = ?2) ORDER BY id DESC LIMIT ?3");
      auto rows = db.prepare(sql);
      if (filter.kind) {
        rows.bind(1, *filter.kind);
      } else {
        rows.bind_null(1);
      }
      if (filter.state) {
        rows.bind(2, to_text(*filter.state));
      } else {
        rows.bind_null(2);
      }
      rows.bind(3, static_cast<std::int64_t>(filter.limit));
      return jobs_of(rows);
    });
  }

  Result<std::uint64_t> delete_finished_jobs(std::int64_t cutoff) override {
    return db_.write<std::uint64_t>([&](Connection& db) -> Result<std::uint64_t> {
      db.prepare("DELETE FROM jobs WHERE state IN ('completed', 'discarded') AND finished_at < ?")
          .bind(1, cutoff)
          .run();
      return static_cast<std::uint64_t>(db.changes());
    });
  }

 private:
  sqlite::Database db_;
};

}  // namespace

std::unique_ptr<JobStore> open_sqlite_job_store(const std::filesystem::path& path) {
  return std::make_unique<SqliteJobStore>(path.string());
}

}  // namespace pier::meta
