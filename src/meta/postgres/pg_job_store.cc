#include "meta/postgres/pg_job_store.h"

#include <algorithm>

#include "meta/job_columns.h"
#include "meta/postgres/pg_database.h"

namespace pier::meta {

namespace {

using postgres::Connection;
using postgres::Param;
using postgres::PgError;
using postgres::Rows;

// The columns job_of() reads, in its order; `table` qualifies each ("jobs." where a statement
// joins another relation with an id).
std::string job_columns(std::string_view table = {}) {
  std::string columns;
  for (const std::string_view column : {"id", "kind", "args", "state", "attempt", "max_attempts", "scheduled_at",
                                        "attempted_at", "attempted_by", "heartbeat_at", "finished_at", "last_error",
                                        "unique_key"}) {
    if (!columns.empty()) columns += ", ";
    columns += std::string(table) + std::string(column);
  }
  return columns;
}

std::optional<std::int64_t> optional_integer(const Rows& rows, int row, int column) {
  if (rows.is_null(row, column)) return std::nullopt;
  return rows.integer(row, column);
}

Job job_of(const Rows& rows, int row) {
  Job job;
  job.id = rows.integer(row, 0);
  job.kind = rows.text(row, 1);
  job.args = rows.text(row, 2);
  const auto state = job_state_of(rows.text(row, 3));
  if (!state) throw PgError("XX001", "unexpected job state: " + rows.text(row, 3));
  job.state = *state;
  job.attempt = static_cast<int>(rows.integer(row, 4));
  job.max_attempts = static_cast<int>(rows.integer(row, 5));
  job.scheduled_at = rows.integer(row, 6);
  job.attempted_at = optional_integer(rows, row, 7);
  job.attempted_by = rows.text(row, 8);
  job.heartbeat_at = optional_integer(rows, row, 9);
  job.finished_at = optional_integer(rows, row, 10);
  job.last_error = rows.text(row, 11);
  if (!rows.is_null(row, 12)) job.unique_key = rows.text(row, 12);
  return job;
}

std::vector<Job> jobs_of(const Rows& rows) {
  std::vector<Job> jobs;
  for (int i = 0; i < rows.size(); ++i) jobs.push_back(job_of(rows, i));
  return jobs;
}

class PostgresJobStore final : public JobStore {
 public:
  explicit PostgresJobStore(const std::string& url) : db_(url, {"job store"}) {}

  Result<std::optional<Job>> enqueue(const NewJob& job) override {
    static const std::string sql =
        "INSERT INTO jobs (kind, args, max_attempts, scheduled_at, unique_key) VALUES ($1, $2, $3, $4, $5) "
        "ON CONFLICT (unique_key) DO NOTHING RETURNING " + job_columns();
    return db_.write<std::optional<Job>>([&](Connection& db) -> Result<std::optional<Job>> {
      const auto rows = db.query(sql, {job.kind, job.args, job.max_attempts, job.scheduled_at,
                                       job.unique_key ? Param(*job.unique_key) : Param::null()});
      if (rows.empty()) return std::optional<Job>();
      return std::optional<Job>(job_of(rows, 0));
    });
  }

  // River's claim: the CTE locks the oldest due rows, skipping those another claimant has
  // locked, and the UPDATE takes them in the same statement. A row another claimant updated
  // after this statement's snapshot is read again once its lock is free and no longer matches
  // state IN (...), so it is skipped, never claimed twice.
  Result<std::vector<Job>> claim(const std::vector<std::string>& kinds, std::size_t limit, std::string_view replica,
                                 std::int64_t now) override {
    static const std::string sql =
        "WITH locked AS (SELECT id FROM jobs WHERE state IN ('available', 'retryable') AND scheduled_at <= $1::bigint "
        "AND kind IN (SELECT json_array_elements_text($3::json)) ORDER BY scheduled_at, id LIMIT $4::bigint "
        "FOR UPDATE SKIP LOCKED) "
        "UPDATE jobs SET state = 'running', attempt = jobs.attempt + 1, attempted_at = $1::bigint, "
        "attempted_by = $2::text, heartbeat_at = $1::bigint FROM locked WHERE jobs.id = locked.id RETURNING " +
        job_columns("jobs.");
    return db_.write<std::vector<Job>>([&](Connection& db) -> Result<std::vector<Job>> {
      auto jobs = jobs_of(db.query(sql, {now, replica, json_string_array(kinds), static_cast<std::uint64_t>(limit)}));
      std::sort(jobs.begin(), jobs.end(), [](const Job& a, const Job& b) { return a.id < b.id; });
      return jobs;
    });
  }

  Result<bool> heartbeat(JobAttempt attempt, std::int64_t now) override {
    return changed("UPDATE jobs SET heartbeat_at = $1::bigint WHERE id = $2 AND attempt = $3 AND state = 'running'",
                   {now, attempt.id, attempt.attempt});
  }

