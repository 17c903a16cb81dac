// A tag's vulnerabilities in one line, for the tags table. Each cell asks once it scrolls into
// view, through a cache the table shares: a digest under several tags is asked for once, and at
// most a few reports load at a time. A scan still queued is asked for again every few seconds.

import { useEffect, useRef, useState, type RefObject } from 'react';
import { Label, Spinner } from '@patternfly/react-core';
import { api, type VulnerabilityReport } from '../api';
import { messageOf } from './common';
import { LimitedCache, scanSummaryText, severityColor, worstSeverity } from '../vulnerabilities';

const CONCURRENCY = 3;
const REQUEUE_MS = 5000;

export type ReportCache = LimitedCache<VulnerabilityReport>;

/** A cache for one table: reports kept once scanned, a queued one asked for again. */
export function newReportCache(): ReportCache {
  return new LimitedCache<VulnerabilityReport>(CONCURRENCY, (r) => r.status !== 'queued');
}

/** Whether the element has been on screen (true from then on). */
function useSeen(ref: RefObject<Element>): boolean {
  const [seen, setSeen] = useState(typeof IntersectionObserver === 'undefined');
  useEffect(() => {
    if (seen || !ref.current) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) setSeen(true);
    });
    observer.observe(ref.current);
    return () => observer.disconnect();
  }, [seen, ref]);
  return seen;
}

export function TagVulnerabilities({
  cache,
  repository,
  digest,
}: {
  cache: ReportCache;
  repository: string;
  digest: string;
}) {
  const ref = useRef<HTMLSpanElement>(null);
  const seen = useSeen(ref);
  const key = `${repository}@${digest}`;
  const [report, setReport] = useState<VulnerabilityReport | undefined>(() => cache.peek(key));
  const [error, setError] = useState<unknown>(null);
  const [round, setRound] = useState(0);

  useEffect(() => {
    if (!seen) return;
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    cache.get(key, () => api.vulnerabilities(repository, digest)).then(
      (r) => {
        if (!live) return;
        setReport(r);
        setError(null);
        if (r.status === 'queued') timer = setTimeout(() => setRound((n) => n + 1), REQUEUE_MS);
      },
      (e) => live && setError(e),
    );
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [seen, cache, key, repository, digest, round]);

  let content;
  if (report) {
    const worst = report.status === 'scanned' ? worstSeverity(report.summary) : null;
    const text = scanSummaryText(report);
    content = worst ? (
      <Label isCompact color={severityColor(worst)}>
        {text}
      </Label>
    ) : (
      <span title={report.status === 'failed' ? (report.error ?? undefined) : undefined}>{text}</span>
    );
  } else if (error) {
    content = <span title={messageOf(error)}>—</span>;
  } else {
    content = <Spinner size="sm" aria-label="Loading vulnerabilities" />;
  }
  return (
    <span ref={ref} data-testid="tag-vulnerabilities">
      {content}
    </span>
  );
}
