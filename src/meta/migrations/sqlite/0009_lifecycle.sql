-- Image lifecycle: what garbage collection, tag expiration, retention, immutable tags and
-- quotas keep in the metadata database.
--
-- blobs.last_used_at: when the blob was last uploaded, looked up (HEAD/GET) or mounted; the
-- collector never removes a blob used within gc.blob_grace. blobs.deleting: the collector
-- has claimed the blob and is removing its bytes; a reference to it is refused meanwhile,
-- and a collection that died half-way finds it again and finishes.
ALTER TABLE blobs ADD COLUMN last_used_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE blobs ADD COLUMN deleting INTEGER NOT NULL DEFAULT 0;
UPDATE blobs SET last_used_at = created_at;
CREATE INDEX blobs_by_last_use ON blobs (last_used_at);

-- A tag's expiry (unix seconds): set through the API or by the label quay.expires-after of
-- what it points at, and cleared when the tag moves.
ALTER TABLE tags ADD COLUMN expires_at INTEGER;
CREATE INDEX tags_by_expiry ON tags (expires_at) WHERE expires_at IS NOT NULL;

-- The namespace of a repository: the first component of its name ('' for a name without one).
ALTER TABLE repositories ADD COLUMN namespace TEXT GENERATED ALWAYS AS
  (CASE WHEN instr(name, '/') > 0 THEN substr(name, 1, instr(name, '/') - 1) ELSE '' END) VIRTUAL;

-- When each manifest last left a tag, read from the index alone: the collector keeps those
-- that left one within the history window. Not partial: SQLite would then prefer
-- tag_history_by_time and read a repository's whole history for every manifest.
CREATE INDEX tag_history_by_old_digest ON tag_history (repository_id, old_digest, changed_at);

-- Tag patterns (fnmatch globs) that may be created but never moved or deleted. scope_kind is
-- 'namespace' or 'repository'.
CREATE TABLE immutable_tag_rules (
  scope_kind TEXT NOT NULL CHECK (scope_kind IN ('namespace', 'repository')),
  scope TEXT NOT NULL,
  pattern TEXT NOT NULL,
  PRIMARY KEY (scope_kind, scope, pattern)
) WITHOUT ROWID;

-- Retention: one policy per namespace and per repository.
CREATE TABLE retention_policies (
  scope_kind TEXT NOT NULL CHECK (scope_kind IN ('namespace', 'repository')),
  scope TEXT NOT NULL,
  keep_newest INTEGER,
  older_than INTEGER,
  include_patterns TEXT NOT NULL DEFAULT '',
  exclude_patterns TEXT NOT NULL DEFAULT '',
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (scope_kind, scope)
) WITHOUT ROWID;

-- Per namespace settings: the quota (limit and warning threshold) and the tag history window.
CREATE TABLE namespace_lifecycle (
  namespace TEXT PRIMARY KEY,
  limit_bytes INTEGER,
  warning_bytes INTEGER,
  history_window INTEGER
) WITHOUT ROWID;

-- Usage: each distinct blob a namespace's repositories link counts once, kept by triggers on
-- every link and unlink so that a quota is checked without summing the namespace.
CREATE TABLE namespace_blobs (
  namespace TEXT NOT NULL,
  digest TEXT NOT NULL,
  size INTEGER NOT NULL,
  links INTEGER NOT NULL,
  PRIMARY KEY (namespace, digest)
) WITHOUT ROWID;

CREATE TABLE namespace_usage (
  namespace TEXT PRIMARY KEY,
  used_bytes INTEGER NOT NULL,
  blob_count INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO namespace_blobs (namespace, digest, size, links)
  SELECT r.namespace, rb.digest, b.size, COUNT(*) FROM repository_blobs rb
  JOIN repositories r ON r.id = rb.repository_id JOIN blobs b ON b.digest = rb.digest
  GROUP BY r.namespace, rb.digest;
INSERT INTO namespace_usage (namespace, used_bytes, blob_count)
  SELECT namespace, SUM(size), COUNT(*) FROM namespace_blobs GROUP BY namespace;

CREATE TRIGGER repository_blobs_counted AFTER INSERT ON repository_blobs BEGIN
  INSERT INTO namespace_blobs (namespace, digest, size, links)
    SELECT r.namespace, NEW.digest, b.size, 1 FROM repositories r, blobs b
    WHERE r.id = NEW.repository_id AND b.digest = NEW.digest
    ON CONFLICT (namespace, digest) DO UPDATE SET links = links + 1;
END;

CREATE TRIGGER repository_blobs_uncounted AFTER DELETE ON repository_blobs BEGIN
  UPDATE namespace_blobs SET links = links - 1
    WHERE namespace = (SELECT namespace FROM repositories WHERE id = OLD.repository_id) AND digest = OLD.digest;
  DELETE FROM namespace_blobs
    WHERE namespace = (SELECT namespace FROM repositories WHERE id = OLD.repository_id) AND digest = OLD.digest
    AND links <= 0;
END;

CREATE TRIGGER namespace_blobs_added AFTER INSERT ON namespace_blobs BEGIN
  INSERT INTO namespace_usage (namespace, used_bytes, blob_count) VALUES (NEW.namespace, NEW.size, 1)
    ON CONFLICT (namespace) DO UPDATE SET used_bytes = used_bytes + NEW.size, blob_count = blob_count + 1;
END;

CREATE TRIGGER namespace_blobs_removed AFTER DELETE ON namespace_blobs BEGIN
  UPDATE namespace_usage SET used_bytes = used_bytes - OLD.size, blob_count = blob_count - 1
    WHERE namespace = OLD.namespace;
END;
