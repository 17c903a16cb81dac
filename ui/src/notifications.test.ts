import { describe, expect, it } from 'vitest';
import type { NotificationDelivery, NotificationRule } from './api';
import {
  deliveryStateColor,
  deliveryStateLabel,
  deliveryText,
  EMPTY_NOTIFICATION_FORM,
  eventLabel,
  eventsFor,
  filterText,
  formProblems,
  isoSeconds,
  lastDelivery,
  methodLabel,
  parseAddresses,
  recipients,
  requestOfForm,
  ruleName,
  ruleOfForm,
  ruleStatus,
  RULE_EVENTS,
  statusCodeText,
  takesTagFilter,
  targetOf,
  testOutcome,
  usesSecret,
  validateForm,
  type NotificationForm,
} from './notifications';

function delivery(overrides: Partial<NotificationDelivery> = {}): NotificationDelivery {
  return {
    id: 7,
    event_id: '41',
    event: 'push',
    state: 'delivered',
    attempts: 1,
    status_code: 200,
    error: '',
    created_at: '2026-12-07T22:30:01Z',
    updated_at: '2026-12-07T22:30:02Z',
    ...overrides,
  };
}

function rule(overrides: Partial<NotificationRule> = {}): NotificationRule {
  return {
    id: 12,
    namespace: 'acme',
    repository: 'acme/app',
    event: 'push',
    method: 'webhook',
    title: '',
    config: { url: 'https://ci.example.com/hook', secret: '********' },
    filter: { tags: '', min_severity: '' },
    enabled: true,
    disabled_reason: '',
    created_at: '2026-12-07T22:00:00Z',
    deliveries: [],
    ...overrides,
  };
}

const form = (overrides: Partial<NotificationForm>): NotificationForm => ({ ...EMPTY_NOTIFICATION_FORM, ...overrides });

describe('labels', () => {
  it('name events, methods and delivery states, and pass unknown words through', () => {
    expect(eventLabel('push')).toBe('Image pushed');
    expect(eventLabel('vulnerability_found')).toBe('Vulnerabilities found');
    expect(eventLabel('test')).toBe('Test');
    expect(eventLabel('image_renamed')).toBe('image_renamed');
    expect(methodLabel('cloudevents')).toBe('CloudEvents');
    expect(methodLabel('pager')).toBe('pager');
    expect(deliveryStateLabel('failed')).toBe('Failed');
    expect(deliveryStateColor('delivered')).toBe('green');
    expect(deliveryStateColor('failed')).toBe('red');
    expect(deliveryStateColor('pending')).toBe('blue');
    expect(deliveryStateColor('lost')).toBe('grey');
  });

  it('offer every event but test, the quota ones only to a namespace', () => {
    expect(RULE_EVENTS).not.toContain('test');
    expect(eventsFor('namespace')).toEqual(RULE_EVENTS);
    expect(eventsFor('repository')).not.toContain('quota_warning');
    expect(eventsFor('repository')).not.toContain('quota_exceeded');
    expect(eventsFor('repository')).toContain('vulnerability_found');
    expect(takesTagFilter('push')).toBe(true);
    expect(takesTagFilter('pull')).toBe(true);
    expect(takesTagFilter('quota_exceeded')).toBe(false);
    expect(takesTagFilter('vulnerability_found')).toBe(false);
    expect(takesTagFilter('signature_added')).toBe(false);
  });
});

