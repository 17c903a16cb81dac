import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { Button, SearchInput, Toolbar, ToolbarContent, ToolbarItem, Tooltip } from '@patternfly/react-core';
import { ActionsColumn, Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { SyncAltIcon } from '@patternfly/react-icons';
import { api, type Tag } from '../../api';
import { ConfirmDelete, CopyButton, CursorPager, Empty, ErrorAlert, TableSkeleton } from '../../components/common';
import { formatTime, humanSize, platformsText, pullCommand, relativeTime, shortDigest } from '../../format';
import { useLoad } from '../../hooks';

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
  const [search, setSearch] = useState('');
  const [q, setQ] = useState('');
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [deleting, setDeleting] = useState<Tag | null>(null);
  const after = cursors[cursors.length - 1];

  useEffect(() => {
    const timer = setTimeout(() => setQ(search.trim()), 250);
    return () => clearTimeout(timer);
  }, [search]);
  useEffect(() => setCursors([null]), [q]);

  const tags = useLoad(() => api.tags(repository, { q, after, limit: PAGE_SIZE }), [repository, q, after]);
  const rows = tags.data?.tags ?? [];
  const next = tags.data?.next ?? null;
  const host = window.location.host;

  return (
    <>
      <Toolbar>
        <ToolbarContent>
          <ToolbarItem>
            <SearchInput
              aria-label="Filter tags by name"
              placeholder="Filter tags"
              value={search}
              onChange={(_e, v) => setSearch(v)}
              onClear={() => setSearch('')}
              data-testid="tag-search"
            />
          </ToolbarItem>
          <ToolbarItem>
            <Tooltip content="Reload tags">
              <Button
                variant="plain"
                aria-label="Reload tags"
                icon={<SyncAltIcon />}
                onClick={tags.reload}
                data-testid="tags-reload"
              />
            </Tooltip>
          </ToolbarItem>
          <ToolbarItem align={{ default: 'alignEnd' }}>
            <CursorPager
              label="Tag pages"
              page={cursors.length}
              hasNext={next !== null}
              onNext={() => next !== null && setCursors([...cursors, String(next)])}
              onPrevious={() => setCursors(cursors.slice(0, -1))}
            />
          </ToolbarItem>
        </ToolbarContent>
      </Toolbar>
      <ErrorAlert title="Could not list tags" error={tags.error} />
      {tags.loading && !tags.data ? (
        <TableSkeleton />
      ) : rows.length === 0 && !tags.error ? (
        <div data-testid="tags-empty">
          <Empty title={q ? 'No tag matches' : 'No tags yet'}>
            {q ? 'Try another filter.' : `Push with: podman push ${host}/${repository}:<tag>`}
          </Empty>
        </div>
      ) : (
        <div className="pier-table-scroll">
          <Table aria-label="Tags" variant="compact" data-testid="tags-table">
            <Thead>
              <Tr>
                <Th>Tag</Th>
                <Th>Digest</Th>
                <Th>Size</Th>
                <Th>OS/Arch</Th>
                <Th modifier="wrap">Last pushed</Th>
                <Th>Pull</Th>
                <Th screenReaderText="Actions" />
              </Tr>
            </Thead>
            <Tbody>
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
                  <Td dataLabel="Last pushed">
                    <span title={formatTime(tag.last_modified)}>{relativeTime(tag.last_modified)}</span>
                  </Td>
                  <Td dataLabel="Pull">
                    <code className="pier-mono pier-small">{pullCommand(host, repository, tag.name)}</code>
                    <CopyButton text={pullCommand(host, repository, tag.name)} label={`pull command for ${tag.name}`} />
                  </Td>
                  <Td isActionCell>
                    <ActionsColumn
                      aria-label={`Actions for ${tag.name}`}
                      items={[
                        { title: 'History', onClick: () => onShowHistory(tag.name) },
                        ...(canWrite
                          ? [{ title: 'Delete', isDanger: true, onClick: () => setDeleting(tag) }]
                          : []),
                      ]}
                    />
                  </Td>
                </Tr>
              ))}
            </Tbody>
          </Table>
        </div>
      )}
      <ConfirmDelete
        isOpen={deleting !== null}
        title={`Delete tag ${deleting?.name ?? ''}?`}
        onClose={() => setDeleting(null)}
        onConfirm={async () => {
          if (!deleting) return;
          await api.deleteTag(repository, deleting.name);
          tags.reload();
          onChanged();
        }}
      >
        The tag goes away; the manifest {shortDigest(deleting?.digest)} stays in the repository and the tag can be
        restored from its history.
      </ConfirmDelete>
    </>
  );
}
