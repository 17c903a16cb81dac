import { describe, expect, it } from 'vitest';
import type { Vulnerability } from './api';
import {
  addIds,
  atOrAbove,
  countsText,
  filterFindings,
  hasPolicy,
  LimitedCache,
  matchesText,
  parseIds,
  policyText,
  sbomFileName,
  scanSummaryText,
  severityColor,
  severityLabel,
  severityRank,
  sortFindings,
  totalFindings,
  worstSeverity,
} from './vulnerabilities';

function finding(id: string, severity: string, pkg = 'openssl', aliases: string[] = []): Vulnerability {
  return {
    id,
    aliases,
    package: pkg,
    installed_version: '1.0-1',
    fixed_version: '',
    severity: severity as Vulnerability['severity'],
    ecosystem: 'Debian:12',
    summary: '',
  };
}

const ZERO = { critical: 0, high: 0, medium: 0, low: 0, none: 0, unknown: 0 };

describe('severities', () => {
  it('rank worst first, unknown below none, as the server orders them', () => {
    const ranked = ['unknown', 'low', 'critical', 'none', 'high', 'medium'].sort((a, b) => severityRank(b) - severityRank(a));
    expect(ranked).toEqual(['critical', 'high', 'medium', 'low', 'none', 'unknown']);
    expect(severityRank('catastrophic')).toBe(severityRank('unknown'));
  });

  it('filter at a threshold and above', () => {
    expect(atOrAbove('critical', 'high')).toBe(true);
    expect(atOrAbove('high', 'high')).toBe(true);
    expect(atOrAbove('medium', 'high')).toBe(false);
    expect(atOrAbove('unknown', 'low')).toBe(false);
    expect(atOrAbove('none', 'low')).toBe(false);
    expect(atOrAbove('unknown', 'all')).toBe(true);
    expect(atOrAbove('high', 'critical')).toBe(false);
  });

  it('have a label and a colour, grey and purple for none and unknown', () => {
    expect(severityLabel('high')).toBe('High');
    expect(severityColor('critical')).toBe('red');
    expect(severityColor('high')).toBe('orangered');
    expect(severityColor('none')).toBe('grey');
    expect(severityColor('something new')).toBe('purple');
  });
});

describe('findings', () => {
  const findings = [
    finding('DSA-2', 'medium', 'zlib1g'),
    finding('GHSA-aaaa', 'critical', 'requests'),
    finding('DSA-1', 'high', 'zlib1g', ['CVE-2099-0001']),
    finding('DSA-3', 'high', 'openssl'),
    finding('DSA-4', 'unknown', 'bash'),
  ];

  it('sort worst first, then by package and id, leaving the list as it was', () => {
    expect(sortFindings(findings).map((f) => f.id)).toEqual(['GHSA-aaaa', 'DSA-3', 'DSA-1', 'DSA-2', 'DSA-4']);
    expect(findings[0].id).toBe('DSA-2');
  });

  it('match text in the id, an alias or the package, in any case', () => {
    expect(matchesText(findings[2], 'cve-2099')).toBe(true);
    expect(matchesText(findings[2], 'ZLIB')).toBe(true);
    expect(matchesText(findings[2], 'dsa-1')).toBe(true);
    expect(matchesText(findings[2], 'openssl')).toBe(false);
    expect(matchesText(findings[2], '  ')).toBe(true);
  });

  it('filter by severity and text together', () => {
    expect(filterFindings(findings, 'high', '').map((f) => f.id)).toEqual(['GHSA-aaaa', 'DSA-3', 'DSA-1']);
    expect(filterFindings(findings, 'high', 'zlib').map((f) => f.id)).toEqual(['DSA-1']);
    expect(filterFindings(findings, 'all', 'CVE-2099-0001').map((f) => f.id)).toEqual(['DSA-1']);
    expect(filterFindings(findings, 'critical', 'zlib')).toEqual([]);
    expect(filterFindings(findings, 'all', '')).toHaveLength(5);
  });
});

describe('scan summaries', () => {
  it('list the counts worst first, leaving out zeros', () => {
    expect(countsText({ ...ZERO, high: 1, critical: 2, unknown: 3 })).toBe('2 critical, 1 high, 3 unknown');
    expect(countsText(ZERO)).toBe('None found');
    expect(countsText(null)).toBe('None found');
    expect(countsText({ medium: 4 })).toBe('4 medium');
  });

  it('count and find the worst', () => {
    expect(totalFindings({ ...ZERO, high: 1, low: 2 })).toBe(3);
    expect(totalFindings(undefined)).toBe(0);
    expect(worstSeverity({ ...ZERO, low: 2, medium: 1 })).toBe('medium');
    expect(worstSeverity(ZERO)).toBeNull();
  });

  it('say when a scan has not run or failed', () => {
    expect(scanSummaryText({ status: 'queued', summary: { ...ZERO, high: 1 } })).toBe('Queued');
    expect(scanSummaryText({ status: 'failed', summary: ZERO })).toBe('Scan failed');
    expect(scanSummaryText({ status: 'scanned', summary: { ...ZERO, critical: 2, high: 1 } })).toBe('2 critical, 1 high');
    expect(scanSummaryText({ status: 'scanned', summary: ZERO })).toBe('None found');
  });
});

