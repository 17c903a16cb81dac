import { describe, expect, it } from 'vitest';
import { EMPTY_RETENTION_FORM, formOfPolicy, policyOfForm, policySummary } from './lifecycle';

describe('retention policies', () => {
  it('shows a policy in the form, older_than as a duration', () => {
    expect(formOfPolicy(null)).toEqual(EMPTY_RETENTION_FORM);
    expect(formOfPolicy({ keep_newest: 5, older_than: 2592000, include: ['dev-*', 'pr-*'], exclude: ['v*'] })).toEqual({
      keepNewest: '5',
      olderThan: '30d',
      include: 'dev-* pr-*',
      exclude: 'v*',
    });
  });

  it('turns the form into the policy to set', () => {
    expect(policyOfForm({ keepNewest: '3', olderThan: '', include: 'dev-*', exclude: '' })).toEqual({
      policy: { keep_newest: 3, include: ['dev-*'] },
    });
    expect(policyOfForm({ keepNewest: '', olderThan: '720h', include: '', exclude: 'v* latest' })).toEqual({
      policy: { older_than: '30d', exclude: ['v*', 'latest'] },
    });
    expect(policyOfForm({ keepNewest: '0', olderThan: '2w', include: '', exclude: '' })).toEqual({
      policy: { keep_newest: 0, older_than: '2w' },
    });
  });

  it('refuses a form the server would refuse', () => {
    expect(policyOfForm(EMPTY_RETENTION_FORM)).toEqual({ error: 'Give keep the newest, older than or both' });
    expect(policyOfForm({ ...EMPTY_RETENTION_FORM, include: 'dev-*' })).toHaveProperty('error');
    expect(policyOfForm({ ...EMPTY_RETENTION_FORM, keepNewest: 'five' })).toHaveProperty('error');
    expect(policyOfForm({ ...EMPTY_RETENTION_FORM, keepNewest: '1000001' })).toHaveProperty('error');
    expect(policyOfForm({ ...EMPTY_RETENTION_FORM, olderThan: '30 days' })).toHaveProperty('error');
    expect(policyOfForm({ ...EMPTY_RETENTION_FORM, olderThan: '0d' })).toHaveProperty('error');
  });

  it('says what a policy does', () => {
    expect(policySummary({ keep_newest: 1, older_than: null, include: ['dev-*'], exclude: [] })).toBe(
      'Tags matching dev-* are removed when beyond the newest 1.',
    );
    expect(policySummary({ keep_newest: null, older_than: 2592000, include: [], exclude: ['v*', 'latest'] })).toBe(
      'Every tag except v*, latest is removed when pushed more than 30 days ago.',
    );
    expect(policySummary({ keep_newest: 10, older_than: 604800, include: [], exclude: [] })).toBe(
      'Every tag is removed when beyond the newest 10 and pushed more than 1 week ago.',
    );
  });
});
