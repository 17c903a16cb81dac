-- The bytes of small blobs (image configs, tiny layers, signatures), kept beside their
-- metadata: storing one is then part of the commit that links it, with no file and no
-- directory to sync. Larger blobs stay in the blob store. Rows go with their blob, at
-- garbage collection.
CREATE TABLE blob_contents (
  digest TEXT PRIMARY KEY REFERENCES blobs(digest),
  content BLOB NOT NULL
);
