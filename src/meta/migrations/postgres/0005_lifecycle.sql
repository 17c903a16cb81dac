-- Image lifecycle, as SQLite's migration 9: blob use times and the collector's mark, tag
-- expiry, the repository's namespace, immutable tag rules, retention policies, per namespace
-- quotas and history windows, and usage kept by triggers.
ALTER TABLE blobs ADD COLUMN last_used_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE blobs ADD COLUMN deleting BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE blobs SET last_used_at = created_at;
CREATE INDEX blobs_by_last_use ON blobs (last_used_at);

ALTER TABLE tags ADD COLUMN expires_at BIGINT;
CREATE INDEX tags_by_expiry ON tags (expires_at) WHERE expires_at IS NOT NULL;

ALTER TABLE repositories ADD COLUMN namespace TEXT COLLATE "C" GENERATED ALWAYS AS
  (CASE WHEN strpos(name, '/') > 0 THEN substr(name, 1, strpos(name, '/') - 1) ELSE '' END) STORED;

CREATE INDEX tag_history_by_old_digest ON tag_history (repository_id, old_digest, changed_at);

CREATE TABLE immutable_tag_rules (
  scope_kind TEXT NOT NULL CHECK (scope_kind IN ('namespace', 'repository')),
  scope TEXT COLLATE "C" NOT NULL,
  pattern TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (scope_kind, scope, pattern)
);

CREATE TABLE retention_policies (
  scope_kind TEXT NOT NULL CHECK (scope_kind IN ('namespace', 'repository')),
  scope TEXT COLLATE "C" NOT NULL,
  keep_newest BIGINT,
  older_than BIGINT,
  include_patterns TEXT NOT NULL DEFAULT '',
  exclude_patterns TEXT NOT NULL DEFAULT '',
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (scope_kind, scope)
);

CREATE TABLE namespace_lifecycle (
  namespace TEXT COLLATE "C" PRIMARY KEY,
  limit_bytes BIGINT,
  warning_bytes BIGINT,
  history_window BIGINT
);

CREATE TABLE namespace_blobs (
  namespace TEXT COLLATE "C" NOT NULL,
  digest TEXT COLLATE "C" NOT NULL,
  size BIGINT NOT NULL,
  links BIGINT NOT NULL,
  PRIMARY KEY (namespace, digest)
);

CREATE TABLE namespace_usage (
  namespace TEXT COLLATE "C" PRIMARY KEY,
  used_bytes BIGINT NOT NULL,
  blob_count BIGINT NOT NULL
);

INSERT INTO namespace_blobs (namespace, digest, size, links)
  SELECT r.namespace, rb.digest, b.size, COUNT(*) FROM repository_blobs rb
  JOIN repositories r ON r.id = rb.repository_id JOIN blobs b ON b.digest = rb.digest
  GROUP BY r.namespace, rb.digest, b.size;
INSERT INTO namespace_usage (namespace, used_bytes, blob_count)
  SELECT namespace, SUM(size), COUNT(*) FROM namespace_blobs GROUP BY namespace;

CREATE FUNCTION count_namespace_blob() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO namespace_blobs (namespace, digest, size, links)
    SELECT r.namespace, NEW.digest, b.size, 1 FROM repositories r, blobs b
    WHERE r.id = NEW.repository_id AND b.digest = NEW.digest
    ON CONFLICT (namespace, digest) DO UPDATE SET links = namespace_blobs.links + 1;
  RETURN NULL;
END;
$$;
CREATE TRIGGER repository_blobs_counted AFTER INSERT ON repository_blobs
  FOR EACH ROW EXECUTE FUNCTION count_namespace_blob();

CREATE FUNCTION uncount_namespace_blob() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ns TEXT;
BEGIN
  SELECT namespace INTO ns FROM repositories WHERE id = OLD.repository_id;
  UPDATE namespace_blobs SET links = links - 1 WHERE namespace = ns AND digest = OLD.digest;
  DELETE FROM namespace_blobs WHERE namespace = ns AND digest = OLD.digest AND links <= 0;
  RETURN NULL;
END;
$$;
CREATE TRIGGER repository_blobs_uncounted AFTER DELETE ON repository_blobs
  FOR EACH ROW EXECUTE FUNCTION uncount_namespace_blob();

CREATE FUNCTION add_namespace_usage() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO namespace_usage (namespace, used_bytes, blob_count) VALUES (NEW.namespace, NEW.size, 1)
    ON CONFLICT (namespace) DO UPDATE SET used_bytes = namespace_usage.used_bytes + NEW.size,
      blob_count = namespace_usage.blob_count + 1;
  RETURN NULL;
END;
$$;
CREATE TRIGGER namespace_blobs_added AFTER INSERT ON namespace_blobs
  FOR EACH ROW EXECUTE FUNCTION add_namespace_usage();

CREATE FUNCTION remove_namespace_usage() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE namespace_usage SET used_bytes = used_bytes - OLD.size, blob_count = blob_count - 1
    WHERE namespace = OLD.namespace;
  RETURN NULL;
END;
$$;
CREATE TRIGGER namespace_blobs_removed AFTER DELETE ON namespace_blobs
  FOR EACH ROW EXECUTE FUNCTION remove_namespace_usage();
