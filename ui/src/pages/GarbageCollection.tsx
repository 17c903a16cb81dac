import { useState } from 'react';
import {
  Button,
  Card,
  CardBody,
  CardTitle,
  DescriptionList,
  Flex,
  PageSection,
  Title,
  Tooltip,
} from '@patternfly/react-core';
import { SyncAltIcon } from '@patternfly/react-icons';
import { api, type GcReport } from '../api';
import { Detail, ErrorAlert, Loading } from '../components/common';
import { durationWords, elapsedText, formatTime, humanSize, relativeTime } from '../format';
import { useAction, useLoad, usePageTitle } from '../hooks';

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function GcResult({ report }: { report: GcReport }) {
  const nothing = report.manifests_deleted === 0 && report.blobs_deleted === 0 && report.links_deleted === 0;
  const title = report.dry_run
    ? nothing
      ? 'Dry run: a collection now would remove nothing'
      : 'Dry run: a collection now would remove'
    : nothing
      ? 'Collected: nothing was left to remove'
      : 'Collected';
  return (
    <Card isPlain data-testid="gc-result">
      <CardTitle component="h2" data-testid="gc-result-title">
        {title}
      </CardTitle>
      <CardBody>
        <DescriptionList isCompact columnModifier={{ default: '2Col', lg: '3Col' }} data-testid="gc-result-details">
          <Detail term="Manifests">{report.manifests_deleted}</Detail>
          <Detail term="Blob links">{report.links_deleted}</Detail>
          <Detail term="Blobs">{report.blobs_deleted}</Detail>
          <Detail term="Blob store space">{humanSize(report.bytes_freed)}</Detail>
          <Detail term="Database space">{humanSize(report.database_bytes_freed)}</Detail>
          <Detail term="Took">{elapsedText(report.seconds)}</Detail>
        </DescriptionList>
      </CardBody>
    </Card>
  );
}

/** Garbage collection, for superusers: its settings, what it removed so far, and a run on demand. */
export function GarbageCollectionPage() {
  usePageTitle('Garbage collection');
  const status = useLoad(() => api.gc(), []);
  const [report, setReport] = useState<GcReport | null>(null);
  const { busy, error, run } = useAction();
  const [running, setRunning] = useState<'dry' | 'real' | null>(null);

  const collect = (dryRun: boolean) => {
    setReport(null);
    setRunning(dryRun ? 'dry' : 'real');
    void run(async () => {
      try {
        setReport(await api.runGc(dryRun));
      } finally {
        setRunning(null);
        status.reload();
      }
    });
  };

  const s = status.data;
  return (
    <PageSection>
      <Title headingLevel="h1">Garbage collection</Title>
      <div className="pier-stack" style={{ marginTop: '1rem' }}>
        <p>
          Removes manifests no tag has pointed to for longer than their namespace's history window, then the blobs nothing
          links any more. It runs by itself at regular intervals; a dry run counts what a collection would remove now,
          and removes nothing.
        </p>
        <Flex gap={{ default: 'gapSm' }}>
          <Button
            variant="secondary"
            onClick={() => collect(true)}
            isLoading={running === 'dry'}
            isDisabled={busy}
            data-testid="gc-dry-run"
          >
            Dry run
          </Button>
          <Button
            onClick={() => collect(false)}
            isLoading={running === 'real'}
            isDisabled={busy}
            data-testid="gc-collect"
          >
            Collect now
          </Button>
        </Flex>
        <ErrorAlert title="The collection did not run" error={error} />
        {report && <GcResult report={report} />}

        <Card isPlain data-testid="gc-status">
          <CardTitle component="h2">
            <Flex alignItems={{ default: 'alignItemsCenter' }} gap={{ default: 'gapSm' }}>
              <span>Since this server started</span>
              <Tooltip content="Reload">
                <Button
                  variant="plain"
                  aria-label="Reload garbage collection status"
                  icon={<SyncAltIcon />}
                  onClick={status.reload}
                  data-testid="gc-reload"
                />
              </Tooltip>
            </Flex>
          </CardTitle>
          <CardBody>
            <ErrorAlert title="Could not read the garbage collection status" error={status.error} />
            {status.loading && !s ? (
              <Loading label="Loading garbage collection status" />
            ) : (
              s && (
                <DescriptionList isCompact columnModifier={{ default: '2Col', lg: '3Col' }} data-testid="gc-status-details">
                  <Detail term="Runs">
                    {plural(s.runs, 'run')}
                    {s.failures > 0 ? `, ${plural(s.failures, 'failure')}` : ', no failures'}
                  </Detail>
                  <Detail term="Last run">
                    {s.last_run_at ? (
                      <span title={formatTime(s.last_run_at)}>
                        {relativeTime(s.last_run_at)}, took {elapsedText(s.last_run_seconds)}
                      </span>
                    ) : (
                      'never'
                    )}
                  </Detail>
                  <Detail term="Manifests deleted">{s.manifests_deleted}</Detail>
                  <Detail term="Blobs deleted">{s.blobs_deleted}</Detail>
                  <Detail term="Blob store space freed">{humanSize(s.bytes_freed)}</Detail>
                  <Detail term="History window">{durationWords(s.history_window)} (each namespace may set its own)</Detail>
                  <Detail term="Blob grace">{durationWords(s.blob_grace)}</Detail>
                </DescriptionList>
              )
            )}
          </CardBody>
        </Card>
      </div>
    </PageSection>
  );
}
