// The management API (/api/v1) as the browser session sees it. Every call goes through
// `request`, which adds the CSRF token to changes and turns error bodies into ApiError.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export type User = {
  name: string;
  email?: string;
  superuser: boolean;
  kind: string;
  disabled?: boolean;
  scopes?: string[];
};
export type UserChange = { password?: string; superuser?: boolean; disabled?: boolean };
export type Session = { user: User; csrf_token: string };
export type Platform = { os: string; architecture: string; variant?: string };
export type Repository = {
  name: string;
  namespace: string;
  public: boolean;
  tag_count: number;
  last_modified: number | null;
  can_write?: boolean;
  can_admin?: boolean;
};
export type Tag = {
  name: string;
  digest: string;
  media_type: string;
  size: number;
  platforms: Platform[];
  last_modified: number | null;
  /** When the tag is removed (Unix seconds); null: never. */
  expires_at: number | null;
};
export type TagMove = { tag: string; old_digest: string | null; new_digest: string | null; changed_at: number };
export type Descriptor = { digest: string; media_type: string; size: number };
export type SignatureType = 'gpg' | 'cosign';
/** A signature of a manifest; `name` is the signature's own name or the digest of the manifest holding it. */
export type Signature = {
  type: SignatureType;
  /** null when the server could not tell which key made it. */
  key_id: string | null;
  verified: boolean;
  source: 'extension' | 'tag' | 'referrer';
  name: string;
};
export type Manifest = {
  digest: string;
  media_type: string;
  size: number;
  total_size: number;
  artifact_type: string | null;
  config: Descriptor | null;
  layers: Descriptor[];
  manifests: (Descriptor & { platform: Platform | null })[];
  platforms: Platform[];
  subject: string | null;
  annotations: Record<string, string>;
  tags: string[];
  signatures: Signature[];
};
export type Organization = { name: string; created_at: number; is_admin?: boolean };
export type Team = { name: string; role: TeamRole; members: string[] };
export type TeamRole = 'member' | 'creator' | 'admin';
export type Robot = { name: string; description: string; created_at: number };
export type RobotSecret = {
  name: string;
  token: string;
  logins: { podman: string; auth_json: unknown; kubernetes_secret: string };
};
export type SubjectKind = 'user' | 'team' | 'robot';
export type RepoRole = 'read' | 'write' | 'admin';
export type Permission = { kind: SubjectKind; name: string; role: RepoRole };
export const BINDING_ROLES = [
  'system:image-puller',
  'system:image-pusher',
  'system:image-builder',
  'registry-viewer',
  'registry-editor',
  'registry-admin',
] as const;
export type BindingRole = (typeof BINDING_ROLES)[number];
export type RoleBinding = { role: BindingRole; kind: SubjectKind; name: string };
export type NewUser = { name: string; password: string; email?: string; superuser?: boolean };
export type ApiToken = {
  id: number;
  name: string;
  scopes: string[];
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
};
export type AuditEvent = {
  id: number;
  at: number;
  actor: string;
  actor_kind: string;
  client_address: string;
  action: string;
  namespace: string;
  repository: string | null;
  detail: unknown;
};
/** `{expires_in: "3d"}`, `{expires_at: <Unix seconds>}`, or `{}` to clear the expiry. */
export type TagExpiry = { expires_in: string } | { expires_at: number } | Record<string, never>;
/** Where immutable tag patterns and retention policies are set: a namespace or one repository. */
export type RuleScope = { kind: 'namespace' | 'repository'; name: string };
export type QuotaState = 'ok' | 'warning' | 'exceeded';
export type Quota = {
  namespace: string;
  limit_bytes: number | null;
  warning_bytes: number | null;
  used_bytes: number;
  blob_count: number;
  state: QuotaState;
};
/** A key a namespace trusts; the server works out `key_id` (a GPG fingerprint or sha256:hex). */
export type SigningKey = { type: SignatureType; key_id: string; public_key: string };
export type SigningPolicy = { namespace: string; enforce: boolean; keys: SigningKey[] };
export type SigningPolicyChange = { enforce: boolean; keys: { type: SignatureType; public_key: string }[] };
export type HistoryWindow = { namespace: string; history_window: number; default: boolean };
/** A policy as the server shows it: older_than in seconds. */
export type RetentionPolicy = {
  keep_newest: number | null;
  older_than: number | null;
  include: string[];
  exclude: string[];
};
/** A policy as it is set: older_than a duration such as "30d". */
export type RetentionPolicyChange = {
  keep_newest?: number;
  older_than?: string;
  include?: string[];
  exclude?: string[];
};
export type RetentionRemoval = { repository: string; tag: string; digest: string; reason: string };
export type RetentionRun = { dry_run: boolean; removed: RetentionRemoval[] };
export type GcStatus = {
  history_window: number;
  blob_grace: number;
  runs: number;
  failures: number;
  manifests_deleted: number;
  blobs_deleted: number;
  bytes_freed: number;
  last_run_seconds: number;
  last_run_at: number;
};
export type GcReport = {
  dry_run: boolean;
  manifests_deleted: number;
  links_deleted: number;
  blobs_deleted: number;
  bytes_freed: number;
  database_bytes_freed: number;
  seconds: number;
};
/** How bad a finding is, in the server's words (worst first: critical, high, medium, low, none, unknown). */
export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'none' | 'unknown';
/** A namespace's threshold: images with a finding at or above it are not served. */
export type BlockSeverity = 'low' | 'medium' | 'high' | 'critical';
export type ScanStatus = 'queued' | 'scanned' | 'failed';
/** One known vulnerability of one installed package; fixed_version is "" when no fix is known. */
export type Vulnerability = {
  id: string;
  aliases: string[];
  package: string;
  installed_version: string;
  fixed_version: string;
  severity: Severity;
  ecosystem: string;
  summary: string;
};
export type SeverityCounts = Record<Severity, number>;
/** A manifest's scan; an index's is the union of its images'. */
export type VulnerabilityReport = {
  status: ScanStatus;
  packages: number;
  /** The image's distribution, e.g. "Debian:12"; null when it has none Pier knows. */
  os: string | null;
  scanned_at: number | null;
  error: string | null;
  summary: SeverityCounts;
  vulnerabilities: Vulnerability[];
  /** The SPDX document the scan made, also attached to the image as a referrer. */
  sbom: { digest: string; artifact_type: string } | null;
};
export type VulnerabilityDatabase = { records: number; generation: number; imported_at: number | null };
export type VulnerabilityPolicy = { block_severity: BlockSeverity | null; allow: string[] };
/** What a notification rule fires on; `test` is only sent by "send a test notification". */
export type NotificationEvent =
  | 'push'
  | 'delete'
  | 'tag_expired'
  | 'tag_pruned'
  | 'pull'
  | 'quota_warning'
  | 'quota_exceeded'
  | 'vulnerability_found'
  | 'signature_added'
  | 'test';
