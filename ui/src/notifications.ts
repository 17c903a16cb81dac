// Notification rules as the pages show them: events and methods in words, where a rule sends to,
// whether it is on, its deliveries, and the create form checked and turned into the request body.

import type {
  BlockSeverity,
  CloudEventsMode,
  NewNotificationRule,
  NotificationConfig,
  NotificationDelivery,
  NotificationDeliveryState,
  NotificationEvent,
  NotificationMethod,
  NotificationRule,
  NotificationTestResult,
  RuleScope,
} from './api';

/** The events a rule can be made for, in the order the form offers them (`test` is not one). */
export const RULE_EVENTS: readonly Exclude<NotificationEvent, 'test'>[] = [
  'push',
  'delete',
  'tag_expired',
  'tag_pruned',
  'pull',
  'vulnerability_found',
  'signature_added',
  'quota_warning',
  'quota_exceeded',
];

/** Events about a namespace as a whole: a repository's rule would never see one. */
const NAMESPACE_EVENTS: readonly NotificationEvent[] = ['quota_warning', 'quota_exceeded'];

/** Events whose payload names tags: the only ones a tag filter can let through. */
const TAG_EVENTS: readonly NotificationEvent[] = ['push', 'delete', 'tag_expired', 'tag_pruned', 'pull'];

export const METHODS: readonly NotificationMethod[] = ['webhook', 'slack', 'cloudevents', 'email'];

/** The severities a vulnerability rule can start from, mildest first. */
export const MIN_SEVERITIES: readonly BlockSeverity[] = ['low', 'medium', 'high', 'critical'];

const EVENT_LABELS: Record<NotificationEvent, string> = {
  push: 'Image pushed',
  delete: 'Image or tag deleted',
  tag_expired: 'Tag expired',
  tag_pruned: 'Tag removed by retention',
  pull: 'Image pulled',
  quota_warning: 'Quota warning',
  quota_exceeded: 'Quota exceeded',
  vulnerability_found: 'Vulnerabilities found',
  signature_added: 'Signature added',
  test: 'Test',
};

const METHOD_LABELS: Record<NotificationMethod, string> = {
  webhook: 'Webhook',
  slack: 'Slack',
  cloudevents: 'CloudEvents',
  email: 'Email',
};

const STATE_LABELS: Record<NotificationDeliveryState, string> = {
  pending: 'Pending',
  delivered: 'Delivered',
  failed: 'Failed',
};

/** A word the server may add later is shown as it is. */
export function eventLabel(event: string): string {
  return EVENT_LABELS[event as NotificationEvent] ?? event;
}

export function methodLabel(method: string): string {
  return METHOD_LABELS[method as NotificationMethod] ?? method;
}

export function deliveryStateLabel(state: string): string {
  return STATE_LABELS[state as NotificationDeliveryState] ?? state;
}

export type StateColor = 'green' | 'red' | 'blue' | 'grey';

export function deliveryStateColor(state: string): StateColor {
  if (state === 'delivered') return 'green';
  if (state === 'failed') return 'red';
  if (state === 'pending') return 'blue';
  return 'grey';
}

/** The events a scope's rules may fire on: a repository sees no namespace-wide ones. */
export function eventsFor(kind: RuleScope['kind']): Exclude<NotificationEvent, 'test'>[] {
  return RULE_EVENTS.filter((e) => kind === 'namespace' || !NAMESPACE_EVENTS.includes(e));
}

/** Whether a tag filter means anything for the event: with one, an event naming no tag never matches. */
export function takesTagFilter(event: NotificationEvent): boolean {
  return TAG_EVENTS.includes(event);
}

export function takesSeverity(event: NotificationEvent): boolean {
  return event === 'vulnerability_found';
}

export function usesUrl(method: NotificationMethod): boolean {
  return method !== 'email';
}

/** Slack's incoming webhooks take no signature. */
export function usesSecret(method: NotificationMethod): boolean {
  return method === 'webhook' || method === 'cloudevents';
}

/** The addresses of an email rule, however the server wrote them. */
export function recipients(to: string | string[] | undefined | null): string[] {
  if (!to) return [];
  return (Array.isArray(to) ? to : [to]).map((a) => a.trim()).filter(Boolean);
}

/** Where a rule sends to: the URL, or the email addresses. */
export function targetOf(rule: Pick<NotificationRule, 'method' | 'config'>): string {
  if (rule.method === 'email') return recipients(rule.config.to).join(', ') || '—';
  return rule.config.url || '—';
}

/** The rule's title, else its event and method: "Image pushed → Webhook". */
export function ruleName(rule: Pick<NotificationRule, 'title' | 'event' | 'method'>): string {
  const title = rule.title?.trim();
  return title || `${eventLabel(rule.event)} → ${methodLabel(rule.method)}`;
}

/** "Enabled", or "Disabled: <why>" as the server said it. */
export function ruleStatus(rule: Pick<NotificationRule, 'enabled' | 'disabled_reason'>): string {
  if (rule.enabled) return 'Enabled';
  const reason = rule.disabled_reason?.trim();
  return reason ? `Disabled: ${reason}` : 'Disabled';
}

/** The rule's filter in words; null when it has none. */
export function filterText(rule: Pick<NotificationRule, 'event' | 'filter'>): string | null {
  const parts: string[] = [];
  const tags = rule.filter?.tags?.trim();
  const severity = rule.filter?.min_severity;
  if (tags) parts.push(`tags matching ${tags}`);
  if (severity && takesSeverity(rule.event)) parts.push(`${severity} or worse`);
  return parts.length ? parts.join(', ') : null;
}

/** Seconds since the epoch of an RFC 3339 time, for format.ts; null when it is not one. */
export function isoSeconds(time: string | null | undefined): number | null {
  if (!time) return null;
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? null : Math.floor(ms / 1000);
}

