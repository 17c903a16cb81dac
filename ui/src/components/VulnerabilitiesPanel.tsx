// The vulnerability scan of one manifest: its status, what the image holds, the findings by
// severity with filters, and the SBOM the scan made. A scan still queued is asked for again every
// 2 seconds until it has run.

import { useEffect, useState } from 'react';
import {
  Alert,
  Button,
  DescriptionList,
  FormSelect,
  FormSelectOption,
  Label,
  LabelGroup,
  SearchInput,
  Toolbar,
  ToolbarContent,
  ToolbarItem,
} from '@patternfly/react-core';
import { DownloadIcon } from '@patternfly/react-icons';
import { Td, Tr } from '@patternfly/react-table';
import { api, type ScanStatus, type SeverityCounts, type VulnerabilityReport } from '../api';
import { formatTime, relativeTime } from '../format';
import { useAction, useLoad } from '../hooks';
import {
  filterFindings,
  sbomFileName,
  SEVERITIES,
  SEVERITY_FILTERS,
  severityColor,
  severityLabel,
  type SeverityFilter,
} from '../vulnerabilities';
import { DataTable, Detail, Empty, ErrorAlert, Loading } from './common';

const POLL_MS = 2000;

/** Saves `blob` as a file named `name`, as a link with a download attribute would. */
export function saveFile(blob: Blob, name: string) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.style.display = 'none';
  document.body.appendChild(link);
  link.click();
  link.remove();
  // revoked once the browser has started the download
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function SeverityLabel({ severity }: { severity: string }) {
  return (
    <Label isCompact color={severityColor(severity)}>
      {severityLabel(severity)}
    </Label>
  );
}

function StatusLabel({ status }: { status: ScanStatus }) {
  if (status === 'scanned')
    return (
      <Label isCompact color="green">
        Scanned
      </Label>
    );
  if (status === 'failed')
    return (
      <Label isCompact color="red">
        Failed
      </Label>
    );
  return (
    <Label isCompact color="blue">
      Queued
    </Label>
  );
}

/** One label per severity found, worst first: "2 critical", "1 high". */
export function SeveritySummary({ counts }: { counts: Partial<SeverityCounts> | null | undefined }) {
  const found = SEVERITIES.filter((s) => (counts?.[s] ?? 0) > 0);
  if (found.length === 0) return <span data-testid="vulnerability-summary">None found</span>;
  return (
    <LabelGroup data-testid="vulnerability-summary" numLabels={SEVERITIES.length}>
      {found.map((s) => (
        <Label key={s} isCompact color={severityColor(s)} data-testid={`vulnerability-count-${s}`}>
          {counts?.[s]} {s}
        </Label>
      ))}
    </LabelGroup>
  );
}

function Findings({ report }: { report: VulnerabilityReport }) {
  const [minimum, setMinimum] = useState<SeverityFilter>('all');
  const [text, setText] = useState('');
  const all = report.vulnerabilities ?? [];
  const shown = filterFindings(all, minimum, text);
  if (all.length === 0) {
    return (
      <div data-testid="vulnerabilities-empty">
        <Empty title="No known vulnerabilities">
          {report.packages === 0
            ? 'Pier found no packages it knows how to check in this manifest.'
            : `None of its ${report.packages} packages has a vulnerability the database knows.`}
        </Empty>
      </div>
    );
  }
  return (
    <>
      <Toolbar>
        <ToolbarContent>
          <ToolbarItem>
            <FormSelect
              value={minimum}
              onChange={(_e, v) => setMinimum(v as SeverityFilter)}
              aria-label="Severity"
              data-testid="vulnerability-severity"
            >
              {SEVERITY_FILTERS.map((f) => (
                <FormSelectOption key={f.value} value={f.value} label={f.label} />
              ))}
            </FormSelect>
          </ToolbarItem>
          <ToolbarItem>
            <SearchInput
              aria-label="Filter vulnerabilities by id, alias or package"
              placeholder="Filter by id or package"
              value={text}
              onChange={(_e, v) => setText(v)}
              onClear={() => setText('')}
              data-testid="vulnerability-search"
            />
          </ToolbarItem>
          <ToolbarItem alignSelf="center">
            <span className="pier-small" aria-live="polite" data-testid="vulnerability-shown">
              {shown.length === all.length ? `${all.length} found` : `${shown.length} of ${all.length} shown`}
            </span>
          </ToolbarItem>
        </ToolbarContent>
      </Toolbar>
      {shown.length === 0 ? (
        <div data-testid="vulnerabilities-none-match">
          <Empty title="No vulnerability matches">Try another severity or filter.</Empty>
        </div>
      ) : (
        <DataTable
          label="Vulnerabilities"
          testId="vulnerabilities-table"
          columns={[
            'ID',
            'Package',
            'Installed',
            'Fixed',
            { title: 'Severity', wrap: true },
            { title: 'Ecosystem', wrap: true },
            { title: 'Summary', wrap: true },
          ]}
        >
          {shown.map((v, i) => (
            <Tr key={`${v.id}-${v.package}-${v.installed_version}-${i}`} data-testid={`vulnerability-row-${v.id}`}>
              <Td dataLabel="ID" modifier="nowrap">
                <div className="pier-mono">{v.id}</div>
                {v.aliases?.length > 0 && (
                  <div className="pier-mono pier-small" title="Aliases">
                    {v.aliases.join(', ')}
                  </div>
                )}
              </Td>
              <Td dataLabel="Package" className="pier-mono">
                {v.package}
              </Td>
              <Td dataLabel="Installed" className="pier-mono" modifier="nowrap">
                {v.installed_version}
              </Td>
              <Td dataLabel="Fixed" className="pier-mono" modifier="nowrap">
                {v.fixed_version || <span className="pier-small">no fix</span>}
              </Td>
              <Td dataLabel="Severity">
                <SeverityLabel severity={v.severity} />
              </Td>
              <Td dataLabel="Ecosystem">{v.ecosystem}</Td>
              <Td dataLabel="Summary" className="pier-small">
                {v.summary}
              </Td>
            </Tr>
          ))}
        </DataTable>
      )}
    </>
  );
}