export type NotificationMethod = 'webhook' | 'slack' | 'cloudevents' | 'email';
export type CloudEventsMode = 'structured' | 'binary';
/** A method's settings; the server shows a secret as "********". */
export type NotificationConfig = {
  url?: string;
  secret?: string;
  headers?: Record<string, string>;
  verify_tls?: boolean;
  ca_file?: string;
  mode?: CloudEventsMode;
  to?: string | string[];
};
/** "" where the rule does not filter. */
export type NotificationFilter = { tags: string; min_severity: BlockSeverity | '' };
export type NotificationDeliveryState = 'pending' | 'delivered' | 'failed';
/** One event sent (or being sent) to a rule's target; times are RFC 3339. */
export type NotificationDelivery = {
  id: number;
  event_id: string;
  event: NotificationEvent;
  state: NotificationDeliveryState;
  attempts: number;
  /** 0 (or absent) when no HTTP answer came. */
  status_code: number | null;
  error: string;
  created_at: string;
  updated_at: string;
};
export type NotificationRule = {
  id: number;
  namespace: string;
  repository: string | null;
  event: NotificationEvent;
  method: NotificationMethod;
  title: string;
  config: NotificationConfig;
  filter: NotificationFilter;
  enabled: boolean;
  disabled_reason: string;
  created_at: string;
  /** The most recent, newest first. */
  deliveries: NotificationDelivery[];
};
export type NewNotificationRule = {
  event: NotificationEvent;
  method: NotificationMethod;
  config: NotificationConfig;
  title?: string;
  filter?: Partial<NotificationFilter>;
};
export type NotificationRuleChange = {
  title?: string;
  config?: NotificationConfig;
  filter?: Partial<NotificationFilter>;
  enabled?: boolean;
};
export type NotificationTestResult = { delivered: boolean; status_code: number; error: string };
export type Page<K extends string, T> = { [key in K]: T[] } & { next: string | number | null };

