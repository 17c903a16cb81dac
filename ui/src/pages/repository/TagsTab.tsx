import { useState } from 'react';
import { Link } from 'react-router-dom';
import { Button, Toolbar, ToolbarContent, ToolbarItem, Tooltip } from '@patternfly/react-core';
import { Td, Tr } from '@patternfly/react-table';
import { SyncAltIcon } from '@patternfly/react-icons';
import { api, type Tag } from '../../api';
import {
  ConfirmItem,
  CopyButton,
  CursorPager,
  DataTable,
  Empty,
  LoadedList,
  RowActions,
  SearchField,
} from '../../components/common';
import { expiryText, formatTime, humanSize, platformsText, pullCommand, relativeTime, shortDigest } from '../../format';
import { useCursorPages, useLoad } from '../../hooks';
import { TagExpiryModal } from './TagExpiryModal';
import { newReportCache, TagVulnerabilities } from '../../components/TagVulnerabilities';

const PAGE_SIZE = 100;

export function TagsTab({
  repository,
  canWrite,
  onShowHistory,
  onChanged,
}: {
  repository: string;
  canWrite: boolean;
  onShowHistory: (tag: string) => void;
  onChanged: () => void;
}) {
  const [q, setQ] = useState('');
  const pages = useCursorPages<string>([q]);
  const after = pages.after;
  const [deleting, setDeleting] = useState<Tag | null>(null);
  const [expiring, setExpiring] = useState<Tag | null>(null);
  // A digest's report is asked for once while the tab stays open, and again after a reload.
  const [reports, setReports] = useState(newReportCache);

  const tags = useLoad(() => api.tags(repository, { q, after, limit: PAGE_SIZE }), [repository, q, after]);
  const rows = tags.data?.tags ?? [];
  const next = tags.data?.next ?? null;
  const host = window.location.host;

  return (
    <>
      <Toolbar>
        <ToolbarContent>
          <ToolbarItem>
            <SearchField label="Filter tags by name" placeholder="Filter tags" testId="tag-search" onSearch={setQ} />
          </ToolbarItem>
          <ToolbarItem>
            <Tooltip content="Reload tags">
              <Button
                variant="plain"
                aria-label="Reload tags"
                icon={<SyncAltIcon />}
                onClick={() => {
                  setReports(newReportCache());
                  tags.reload();
                }}
                data-testid="tags-reload"
              />
            </Tooltip>
          </ToolbarItem>
          <ToolbarItem align={{ default: 'alignEnd' }}>
            <CursorPager label="Tag pages" pages={pages} next={next === null ? null : String(next)} />
          </ToolbarItem>
        </ToolbarContent>
      </Toolbar>
      <LoadedList
        list={tags}
        count={rows.length}
        errorTitle="Could not list tags"
        empty={
          <div data-testid="tags-empty">
            <Empty title={q ? 'No tag matches' : 'No tags yet'}>
              {q ? 'Try another filter.' : `Push with: podman push ${host}/${repository}:<tag>`}
            </Empty>
          </div>
        }
      >
        <DataTable
          label="Tags"
          testId="tags-table"
          columns={[
            'Tag',
            'Digest',
            'Size',
            'OS/Arch',
            { title: 'Vulnerabilities', wrap: true },
            { title: 'Last pushed', wrap: true },
            'Expires',
            'Pull',
          ]}
          actions
        >
          {rows.map((tag) => (
            <Tr key={tag.name} data-testid={`tag-row-${tag.name}`}>
              <Td dataLabel="Tag" className="pier-mono">
                {tag.name}
              </Td>
              <Td dataLabel="Digest">
                <Link to={`/repository/${repository}@${tag.digest}`} className="pier-mono" title={tag.digest}>
                  {shortDigest(tag.digest)}
                </Link>{' '}
                <CopyButton text={tag.digest} label={`digest of ${tag.name}`} />
              </Td>
              <Td dataLabel="Size" modifier="nowrap">
                {humanSize(tag.size)}
              </Td>
              <Td dataLabel="OS/Arch">{platformsText(tag.platforms)}</Td>
              <Td dataLabel="Vulnerabilities" modifier="nowrap">
                <TagVulnerabilities cache={reports} repository={repository} digest={tag.digest} />
              </Td>
              <Td dataLabel="Last pushed">
                <span title={formatTime(tag.last_modified)}>{relativeTime(tag.last_modified)}</span>
              </Td>
              <Td dataLabel="Expires" modifier="nowrap">
                {tag.expires_at === null ? (
                  'never'
                ) : (
                  <span title={formatTime(tag.expires_at)}>{expiryText(tag.expires_at)}</span>
                )}
              </Td>
              <Td dataLabel="Pull">
                <code className="pier-mono pier-small">{pullCommand(host, repository, tag.name)}</code>
                <CopyButton text={pullCommand(host, repository, tag.name)} label={`pull command for ${tag.name}`} />
              </Td>
              <Td isActionCell>
                <RowActions
                  label={`Actions for ${tag.name}`}
                  items={[
                    { title: 'History', onClick: () => onShowHistory(tag.name) },
                    ...(canWrite
                      ? [
                          { title: 'Set expiry', onClick: () => setExpiring(tag) },
                          { title: 'Delete', isDanger: true, onClick: () => setDeleting(tag) },
                        ]
                      : []),
                  ]}
                />
              </Td>
            </Tr>
          ))}
        </DataTable>
      </LoadedList>
      <TagExpiryModal
        repository={repository}
        tag={expiring}
        onClose={() => setExpiring(null)}
        onSaved={() => tags.reload()}
      />
      <ConfirmItem
        item={deleting}
        title={(tag) => `Delete tag ${tag.name}?`}
        onClose={() => setDeleting(null)}
        onConfirm={async (tag) => {
          await api.deleteTag(repository, tag.name);
          tags.reload();
          onChanged();
        }}
      >
        {(tag) => (
          <>
            The tag goes away; the manifest {shortDigest(tag.digest)} stays in the repository and the tag can be
            restored from its history.
          </>
        )}
      </ConfirmItem>
    </>
  );
}
