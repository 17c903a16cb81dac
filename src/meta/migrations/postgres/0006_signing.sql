-- Image signing: see the SQLite migration 0010_signing.sql.
CREATE TABLE signing_policies (
  namespace TEXT COLLATE "C" PRIMARY KEY,
  enforce BOOLEAN NOT NULL DEFAULT FALSE,
  updated_at BIGINT NOT NULL
);
CREATE INDEX signing_policies_enforced ON signing_policies (namespace) WHERE enforce;

CREATE TABLE signing_keys (
  namespace TEXT COLLATE "C" NOT NULL REFERENCES signing_policies(namespace) ON DELETE CASCADE,
  position BIGINT NOT NULL,
  key_type TEXT NOT NULL CHECK (key_type IN ('gpg', 'cosign')),
  key_id TEXT COLLATE "C" NOT NULL,
  public_key TEXT NOT NULL,
  PRIMARY KEY (namespace, position)
);

CREATE TABLE manifest_signatures (
  repository_id BIGINT NOT NULL,
  manifest_digest TEXT COLLATE "C" NOT NULL,
  name TEXT COLLATE "C" NOT NULL,
  content BYTEA NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (repository_id, manifest_digest, name),
  FOREIGN KEY (repository_id, manifest_digest)
    REFERENCES manifests(repository_id, digest) ON DELETE CASCADE
);
