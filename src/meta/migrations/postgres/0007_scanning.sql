-- Vulnerability scanning: see the SQLite migration 0011_scanning.sql.
CREATE TABLE layer_indexes (
  digest TEXT COLLATE "C" PRIMARY KEY,
  inventory TEXT NOT NULL,
  indexed_at BIGINT NOT NULL
);

CREATE TABLE vulnerabilities (
  id TEXT COLLATE "C" PRIMARY KEY,
  record TEXT NOT NULL
);

CREATE TABLE vulnerability_database (
  singleton BIGINT PRIMARY KEY CHECK (singleton = 1),
  generation BIGINT NOT NULL,
  records BIGINT NOT NULL,
  imported_at BIGINT NOT NULL
);

CREATE TABLE manifest_scans (
  digest TEXT COLLATE "C" PRIMARY KEY,
  status TEXT NOT NULL CHECK (status IN ('scanned', 'failed')),
  kind TEXT NOT NULL CHECK (kind IN ('image', 'index', 'artifact')),
  inventory TEXT NOT NULL DEFAULT '',
  children TEXT NOT NULL DEFAULT '',
  findings TEXT NOT NULL DEFAULT '[]',
  packages BIGINT NOT NULL DEFAULT 0,
  os TEXT NOT NULL DEFAULT '',
  generation BIGINT NOT NULL DEFAULT 0,
  scanned_at BIGINT NOT NULL,
  error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX manifest_scans_by_generation ON manifest_scans (kind, generation, digest);

CREATE INDEX manifests_by_digest ON manifests (digest);

CREATE TABLE vulnerability_policies (
  namespace TEXT COLLATE "C" PRIMARY KEY,
  block_severity TEXT NOT NULL CHECK (block_severity IN ('low', 'medium', 'high', 'critical')),
  allow_list TEXT NOT NULL DEFAULT '', -- ids, one per line
  updated_at BIGINT NOT NULL
);
