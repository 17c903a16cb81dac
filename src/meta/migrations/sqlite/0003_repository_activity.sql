-- A repository's last change is the newest entry of its tag history: this index finds it
-- without reading the repository's whole history, for every repository of a listed page.
CREATE INDEX tag_history_by_time ON tag_history(repository_id, changed_at);

-- The tags pointing at one manifest (shown with it, moved with its deletion).
CREATE INDEX tags_by_manifest ON tags(repository_id, manifest_digest);
