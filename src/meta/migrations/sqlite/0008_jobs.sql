-- Jobs (meta/job_store.h): work that runs once across the processes sharing this database,
-- claimed by one of them at a time, and the leader row that elects who enqueues periodic jobs
-- and rescues jobs whose holder stopped heartbeating. Ids are never reused (AUTOINCREMENT), so
-- a late result for a deleted job can never finish a newer one with the same id.
CREATE TABLE jobs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  args TEXT NOT NULL DEFAULT '{}',
  state TEXT NOT NULL DEFAULT 'available'
    CHECK (state IN ('available', 'running', 'completed', 'retryable', 'discarded')),
  attempt INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL,
  scheduled_at INTEGER NOT NULL,
  attempted_at INTEGER,
  attempted_by TEXT,
  heartbeat_at INTEGER,
  finished_at INTEGER,
  last_error TEXT,
  unique_key TEXT UNIQUE
);
CREATE INDEX jobs_to_claim ON jobs (scheduled_at, id) WHERE state IN ('available', 'retryable');
CREATE INDEX jobs_running ON jobs (heartbeat_at) WHERE state = 'running';
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;
CREATE INDEX jobs_by_kind ON jobs (kind, id);

CREATE TABLE job_leader (
  name TEXT PRIMARY KEY,
  leader_id TEXT NOT NULL,
  elected_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