export function VulnerabilitiesPanel({ repository, digest }: { repository: string; digest: string }) {
  const report = useLoad(() => api.vulnerabilities(repository, digest), [repository, digest]);
  // The database's size tells "none found" from "nothing to compare with"; who may not read it
  // is not told.
  const database = useLoad(() => api.vulnerabilityDatabase().catch(() => null), []);
  const download = useAction();
  const r = report.data;
  const queued = r?.status === 'queued';

  const { reload, loading } = report;
  useEffect(() => {
    if (!queued || loading) return;
    const timer = setTimeout(reload, POLL_MS);
    return () => clearTimeout(timer);
  }, [queued, loading, reload]);

  if (report.loading && !r) return <Loading label="Loading the vulnerability report" />;
  if (!r) return <ErrorAlert title="Could not read the vulnerability report" error={report.error} />;

  const saveSbom = () =>
    download.run(async () => saveFile(await api.sbom(repository, digest), sbomFileName(repository, digest)));

  return (
    <div className="pier-stack" data-testid="vulnerabilities-panel">
      <DescriptionList isHorizontal isCompact data-testid="vulnerability-details">
        <Detail term="Status">
          <span data-testid="vulnerability-status">
            <StatusLabel status={r.status} />
          </span>
        </Detail>
        {r.status !== 'queued' && (
          <Detail term="Scanned">
            <span title={formatTime(r.scanned_at)}>{relativeTime(r.scanned_at)}</span>
          </Detail>
        )}
        {r.status === 'scanned' && (
          <>
            <Detail term="Packages">{r.packages}</Detail>
            <Detail term="OS">{r.os ?? 'not known'}</Detail>
            <Detail term="Vulnerabilities">
              <SeveritySummary counts={r.summary} />
            </Detail>
          </>
        )}
      </DescriptionList>
      {/* a reload failing while the old report shows: said, the report kept */}
      <ErrorAlert title="Could not read the vulnerability report" error={report.error} />
      {queued && (
        <p className="pier-small" data-testid="vulnerability-queued">
          Pier scans new images in the background; this page shows the result as soon as the scan has run.
        </p>
      )}
      {r.status === 'failed' && (
        <Alert variant="danger" isInline title="The scan failed" data-testid="vulnerability-failed">
          {r.error || 'Pier did not say why.'}
        </Alert>
      )}
      {r.status === 'scanned' && database.data?.records === 0 && (
        <Alert variant="info" isInline isPlain title="The vulnerability database is empty" data-testid="vulnerability-db-empty">
          Nothing can be found until a superuser imports OSV records (pier vuln import).
        </Alert>
      )}
      {r.sbom && (
        <div>
          <Button
            variant="secondary"
            icon={<DownloadIcon />}
            onClick={saveSbom}
            isLoading={download.busy}
            isDisabled={download.busy}
            data-testid="sbom-download"
          >
            Download SBOM
          </Button>
          <ErrorAlert title="Could not download the SBOM" error={download.error} />
        </div>
      )}
      {r.status === 'scanned' && <Findings report={r} />}
    </div>
  );
}
