-- Image signing: each namespace's signing policy and the public keys it trusts, and the
-- signatures stored through the registry's signature API extension (X-Registry-Supports-
-- Signatures). cosign signatures are manifests and need no table of their own.
CREATE TABLE signing_policies (
  namespace TEXT PRIMARY KEY,
  enforce INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX signing_policies_enforced ON signing_policies (namespace) WHERE enforce = 1;

CREATE TABLE signing_keys (
  namespace TEXT NOT NULL REFERENCES signing_policies(namespace) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  key_type TEXT NOT NULL CHECK (key_type IN ('gpg', 'cosign')),
  key_id TEXT NOT NULL,
  public_key TEXT NOT NULL,
  PRIMARY KEY (namespace, position)
) WITHOUT ROWID;

-- Removed with their manifest.
CREATE TABLE manifest_signatures (
  repository_id INTEGER NOT NULL,
  manifest_digest TEXT NOT NULL,
  name TEXT NOT NULL,
  content BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (repository_id, manifest_digest, name),
  FOREIGN KEY (repository_id, manifest_digest)
    REFERENCES manifests(repository_id, digest) ON DELETE CASCADE
) WITHOUT ROWID;
