// Retention policies between the server's shape (older_than in seconds) and a form's text fields,
// and in words.

import type { RetentionPolicy, RetentionPolicyChange } from './api';
import { durationText, durationWords, parseDuration, splitPatterns } from './format';

export type RetentionForm = { keepNewest: string; olderThan: string; include: string; exclude: string };

export const EMPTY_RETENTION_FORM: RetentionForm = { keepNewest: '', olderThan: '', include: '', exclude: '' };

/** The form showing a policy as set, or an empty one. */
export function formOfPolicy(policy: RetentionPolicy | null | undefined): RetentionForm {
  if (!policy) return EMPTY_RETENTION_FORM;
  return {
    keepNewest: policy.keep_newest === null ? '' : String(policy.keep_newest),
    olderThan: policy.older_than === null ? '' : durationText(policy.older_than),
    include: policy.include.join(' '),
    exclude: policy.exclude.join(' '),
  };
}

/** The policy to PUT, or what is wrong with the form. */
export function policyOfForm(form: RetentionForm): { policy: RetentionPolicyChange } | { error: string } {
  const policy: RetentionPolicyChange = {};
  const keep = form.keepNewest.trim();
  if (keep) {
    if (!/^\d+$/.test(keep) || Number(keep) > 1_000_000) return { error: 'Keep the newest must be a number from 0 to 1000000' };
    policy.keep_newest = Number(keep);
  }
  const older = form.olderThan.trim();
  if (older) {
    const seconds = parseDuration(older);
    if (seconds === null) return { error: 'Older than must be a duration such as 30m, 12h, 30d or 2w' };
    policy.older_than = durationText(seconds);
  }
  if (policy.keep_newest === undefined && policy.older_than === undefined) {
    return { error: 'Give keep the newest, older than or both' };
  }
  const include = splitPatterns(form.include);
  const exclude = splitPatterns(form.exclude);
  if (include.length) policy.include = include;
  if (exclude.length) policy.exclude = exclude;
  return { policy };
}

/** "Tags matching dev-* are removed when beyond the newest 3." */
export function policySummary(policy: RetentionPolicy): string {
  let which = policy.include.length ? `Tags matching ${policy.include.join(', ')}` : 'Every tag';
  if (policy.exclude.length) which += ` except ${policy.exclude.join(', ')}`;
  const verb = policy.include.length ? 'are' : 'is';
  const conditions: string[] = [];
  if (policy.keep_newest !== null) conditions.push(`beyond the newest ${policy.keep_newest}`);
  if (policy.older_than !== null) conditions.push(`pushed more than ${durationWords(policy.older_than)} ago`);
  return `${which} ${verb} removed when ${conditions.join(' and ')}.`;
}