describe('rules', () => {
  it('are named by their title, else by event and method', () => {
    expect(ruleName(rule())).toBe('Image pushed → Webhook');
    expect(ruleName(rule({ title: '  CI builds ' }))).toBe('CI builds');
    expect(ruleName(rule({ event: 'delete', method: 'email', title: '' }))).toBe('Image or tag deleted → Email');
  });

  it('send to a URL, or to the email addresses however they are written', () => {
    expect(targetOf(rule())).toBe('https://ci.example.com/hook');
    expect(targetOf(rule({ method: 'email', config: { to: 'a@example.com' } }))).toBe('a@example.com');
    expect(targetOf(rule({ method: 'email', config: { to: ['a@example.com', 'b@example.com'] } }))).toBe(
      'a@example.com, b@example.com',
    );
    expect(targetOf(rule({ method: 'slack', config: {} }))).toBe('—');
    expect(recipients(undefined)).toEqual([]);
    expect(recipients([' a@x ', ''])).toEqual(['a@x']);
  });

  it('say whether they are on, and why not', () => {
    expect(ruleStatus(rule())).toBe('Enabled');
    expect(ruleStatus(rule({ enabled: false }))).toBe('Disabled');
    expect(ruleStatus(rule({ enabled: false, disabled_reason: '5 deliveries failed in a row' }))).toBe(
      'Disabled: 5 deliveries failed in a row',
    );
  });

  it('describe their filter; a severity only counts for vulnerabilities', () => {
    expect(filterText(rule())).toBeNull();
    expect(filterText(rule({ filter: { tags: 'v*', min_severity: '' } }))).toBe('tags matching v*');
    expect(filterText(rule({ event: 'vulnerability_found', filter: { tags: 'v*', min_severity: 'high' } }))).toBe(
      'tags matching v*, high or worse',
    );
    expect(filterText(rule({ filter: { tags: '', min_severity: 'high' } }))).toBeNull();
  });
});

describe('deliveries', () => {
  it('read in a few words', () => {
    expect(deliveryText(delivery())).toBe('Delivered (HTTP 200)');
    expect(deliveryText(delivery({ status_code: 0 }))).toBe('Delivered');
    expect(deliveryText(delivery({ state: 'failed', status_code: 0, error: 'connection refused' }))).toBe(
      'Failed: connection refused',
    );
    expect(deliveryText(delivery({ state: 'failed', status_code: 500, error: '' }))).toBe('Failed: HTTP 500');
    expect(deliveryText(delivery({ state: 'failed', status_code: null, error: '' }))).toBe('Failed');
    expect(deliveryText(delivery({ state: 'pending', status_code: 503 }))).toBe('Pending');
    expect(statusCodeText(204)).toBe('204');
    expect(statusCodeText(0)).toBe('—');
    expect(statusCodeText(null)).toBe('—');
  });

  it('of a test are reported as delivered with the status, or failed with the error', () => {
    expect(testOutcome({ delivered: true, status_code: 200, error: '' })).toBe('Delivered (HTTP 200)');
    expect(testOutcome({ delivered: false, status_code: 0, error: 'timed out' })).toBe('Failed: timed out');
    expect(testOutcome({ delivered: true, status_code: 250, error: '' }, 'email')).toBe('Delivered (SMTP 250)');
    expect(testOutcome({ delivered: false, status_code: 550, error: '' }, 'email')).toBe('Failed: SMTP 550');
    expect(testOutcome({ delivered: false, status_code: 404, error: 'HTTP 404 Not Found' })).toBe(
      'Failed: HTTP 404 Not Found',
    );
  });

  it('come newest first, with RFC 3339 times', () => {
    expect(lastDelivery(rule())).toBeNull();
    const newest = delivery({ id: 9 });
    expect(lastDelivery(rule({ deliveries: [newest, delivery()] }))).toBe(newest);
    expect(isoSeconds('2026-12-07T22:30:01Z')).toBe(Date.UTC(2026, 11, 7, 22, 30, 1) / 1000);
    expect(isoSeconds('')).toBeNull();
    expect(isoSeconds('yesterday')).toBeNull();
  });
});