/** The HTTP status of a delivery, "—" when no answer came (or the method has none: email). */
export function statusCodeText(code: number | null | undefined): string {
  return code ? String(code) : '—';
}

/** What a status code is for a method: an SMTP reply code for email, else an HTTP status. */
export function codeText(code: number, method?: string): string {
  return `${method === 'email' ? 'SMTP' : 'HTTP'} ${code}`;
}

/** A delivery in a few words: "Delivered (HTTP 200)", "Failed: connection refused", "Pending". */
export function deliveryText(
  delivery: Pick<NotificationDelivery, 'state' | 'status_code' | 'error'>,
  method?: string,
): string {
  const label = deliveryStateLabel(delivery.state);
  const code = delivery.status_code ? codeText(delivery.status_code, method) : '';
  if (delivery.state === 'delivered') return code ? `${label} (${code})` : label;
  if (delivery.state === 'failed') {
    const why = delivery.error?.trim() || code;
    return why ? `${label}: ${why}` : label;
  }
  return label;
}

/** What sending a test notification did: "Delivered (HTTP 200)" or "Failed: <error>". */
export function testOutcome(result: NotificationTestResult, method?: string): string {
  return deliveryText(
    { state: result.delivered ? 'delivered' : 'failed', status_code: result.status_code, error: result.error },
    method,
  );
}

/** The newest delivery of a rule, if it has any. */
export function lastDelivery(rule: Pick<NotificationRule, 'deliveries'>): NotificationDelivery | null {
  return rule.deliveries?.[0] ?? null;
}

// ---- The create form.

export type NotificationForm = {
  event: Exclude<NotificationEvent, 'test'>;
  method: NotificationMethod;
  url: string;
  secret: string;
  mode: CloudEventsMode;
  /** Addresses separated by commas. */
  to: string;
  tags: string;
  minSeverity: BlockSeverity | '';
  title: string;
};

export const EMPTY_NOTIFICATION_FORM: NotificationForm = {
  event: 'push',
  method: 'webhook',
  url: '',
  secret: '',
  mode: 'structured',
  to: '',
  tags: '',
  minSeverity: '',
  title: '',
};

export type FormField = 'event' | 'method' | 'url' | 'to' | 'tags' | 'minSeverity';

/** The addresses typed into the form: separated by commas (spaces and semicolons do too). */
export function parseAddresses(text: string): string[] {
  return [...new Set(text.split(/[\s,;]+/).filter(Boolean))];
}

const ADDRESS = /^[^\s@]+@[^\s@]+$/;

function urlProblem(text: string): string | null {
  const url = text.trim();
  if (!url) return 'A URL is needed';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'Not a URL: give one such as https://example.com/hook';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'The URL must start with http:// or https://';
  if (!parsed.hostname) return 'The URL names no host';
  return null;
}

/** What is wrong with each field, as far as can be told before asking the server; {} when nothing. */
export function formProblems(form: NotificationForm): Partial<Record<FormField, string>> {
  const problems: Partial<Record<FormField, string>> = {};
  if (!RULE_EVENTS.includes(form.event)) problems.event = 'Choose an event';
  if (!METHODS.includes(form.method)) problems.method = 'Choose a method';
  if (usesUrl(form.method)) {
    const problem = urlProblem(form.url);
    if (problem) problems.url = problem;
  }
  if (form.method === 'email') {
    const addresses = parseAddresses(form.to);
    const bad = addresses.filter((a) => !ADDRESS.test(a));
    if (addresses.length === 0) problems.to = 'Give at least one address';
    else if (bad.length) problems.to = `Not an email address: ${bad.join(', ')}`;
  }
  if (takesTagFilter(form.event) && /\s/.test(form.tags.trim())) {
    problems.tags = 'One pattern, without spaces, such as v* or release-*';
  }
  if (takesSeverity(form.event) && form.minSeverity && !MIN_SEVERITIES.includes(form.minSeverity)) {
    problems.minSeverity = 'Choose low, medium, high or critical';
  }
  return problems;
}

/** The first problem of the form, or null when it may be sent. */
export function validateForm(form: NotificationForm): string | null {
  return Object.values(formProblems(form))[0] ?? null;
}

/** The body to POST: only the settings the method and event use, empty ones left out. */
export function ruleOfForm(form: NotificationForm): NewNotificationRule {
  const config: NotificationConfig = {};
  if (usesUrl(form.method)) config.url = form.url.trim();
  if (usesSecret(form.method) && form.secret) config.secret = form.secret;
  if (form.method === 'cloudevents') config.mode = form.mode;
  if (form.method === 'email') {
    const to = parseAddresses(form.to);
    config.to = to.length === 1 ? to[0] : to;
  }
  const rule: NewNotificationRule = { event: form.event, method: form.method, config };
  const title = form.title.trim();
  if (title) rule.title = title;
  const tags = takesTagFilter(form.event) ? form.tags.trim() : '';
  const severity = takesSeverity(form.event) ? form.minSeverity : '';
  if (tags || severity) {
    rule.filter = {};
    if (tags) rule.filter.tags = tags;
    if (severity) rule.filter.min_severity = severity;
  }
  return rule;
}

/** The request body, or what is wrong with the form. */
export function requestOfForm(form: NotificationForm): { rule: NewNotificationRule } | { error: string } {
  const error = validateForm(form);
  return error ? { error } : { rule: ruleOfForm(form) };
}

/** The URL field's example for a method. */
export function urlPlaceholder(method: NotificationMethod): string {
  if (method === 'slack') return 'https://hooks.slack.com/services/…';
  if (method === 'cloudevents') return 'https://events.example.com/pier';
  return 'https://ci.example.com/hooks/pier';
}
