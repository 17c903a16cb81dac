-- State an upload carries between requests, so that any replica can continue it: the hash of
-- the bytes received so far (uploads.hash_state), and what the blob store needs to continue
-- its copy of them (an S3 multipart upload's id, part numbers, ETags and sizes). The second is
-- a table of its own because a one-request upload has no row in uploads.
ALTER TABLE uploads ADD COLUMN hash_state TEXT;

CREATE TABLE blob_store_uploads (
  id TEXT COLLATE "C" PRIMARY KEY,
  state TEXT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX blob_store_uploads_by_time ON blob_store_uploads (updated_at);