describe('the SBOM file name', () => {
  it('is the repository with dashes and the short digest', () => {
    expect(sbomFileName('acme/team/app', 'sha256:0123456789abcdef0123456789abcdef')).toBe(
      'acme-team-app-0123456789ab.spdx.json',
    );
    expect(sbomFileName('app', 'sha512:fedcba9876543210')).toBe('app-fedcba987654.spdx.json');
  });
});

describe('vulnerability policies', () => {
  it('take ids separated by spaces or commas, each once', () => {
    expect(parseIds(' CVE-1, DSA-2\nCVE-1  GHSA-x ')).toEqual(['CVE-1', 'DSA-2', 'GHSA-x']);
    expect(parseIds(' , ')).toEqual([]);
    expect(addIds(['CVE-1'], 'CVE-2 CVE-1')).toEqual(['CVE-1', 'CVE-2']);
  });

  it('say what the policy does', () => {
    expect(hasPolicy({ block_severity: null, allow: [] })).toBe(false);
    expect(hasPolicy({ block_severity: null, allow: ['CVE-1'] })).toBe(true);
    expect(hasPolicy({ block_severity: 'low', allow: [] })).toBe(true);
    expect(policyText({ block_severity: 'high', allow: [] })).toBe(
      'Images with high or worse vulnerabilities are not served.',
    );
    expect(policyText({ block_severity: 'critical', allow: ['CVE-1'] })).toBe(
      'Images with critical or worse vulnerabilities are not served, unless each such finding is on the allow list (1 id).',
    );
    expect(policyText({ block_severity: null, allow: [] })).toBe('Images are served whatever their vulnerabilities.');
  });
});

describe('LimitedCache', () => {
  /** A load that finishes when the test says, counting how many run at once. */
  function gate() {
    const state = { running: 0, most: 0, started: [] as string[] };
    const finish = new Map<string, (v: string) => void>();
    const fail = new Map<string, (e: Error) => void>();
    const load = (key: string, value = key) => () => {
      state.running += 1;
      state.most = Math.max(state.most, state.running);
      state.started.push(key);
      return new Promise<string>((resolve, reject) => {
        finish.set(key, (v) => {
          state.running -= 1;
          resolve(v);
        });
        fail.set(key, (e) => {
          state.running -= 1;
          reject(e);
        });
      }).then(() => value);
    };
    return { state, load, finish, fail };
  }
  const tick = () => new Promise((r) => setTimeout(r, 0));

  it('runs at most `concurrency` loads at once, the rest in order', async () => {
    const cache = new LimitedCache<string>(2);
    const g = gate();
    const answers = ['a', 'b', 'c', 'd'].map((k) => cache.get(k, g.load(k)));
    await tick();
    expect(g.state.started).toEqual(['a', 'b']);
    g.finish.get('a')!('a');
    await tick();
    expect(g.state.started).toEqual(['a', 'b', 'c']);
    g.finish.get('b')!('b');
    await tick();
    g.finish.get('c')!('c');
    await tick();
    g.finish.get('d')!('d');
    expect(await Promise.all(answers)).toEqual(['a', 'b', 'c', 'd']);
    expect(g.state.most).toBe(2);
  });

  it('loads a key once, sharing the answer and keeping it', async () => {
    const cache = new LimitedCache<string>(1);
    let loads = 0;
    const load = async () => {
      loads += 1;
      return 'report';
    };
    const [first, second] = await Promise.all([cache.get('k', load), cache.get('k', load)]);
    expect([first, second, loads]).toEqual(['report', 'report', 1]);
    expect(await cache.get('k', load)).toBe('report');
    expect(loads).toBe(1);
    expect(cache.peek('k')).toBe('report');
    await cache.get('k', load, true);
    expect(loads).toBe(2);
  });

  it('does not keep what `keep` refuses nor failures, and a failure frees its slot', async () => {
    const cache = new LimitedCache<string>(1, (v) => v !== 'queued');
    expect(await cache.get('k', async () => 'queued')).toBe('queued');
    expect(cache.peek('k')).toBeUndefined();
    await expect(cache.get('e', async () => Promise.reject(new Error('404')))).rejects.toThrow('404');
    expect(cache.peek('e')).toBeUndefined();
    expect(await cache.get('k', async () => 'scanned')).toBe('scanned');
    expect(cache.peek('k')).toBe('scanned');
  });
});
