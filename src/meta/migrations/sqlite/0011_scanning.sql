-- Vulnerability scanning: each layer's package index, read once per layer digest; the
-- vulnerability database in OSV format, replaced whole by each import; each manifest's scan,
-- kept per digest (the same bytes in any repository have the same packages); and each
-- namespace's pull policy on vulnerabilities.
CREATE TABLE layer_indexes (
  digest TEXT PRIMARY KEY,
  inventory TEXT NOT NULL,
  indexed_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE vulnerabilities (
  id TEXT PRIMARY KEY,
  record TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE vulnerability_database (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  generation INTEGER NOT NULL,
  records INTEGER NOT NULL,
  imported_at INTEGER NOT NULL
);

CREATE TABLE manifest_scans (
  digest TEXT PRIMARY KEY,
  status TEXT NOT NULL CHECK (status IN ('scanned', 'failed')),
  kind TEXT NOT NULL CHECK (kind IN ('image', 'index', 'artifact')),
  inventory TEXT NOT NULL DEFAULT '',
  children TEXT NOT NULL DEFAULT '',
  findings TEXT NOT NULL DEFAULT '[]',
  packages INTEGER NOT NULL DEFAULT 0,
  os TEXT NOT NULL DEFAULT '',
  generation INTEGER NOT NULL DEFAULT 0,
  scanned_at INTEGER NOT NULL,
  error TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE INDEX manifest_scans_by_generation ON manifest_scans (kind, generation, digest);

-- Scans and layer indexes outlive nothing: orphans are found by digest.
CREATE INDEX manifests_by_digest ON manifests (digest);

CREATE TABLE vulnerability_policies (
  namespace TEXT PRIMARY KEY,
  block_severity TEXT NOT NULL CHECK (block_severity IN ('low', 'medium', 'high', 'critical')),
  allow_list TEXT NOT NULL DEFAULT '', -- ids, one per line
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