let csrfToken: string | null = null;
let onSignedOut: (() => void) | null = null;

export function setCsrfToken(token: string | null) {
  csrfToken = token;
}

/** Called when the server no longer knows the session (expired or ended elsewhere). */
export function setSignedOutHandler(handler: (() => void) | null) {
  onSignedOut = handler;
}

/** A repository name keeps its slashes in the path; each component is escaped on its own. */
export function repoPath(name: string): string {
  return name.split('/').map(encodeURIComponent).join('/');
}

/** The API path of a rule scope: /namespaces/{ns} or /repositories/{repository...}. */
export function scopePath(scope: RuleScope): string {
  return scope.kind === 'namespace'
    ? `/namespaces/${encodeURIComponent(scope.name)}`
    : `/repositories/${repoPath(scope.name)}`;
}

export function query(params: Record<string, string | number | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

async function errorOf(response: Response): Promise<ApiError> {
  let code = 'UNKNOWN';
  let message = `${response.status} ${response.statusText}`.trim();
  try {
    const body = await response.json();
    const first = body?.errors?.[0];
    if (first) {
      code = first.code ?? code;
      message = first.message || message;
    }
  } catch {
    // not JSON (a proxy's error page): the status line says enough
  }
  return new ApiError(response.status, code, message);
}

export async function request<T = void>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, 'NETWORK', `Pier could not be reached (${(e as Error).message})`);
  }
  if (!response.ok) {
    const error = await errorOf(response);
    if (response.status === 401 && !path.startsWith('/session')) onSignedOut?.();
    throw error;
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** A GET whose answer is a file (not JSON): its bytes, with the server's error body turned into ApiError. */
export async function requestBlob(path: string, accept: string): Promise<Blob> {
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, { headers: { Accept: accept }, credentials: 'same-origin' });
  } catch (e) {
    throw new ApiError(0, 'NETWORK', `Pier could not be reached (${(e as Error).message})`);
  }
  if (!response.ok) {
    const error = await errorOf(response);
    if (response.status === 401) onSignedOut?.();
    throw error;
  }
  return response.blob();
}

/** The API path of one manifest of a repository. */
function manifestPath(repo: string, digest: string): string {
  return `/repositories/${repoPath(repo)}/manifests/${encodeURIComponent(digest)}`;
}

