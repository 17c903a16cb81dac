-- Notifications: each rule says which events of a namespace or repository go where; the
-- events table is the outbox, written by the same transaction as the change it tells of (a
-- push, a deletion, a tag expired), so an acknowledged change always has its event; each
-- delivery is one event for one rule, sent by a job and kept with its last attempt's outcome.
CREATE TABLE notification_rules (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  namespace TEXT NOT NULL,
  repository TEXT,
  event TEXT NOT NULL,
  method TEXT NOT NULL,
  config TEXT NOT NULL,
  title TEXT NOT NULL DEFAULT '',
  tag_filter TEXT NOT NULL DEFAULT '',
  min_severity TEXT NOT NULL DEFAULT '',
  enabled INTEGER NOT NULL DEFAULT 1,
  disabled_reason TEXT NOT NULL DEFAULT '',
  failures_in_a_row INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
CREATE INDEX notification_rules_by_scope ON notification_rules (namespace, repository);

CREATE TABLE events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  namespace TEXT NOT NULL,
  repository TEXT NOT NULL DEFAULT '',
  payload TEXT NOT NULL,
  occurred_at INTEGER NOT NULL,
  dispatched INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX events_to_dispatch ON events (id) WHERE dispatched = 0;

CREATE TABLE notification_deliveries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  rule_id INTEGER NOT NULL REFERENCES notification_rules (id) ON DELETE CASCADE,
  event_id INTEGER,
  event_kind TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  status_code INTEGER NOT NULL DEFAULT 0,
  error TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (rule_id, event_id)
);
CREATE INDEX notification_deliveries_by_event ON notification_deliveries (event_id);