  Result<bool> complete(JobAttempt attempt, std::int64_t now) override {
    return changed("UPDATE jobs SET state = 'completed', finished_at = $1::bigint "
                   "WHERE id = $2 AND attempt = $3 AND state = 'running'",
                   {now, attempt.id, attempt.attempt});
  }

  Result<bool> fail(JobAttempt attempt, std::string_view error, std::int64_t retry_at, std::int64_t now) override {
    return changed(
        "UPDATE jobs SET state = CASE WHEN attempt < max_attempts THEN 'retryable' ELSE 'discarded' END, "
        "scheduled_at = CASE WHEN attempt < max_attempts THEN $1::bigint ELSE scheduled_at END, "
        "finished_at = CASE WHEN attempt < max_attempts THEN NULL ELSE $2::bigint END, last_error = $3::text "
        "WHERE id = $4 AND attempt = $5 AND state = 'running'",
        {retry_at, now, error, attempt.id, attempt.attempt});
  }

  Result<std::vector<Job>> rescue(std::int64_t stale_before, std::int64_t now) override {
    static const std::string sql =
        "UPDATE jobs SET state = CASE WHEN attempt < max_attempts THEN 'retryable' ELSE 'discarded' END, "
        "scheduled_at = CASE WHEN attempt < max_attempts THEN $2::bigint ELSE scheduled_at END, "
        "finished_at = CASE WHEN attempt < max_attempts THEN NULL ELSE $2::bigint END, "
        "last_error = 'rescued: no heartbeat from ' || COALESCE(attempted_by, '?') || ' since ' || heartbeat_at "
        "WHERE state = 'running' AND heartbeat_at < $1::bigint RETURNING " + job_columns();
    return db_.write<std::vector<Job>>(
        [&](Connection& db) -> Result<std::vector<Job>> { return jobs_of(db.query(sql, {stale_before, now})); });
  }

  // River's election: an expired term is deleted and the row taken in one transaction. Two
  // replicas electing at once both insert; the second waits on the first's key and then
  // does nothing, so exactly one gets its row back.
  Result<bool> elect_leader(std::string_view name, std::string_view leader_id, std::int64_t now,
                            std::int64_t expires_at) override {
    return db_.write<bool>([&](Connection& db) -> Result<bool> {
      db.query("DELETE FROM job_leader WHERE name = $1 AND expires_at < $2::bigint", {name, now});
      return !db.query("INSERT INTO job_leader (name, leader_id, elected_at, expires_at) VALUES ($1, $2, $3, $4) "
                       "ON CONFLICT (name) DO NOTHING RETURNING leader_id",
                       {name, leader_id, now, expires_at})
                  .empty();
    });
  }

  Result<bool> reelect_leader(std::string_view name, std::string_view leader_id, std::int64_t now,
                              std::int64_t expires_at) override {
    return changed("UPDATE job_leader SET expires_at = $1::bigint WHERE name = $2 AND leader_id = $3 "
                   "AND expires_at >= $4::bigint",
                   {expires_at, name, leader_id, now});
  }

  Result<void> resign_leader(std::string_view name, std::string_view leader_id) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      db.query("DELETE FROM job_leader WHERE name = $1 AND leader_id = $2", {name, leader_id});
      return {};
    });
  }

  Result<std::vector<Job>> list_jobs(const JobFilter& filter) override {
    static const std::string sql = "SELECT " + job_columns() +
                                   " FROM jobs WHERE ($1::text IS NULL OR kind = $1::text) "
                                   "AND ($2::text IS NULL OR state = $2::text) ORDER BY id DESC LIMIT $3::bigint";
    return db_.read<std::vector<Job>>([&](Connection& db) -> Result<std::vector<Job>> {
      return jobs_of(db.query(sql, {filter.kind ? Param(*filter.kind) : Param::null(),
                                    filter.state ? Param(to_text(*filter.state)) : Param::null(),
                                    static_cast<std::uint64_t>(filter.limit)}));
    });
  }

  bool shared_with_other_processes() const override { return true; }

  Result<std::uint64_t> delete_finished_jobs(std::int64_t cutoff) override {
    return db_.write<std::uint64_t>([&](Connection& db) -> Result<std::uint64_t> {
      const auto deleted =
          db.query("DELETE FROM jobs WHERE state IN ('completed', 'discarded') AND finished_at < $1::bigint", {cutoff});
      return static_cast<std::uint64_t>(deleted.affected());
    });
  }

 private:
  // True when the UPDATE changed a row.
  Result<bool> changed(std::string_view sql, std::initializer_list<Param> params) {
    return db_.write<bool>([&](Connection& db) -> Result<bool> { return db.query(sql, params).affected() > 0; });
  }

  postgres::Database db_;
};

}  // namespace

std::unique_ptr<JobStore> open_postgres_job_store(const std::string& url) {
  return std::make_unique<PostgresJobStore>(url);
}

}  // namespace pier::meta