export const api = {
  getSession: () => request<Session>('GET', '/session'),
  signIn: (username: string, password: string) => request<Session>('POST', '/session', { username, password }),
  signOut: () => request('DELETE', '/session'),
  whoami: () => request<User>('GET', '/user'),
  changeOwnPassword: (currentPassword: string, password: string) =>
    request<User>('PATCH', '/user', { current_password: currentPassword, password }),

  repositories: (p: { namespace?: string; q?: string; after?: string | null; limit?: number }) =>
    request<Page<'repositories', Repository>>('GET', `/repositories${query(p)}`),
  createRepository: (name: string, isPublic: boolean) =>
    request<Repository>('POST', '/repositories', { name, public: isPublic }),
  repository: (name: string) => request<Repository>('GET', `/repositories/${repoPath(name)}`),
  deleteRepository: (name: string) => request('DELETE', `/repositories/${repoPath(name)}`),
  setVisibility: (name: string, isPublic: boolean) =>
    request('PUT', `/repositories/${repoPath(name)}/visibility`, { public: isPublic }),

  tags: (repo: string, p: { q?: string; after?: string | null; limit?: number }) =>
    request<Page<'tags', Tag>>('GET', `/repositories/${repoPath(repo)}/tags${query(p)}`),
  tagHistory: (repo: string, tag: string) =>
    request<{ history: TagMove[] }>(
      'GET',
      `/repositories/${repoPath(repo)}/tags/${encodeURIComponent(tag)}/history`,
    ),
  putTag: (repo: string, tag: string, digest: string) =>
    request<Tag>('PUT', `/repositories/${repoPath(repo)}/tags/${encodeURIComponent(tag)}`, { digest }),
  deleteTag: (repo: string, tag: string) =>
    request('DELETE', `/repositories/${repoPath(repo)}/tags/${encodeURIComponent(tag)}`),
  setTagExpiry: (repo: string, tag: string, expiry: TagExpiry) =>
    request<Tag>('PUT', `/repositories/${repoPath(repo)}/tags/${encodeURIComponent(tag)}/expiration`, expiry),
  manifest: (repo: string, digest: string) => request<Manifest>('GET', manifestPath(repo, digest)),

  permissions: (repo: string) =>
    request<{ permissions: Permission[] }>('GET', `/repositories/${repoPath(repo)}/permissions`),
  grant: (repo: string, kind: SubjectKind, name: string, role: RepoRole) =>
    request(
      'PUT',
      `/repositories/${repoPath(repo)}/permissions/${kind}/${encodeURIComponent(name)}`,
      { role },
    ),
  revoke: (repo: string, kind: SubjectKind, name: string) =>
    request('DELETE', `/repositories/${repoPath(repo)}/permissions/${kind}/${encodeURIComponent(name)}`),

  users: (p: { after?: string | null; limit?: number }) =>
    request<Page<'users', User>>('GET', `/users${query(p)}`),
  createUser: (user: NewUser) => request<User>('POST', '/users', user),
  updateUser: (name: string, change: UserChange) =>
    request<User>('PATCH', `/users/${encodeURIComponent(name)}`, change),
  deleteUser: (name: string) => request('DELETE', `/users/${encodeURIComponent(name)}`),

  organizations: () => request<{ organizations: Organization[] }>('GET', '/organizations'),
  organization: (name: string) => request<Organization>('GET', `/organizations/${encodeURIComponent(name)}`),
  createOrganization: (name: string) => request<Organization>('POST', '/organizations', { name }),
  deleteOrganization: (name: string) => request('DELETE', `/organizations/${encodeURIComponent(name)}`),

  teams: (org: string) => request<{ teams: Team[] }>('GET', `/organizations/${encodeURIComponent(org)}/teams`),
  putTeam: (org: string, team: string, role: TeamRole) =>
    request('PUT', `/organizations/${encodeURIComponent(org)}/teams/${encodeURIComponent(team)}`, { role }),
  deleteTeam: (org: string, team: string) =>
    request('DELETE', `/organizations/${encodeURIComponent(org)}/teams/${encodeURIComponent(team)}`),
  addMember: (org: string, team: string, user: string) =>
    request(
      'PUT',
      `/organizations/${encodeURIComponent(org)}/teams/${encodeURIComponent(team)}/members/${encodeURIComponent(user)}`,
    ),
  removeMember: (org: string, team: string, user: string) =>
    request(
      'DELETE',
      `/organizations/${encodeURIComponent(org)}/teams/${encodeURIComponent(team)}/members/${encodeURIComponent(user)}`,
    ),

  defaultPermissions: (org: string) =>
    request<{ default_permissions: Permission[] }>(
      'GET',
      `/organizations/${encodeURIComponent(org)}/default-permissions`,
    ),
  setDefaultPermission: (org: string, kind: SubjectKind, name: string, role: RepoRole) =>
    request<Permission>(
      'PUT',
      `/organizations/${encodeURIComponent(org)}/default-permissions/${kind}/${encodeURIComponent(name)}`,
      { role },
    ),
  removeDefaultPermission: (org: string, kind: SubjectKind, name: string) =>
    request(
      'DELETE',
      `/organizations/${encodeURIComponent(org)}/default-permissions/${kind}/${encodeURIComponent(name)}`,
    ),

  roleBindings: (ns: string) =>
    request<{ role_bindings: RoleBinding[] }>('GET', `/namespaces/${encodeURIComponent(ns)}/role-bindings`),
  addRoleBinding: (ns: string, role: BindingRole, kind: SubjectKind, name: string) =>
    request(
      'PUT',
      `/namespaces/${encodeURIComponent(ns)}/role-bindings/${encodeURIComponent(role)}/${kind}/${encodeURIComponent(name)}`,
      {},
    ),
  removeRoleBinding: (ns: string, role: BindingRole, kind: SubjectKind, name: string) =>
    request(
      'DELETE',
      `/namespaces/${encodeURIComponent(ns)}/role-bindings/${encodeURIComponent(role)}/${kind}/${encodeURIComponent(name)}`,
    ),

  robots: (ns: string) => request<{ robots: Robot[] }>('GET', `/namespaces/${encodeURIComponent(ns)}/robots`),
  createRobot: (ns: string, name: string, description: string) =>
    request<RobotSecret>(
      'POST',
      `/namespaces/${encodeURIComponent(ns)}/robots/${encodeURIComponent(name)}`,
      description ? { description } : undefined,
    ),
  regenerateRobot: (ns: string, name: string) =>
    request<RobotSecret>(
      'POST',
      `/namespaces/${encodeURIComponent(ns)}/robots/${encodeURIComponent(name)}/regenerate`,
    ),
  deleteRobot: (ns: string, name: string) =>
    request('DELETE', `/namespaces/${encodeURIComponent(ns)}/robots/${encodeURIComponent(name)}`),

  tokens: () => request<{ tokens: ApiToken[] }>('GET', '/user/tokens'),
  createToken: (name: string, scopes: string[], expiresInDays: number | null) =>
    request<ApiToken & { token: string }>('POST', '/user/tokens', {
      name,
      scopes,
      ...(expiresInDays ? { expires_in_days: expiresInDays } : {}),
    }),
  deleteToken: (id: number) => request('DELETE', `/user/tokens/${id}`),

  audit: (p: {
    namespace?: string;
    repository?: string;
    actor?: string;
    from?: number | null;
    to?: number | null;
    before?: string | number | null;
    limit?: number;
  }) => request<Page<'events', AuditEvent>>('GET', `/audit${query(p)}`),

  immutableTags: (scope: RuleScope) => request<{ patterns: string[] }>('GET', `${scopePath(scope)}/immutable-tags`),
  setImmutableTags: (scope: RuleScope, patterns: string[]) =>
    request<{ patterns: string[] }>('PUT', `${scopePath(scope)}/immutable-tags`, { patterns }),
  retention: (scope: RuleScope) =>
    request<{ policy: RetentionPolicy | null }>('GET', `${scopePath(scope)}/retention`),
  setRetention: (scope: RuleScope, policy: RetentionPolicyChange) =>
    request<{ policy: RetentionPolicy }>('PUT', `${scopePath(scope)}/retention`, policy),
  deleteRetention: (scope: RuleScope) => request('DELETE', `${scopePath(scope)}/retention`),
  runRetention: (scope: RuleScope, dryRun: boolean) =>
    request<RetentionRun>('POST', `${scopePath(scope)}/retention/run`, { dry_run: dryRun }),

  quota: (ns: string) => request<Quota>('GET', `/namespaces/${encodeURIComponent(ns)}/quota`),
  setQuota: (ns: string, limitBytes: number, warningBytes: number | null) =>
    request<Quota>('PUT', `/namespaces/${encodeURIComponent(ns)}/quota`, {
      limit_bytes: limitBytes,
      ...(warningBytes !== null ? { warning_bytes: warningBytes } : {}),
    }),
  deleteQuota: (ns: string) => request('DELETE', `/namespaces/${encodeURIComponent(ns)}/quota`),
  historyWindow: (ns: string) =>
    request<HistoryWindow>('GET', `/namespaces/${encodeURIComponent(ns)}/history-window`),
  setHistoryWindow: (ns: string, window: string) =>
    request<HistoryWindow>('PUT', `/namespaces/${encodeURIComponent(ns)}/history-window`, { history_window: window }),
  resetHistoryWindow: (ns: string) => request('DELETE', `/namespaces/${encodeURIComponent(ns)}/history-window`),

  // The policy with each key's identity (signing-policy itself answers only what was put).
  signingPolicy: (ns: string) =>
    request<SigningPolicy>('GET', `/namespaces/${encodeURIComponent(ns)}/signing-keys`),
  setSigningPolicy: async (ns: string, policy: SigningPolicyChange) => {
    await request('PUT', `/namespaces/${encodeURIComponent(ns)}/signing-policy`, policy);
    return request<SigningPolicy>('GET', `/namespaces/${encodeURIComponent(ns)}/signing-keys`);
  },
  deleteSigningPolicy: (ns: string) => request('DELETE', `/namespaces/${encodeURIComponent(ns)}/signing-policy`),

  vulnerabilityDatabase: () => request<VulnerabilityDatabase>('GET', '/vulnerabilities'),
  vulnerabilities: (repo: string, digest: string) =>
    request<VulnerabilityReport>('GET', `${manifestPath(repo, digest)}/vulnerabilities`),
  /** The image's SPDX 2.3 document, as the file to save. */
  sbom: (repo: string, digest: string) =>
    requestBlob(`${manifestPath(repo, digest)}/sbom`, 'application/spdx+json, application/json'),
  vulnerabilityPolicy: (ns: string) =>
    request<VulnerabilityPolicy>('GET', `/namespaces/${encodeURIComponent(ns)}/vulnerability-policy`),
  // Read back after the change, whatever the PUT answers.
  setVulnerabilityPolicy: async (ns: string, policy: VulnerabilityPolicy) => {
    await request('PUT', `/namespaces/${encodeURIComponent(ns)}/vulnerability-policy`, policy);
    return request<VulnerabilityPolicy>('GET', `/namespaces/${encodeURIComponent(ns)}/vulnerability-policy`);
  },
  deleteVulnerabilityPolicy: (ns: string) =>
    request('DELETE', `/namespaces/${encodeURIComponent(ns)}/vulnerability-policy`),

  notifications: (scope: RuleScope) =>
    request<{ notifications: NotificationRule[] }>('GET', `${scopePath(scope)}/notifications`),
  createNotification: (scope: RuleScope, rule: NewNotificationRule) =>
    request<NotificationRule>('POST', `${scopePath(scope)}/notifications`, rule),
  notification: (id: number) => request<NotificationRule>('GET', `/notifications/${id}`),
  updateNotification: (id: number, change: NotificationRuleChange) =>
    request<NotificationRule>('PATCH', `/notifications/${id}`, change),
  deleteNotification: (id: number) => request('DELETE', `/notifications/${id}`),
  /** Sends a test event to the rule now, one attempt; the attempt is listed among its deliveries. */
  testNotification: (id: number) => request<NotificationTestResult>('POST', `/notifications/${id}/test`),

  gc: () => request<GcStatus>('GET', '/gc'),
  runGc: (dryRun: boolean) => request<GcReport>('POST', '/gc', { dry_run: dryRun }),
};