describe('the create form', () => {
  it('builds a webhook rule with only what was given', () => {
    expect(ruleOfForm(form({ url: ' http://127.0.0.1:8080/hook ' }))).toEqual({
      event: 'push',
      method: 'webhook',
      config: { url: 'http://127.0.0.1:8080/hook' },
    });
    expect(
      ruleOfForm(form({ url: 'https://x.test/h', secret: 's3cret', title: ' Builds ', tags: ' v* ', minSeverity: 'high' })),
    ).toEqual({
      event: 'push',
      method: 'webhook',
      config: { url: 'https://x.test/h', secret: 's3cret' },
      title: 'Builds',
      filter: { tags: 'v*' },
    });
  });

  it('sends a mode for CloudEvents, no secret for Slack, addresses for email', () => {
    expect(ruleOfForm(form({ method: 'cloudevents', url: 'https://e.test', mode: 'binary', secret: 'k' }))).toEqual({
      event: 'push',
      method: 'cloudevents',
      config: { url: 'https://e.test', mode: 'binary', secret: 'k' },
    });
    expect(ruleOfForm(form({ method: 'slack', url: 'https://hooks.slack.com/x', secret: 'left over' }))).toEqual({
      event: 'push',
      method: 'slack',
      config: { url: 'https://hooks.slack.com/x' },
    });
    expect(ruleOfForm(form({ method: 'email', url: 'https://left.over', to: 'a@example.com' })).config).toEqual({
      to: 'a@example.com',
    });
    expect(ruleOfForm(form({ method: 'email', to: 'a@example.com, b@example.com,,a@example.com' })).config).toEqual({
      to: ['a@example.com', 'b@example.com'],
    });
    expect(usesSecret('slack')).toBe(false);
    expect(parseAddresses(' a@x ;b@y  c@z,')).toEqual(['a@x', 'b@y', 'c@z']);
  });

  it('filters vulnerabilities by severity, tagless events by no tag, and quota events by nothing', () => {
    expect(
      ruleOfForm(form({ event: 'vulnerability_found', url: 'https://x.test', tags: 'v*', minSeverity: 'critical' })),
    ).toEqual({
      event: 'vulnerability_found',
      method: 'webhook',
      config: { url: 'https://x.test' },
      filter: { min_severity: 'critical' },
    });
    expect(ruleOfForm(form({ event: 'quota_exceeded', url: 'https://x.test', tags: 'v*', minSeverity: 'low' }))).toEqual({
      event: 'quota_exceeded',
      method: 'webhook',
      config: { url: 'https://x.test' },
    });
  });

  it('refuses what the server would refuse, field by field', () => {
    expect(formProblems(form({ url: 'https://x.test/h' }))).toEqual({});
    expect(formProblems(form({}))).toEqual({ url: 'A URL is needed' });
    expect(formProblems(form({ url: 'ftp://x.test' })).url).toBe('The URL must start with http:// or https://');
    expect(formProblems(form({ url: 'example.com/hook' })).url).toMatch(/^Not a URL/);
    expect(formProblems(form({ method: 'email' }))).toEqual({ to: 'Give at least one address' });
    expect(formProblems(form({ method: 'email', to: 'a@example.com, bob' })).to).toBe('Not an email address: bob');
    expect(formProblems(form({ url: 'https://x.test', tags: 'v* latest' })).tags).toBeDefined();
    expect(formProblems(form({ event: 'quota_warning', url: 'https://x.test', tags: 'v* latest' }))).toEqual({});
    expect(formProblems(form({ event: 'test' as NotificationForm['event'], url: 'https://x.test' })).event).toBe(
      'Choose an event',
    );
    expect(formProblems(form({ method: 'sms' as NotificationForm['method'] })).method).toBe('Choose a method');
  });

  it('is sent only when valid', () => {
    expect(validateForm(form({ url: 'https://x.test' }))).toBeNull();
    expect(validateForm(form({ method: 'email', to: '' }))).toBe('Give at least one address');
    expect(requestOfForm(form({ url: 'nope' }))).toHaveProperty('error');
    expect(requestOfForm(form({ url: 'http://127.0.0.1:9/' }))).toEqual({
      rule: { event: 'push', method: 'webhook', config: { url: 'http://127.0.0.1:9/' } },
    });
  });
});
