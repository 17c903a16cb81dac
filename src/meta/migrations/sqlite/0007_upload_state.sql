-- State an upload carries between requests when the replicas share the metadata: the hash of
-- the bytes received so far (uploads.hash_state), and what the blob store needs to continue
-- its copy of them (an S3 multipart upload's id, part numbers, ETags and sizes). The second is
-- a table of its own because a one-request upload has no row in uploads.
ALTER TABLE uploads ADD COLUMN hash_state TEXT;

CREATE TABLE blob_store_uploads (
  id TEXT PRIMARY KEY,
  state TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX blob_store_uploads_by_time ON blob_store_uploads (updated_at);
