// Vulnerability scanning as the pages show it: severities in order, the findings filtered, the
// one-line summary of a scan, the SBOM's file name, a policy's allow list, and the cache through
// which the tags table asks for one report per digest, a few at a time.

import type { BlockSeverity, ScanStatus, Severity, SeverityCounts, Vulnerability, VulnerabilityPolicy } from './api';

/** Worst first, as the server orders them (unknown sorts below none). */
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'none', 'unknown'];

/** The thresholds a namespace can block at, mildest first. */
export const BLOCK_SEVERITIES: readonly BlockSeverity[] = ['low', 'medium', 'high', 'critical'];

/** Higher is worse; a word the server may add later counts as unknown. */
export function severityRank(severity: string): number {
  const index = SEVERITIES.indexOf(severity as Severity);
  return index < 0 ? 0 : SEVERITIES.length - 1 - index;
}

export function severityLabel(severity: string): string {
  return severity ? severity[0].toUpperCase() + severity.slice(1) : 'Unknown';
}

export type LabelColor = 'red' | 'orangered' | 'orange' | 'yellow' | 'grey' | 'purple';

export const SEVERITY_COLORS: Record<Severity, LabelColor> = {
  critical: 'red',
  high: 'orangered',
  medium: 'orange',
  low: 'yellow',
  none: 'grey',
  unknown: 'purple',
};

export function severityColor(severity: string): LabelColor {
  return SEVERITY_COLORS[severity as Severity] ?? SEVERITY_COLORS.unknown;
}

/** The severity select of the findings table: everything, or a severity and worse. */
export type SeverityFilter = 'all' | BlockSeverity;

export const SEVERITY_FILTERS: { value: SeverityFilter; label: string }[] = [
  { value: 'all', label: 'All severities' },
  { value: 'critical', label: 'Critical only' },
  { value: 'high', label: 'High and above' },
  { value: 'medium', label: 'Medium and above' },
  { value: 'low', label: 'Low and above' },
];

export function atOrAbove(severity: string, minimum: SeverityFilter): boolean {
  return minimum === 'all' || severityRank(severity) >= severityRank(minimum);
}

/** Worst first; then by package and id, so the order is stable across reloads. */
export function sortFindings(findings: readonly Vulnerability[]): Vulnerability[] {
  return [...findings].sort(
    (a, b) =>
      severityRank(b.severity) - severityRank(a.severity) ||
      a.package.localeCompare(b.package) ||
      a.id.localeCompare(b.id),
  );
}

/** Whether `text` (any case) is in the finding's id, one of its aliases or its package's name. */
export function matchesText(finding: Vulnerability, text: string): boolean {
  const needle = text.trim().toLowerCase();
  if (!needle) return true;
  return [finding.id, finding.package, ...(finding.aliases ?? [])].some((s) => s.toLowerCase().includes(needle));
}

export function filterFindings(
  findings: readonly Vulnerability[],
  minimum: SeverityFilter,
  text: string,
): Vulnerability[] {
  return sortFindings(findings.filter((f) => atOrAbove(f.severity, minimum) && matchesText(f, text)));
}

export function totalFindings(counts: Partial<SeverityCounts> | null | undefined): number {
  return SEVERITIES.reduce((total, s) => total + (counts?.[s] ?? 0), 0);
}

/** The worst severity with a finding; null when there is none. */
export function worstSeverity(counts: Partial<SeverityCounts> | null | undefined): Severity | null {
  return SEVERITIES.find((s) => (counts?.[s] ?? 0) > 0) ?? null;
}

/** "2 critical, 1 high", worst first; "None found" when the scan found nothing. */
export function countsText(counts: Partial<SeverityCounts> | null | undefined): string {
  const parts = SEVERITIES.filter((s) => (counts?.[s] ?? 0) > 0).map((s) => `${counts?.[s]} ${s}`);
  return parts.length ? parts.join(', ') : 'None found';
}

/** A scan in one line, for the tags table. */
export function scanSummaryText(report: { status: ScanStatus; summary?: Partial<SeverityCounts> | null }): string {
  if (report.status === 'queued') return 'Queued';
  if (report.status === 'failed') return 'Scan failed';
  return countsText(report.summary);
}

/** `acme/team/app` and sha256:0123456789ab… → `acme-team-app-0123456789ab.spdx.json`. */
export function sbomFileName(repository: string, digest: string): string {
  const hex = digest.includes(':') ? digest.slice(digest.indexOf(':') + 1) : digest;
  const name = repository.replace(/\//g, '-');
  return `${name}-${hex.slice(0, 12)}.spdx.json`;
}

/** Ids typed into the allow list: separated by spaces or commas, each once. */
export function parseIds(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter(Boolean))];
}

/** `list` with the ids of `text` added at the end, those already in it left out. */
export function addIds(list: readonly string[], text: string): string[] {
  return [...list, ...parseIds(text).filter((id) => !list.includes(id))];
}

export function hasPolicy(policy: VulnerabilityPolicy | null | undefined): boolean {
  return !!policy && (policy.block_severity !== null || policy.allow.length > 0);
}

/** What a namespace's policy does, in a sentence. */
export function policyText(policy: VulnerabilityPolicy): string {
  // the server keeps no allow list without a severity to block at
  if (policy.block_severity === null) return 'Images are served whatever their vulnerabilities.';
  const allowed = policy.allow.length
    ? `, unless each such finding is on the allow list (${policy.allow.length} ${policy.allow.length === 1 ? 'id' : 'ids'})`
    : '';
  return `Images with ${policy.block_severity} or worse vulnerabilities are not served${allowed}.`;
}

/**
 * Loads by key, at most `concurrency` loads at a time, each key once: a second ask while the
 * first runs shares its answer, and later asks get the kept one. An answer `keep` refuses (a scan
 * still queued) and a failure are not kept, so the next ask loads again; `fresh` loads anew.
 */
export class LimitedCache<T> {
  private readonly kept = new Map<string, T>();
  private readonly running = new Map<string, Promise<T>>();
  private readonly waiting: (() => void)[] = [];
  private active = 0;

  constructor(
    private readonly concurrency: number,
    private readonly keep: (value: T) => boolean = () => true,
  ) {}

  get(key: string, load: () => Promise<T>, fresh = false): Promise<T> {
    if (!fresh && this.kept.has(key)) return Promise.resolve(this.kept.get(key) as T);
    const running = this.running.get(key);
    if (running) return running;
    const promise = this.slot()
      .then(load)
      .then(
        (value) => {
          if (this.keep(value)) this.kept.set(key, value);
          else this.kept.delete(key);
          return value;
        },
        (error) => {
          this.kept.delete(key);
          throw error;
        },
      )
      .finally(() => {
        this.running.delete(key);
        this.release();
      });
    this.running.set(key, promise);
    return promise;
  }

  /** The kept answer for `key`, if any, without loading. */
  peek(key: string): T | undefined {
    return this.kept.get(key);
  }

  clear(): void {
    this.kept.clear();
  }

  private slot(): Promise<void> {
    if (this.active < this.concurrency) {
      this.active += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      this.waiting.push(() => {
        this.active += 1;
        resolve();
      }),
    );
  }

  private release(): void {
    this.active -= 1;
    this.waiting.shift()?.();
  }
}
