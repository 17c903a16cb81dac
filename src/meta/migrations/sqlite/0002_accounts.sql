-- Accounts: users, namespaces (one per user and per organization), teams, robots, repository
-- permissions, organization default permissions, role bindings, repository visibility,
-- API tokens and the audit log. Grants name their subject by (kind, id); triggers remove a
-- subject's grants when the subject goes, including through cascades.
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  email TEXT NOT NULL DEFAULT '',
  password_hash TEXT NOT NULL DEFAULT '',
  superuser INTEGER NOT NULL DEFAULT 0,
  source TEXT NOT NULL CHECK (source IN ('local', 'ldap')),
  created_at INTEGER NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE namespaces (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL CHECK (kind IN ('user', 'org')),
  owner_user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL
);
CREATE INDEX namespaces_by_owner ON namespaces(owner_user_id) WHERE owner_user_id IS NOT NULL;

CREATE TABLE teams (
  id INTEGER PRIMARY KEY,
  namespace_id INTEGER NOT NULL REFERENCES namespaces(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('member', 'creator', 'admin')),
  UNIQUE (namespace_id, name)
);

CREATE TABLE team_members (
  team_id INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  PRIMARY KEY (team_id, user_id)
) WITHOUT ROWID;
CREATE INDEX team_members_by_user ON team_members(user_id);

CREATE TABLE robots (
  id INTEGER PRIMARY KEY,
  namespace_id INTEGER NOT NULL REFERENCES namespaces(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  UNIQUE (namespace_id, name)
);

CREATE TABLE repository_permissions (
  repository TEXT NOT NULL,
  subject_kind TEXT NOT NULL CHECK (subject_kind IN ('user', 'team', 'robot')),
  subject_id INTEGER NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('read', 'write', 'admin')),
  PRIMARY KEY (repository, subject_kind, subject_id)
) WITHOUT ROWID;
CREATE INDEX repository_permissions_by_subject ON repository_permissions(subject_kind, subject_id);

CREATE TABLE default_permissions (
  namespace_id INTEGER NOT NULL REFERENCES namespaces(id) ON DELETE CASCADE,
  subject_kind TEXT NOT NULL CHECK (subject_kind IN ('user', 'team', 'robot')),
  subject_id INTEGER NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('read', 'write', 'admin')),
  PRIMARY KEY (namespace_id, subject_kind, subject_id)
) WITHOUT ROWID;
CREATE INDEX default_permissions_by_subject ON default_permissions(subject_kind, subject_id);

CREATE TABLE role_bindings (
  namespace_id INTEGER NOT NULL REFERENCES namespaces(id) ON DELETE CASCADE,
  role TEXT NOT NULL,
  subject_kind TEXT NOT NULL CHECK (subject_kind IN ('user', 'team', 'robot')),
  subject_id INTEGER NOT NULL,
  PRIMARY KEY (namespace_id, role, subject_kind, subject_id)
) WITHOUT ROWID;
CREATE INDEX role_bindings_by_subject ON role_bindings(subject_kind, subject_id);

CREATE TABLE repository_visibility (
  repository TEXT PRIMARY KEY,
  public INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE api_tokens (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  scopes TEXT NOT NULL DEFAULT '',
  expires_at INTEGER,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER
);
CREATE INDEX api_tokens_by_user ON api_tokens(user_id);

CREATE TABLE audit_events (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL DEFAULT '',
  actor_kind TEXT NOT NULL CHECK (actor_kind IN ('user', 'robot', 'token', 'anonymous')),
  client_address TEXT NOT NULL DEFAULT '',
  action TEXT NOT NULL,
  namespace TEXT NOT NULL DEFAULT '',
  repository TEXT,
  detail TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_by_namespace ON audit_events(namespace, id);
CREATE INDEX audit_events_by_repository ON audit_events(repository, id) WHERE repository IS NOT NULL;
CREATE INDEX audit_events_by_actor ON audit_events(actor, id);
CREATE INDEX audit_events_by_time ON audit_events(at);

CREATE TRIGGER users_drop_grants AFTER DELETE ON users BEGIN
  DELETE FROM repository_permissions WHERE subject_kind = 'user' AND subject_id = OLD.id;
  DELETE FROM default_permissions WHERE subject_kind = 'user' AND subject_id = OLD.id;
  DELETE FROM role_bindings WHERE subject_kind = 'user' AND subject_id = OLD.id;
END;

CREATE TRIGGER teams_drop_grants AFTER DELETE ON teams BEGIN
  DELETE FROM repository_permissions WHERE subject_kind = 'team' AND subject_id = OLD.id;
  DELETE FROM default_permissions WHERE subject_kind = 'team' AND subject_id = OLD.id;
  DELETE FROM role_bindings WHERE subject_kind = 'team' AND subject_id = OLD.id;
END;

CREATE TRIGGER robots_drop_grants AFTER DELETE ON robots BEGIN
  DELETE FROM repository_permissions WHERE subject_kind = 'robot' AND subject_id = OLD.id;
  DELETE FROM default_permissions WHERE subject_kind = 'robot' AND subject_id = OLD.id;
  DELETE FROM role_bindings WHERE subject_kind = 'robot' AND subject_id = OLD.id;
END;
