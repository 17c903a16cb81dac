import { useEffect, useState, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import { Alert, Button, Form, FormGroup, TextInput, Toolbar, ToolbarContent, ToolbarItem } from '@patternfly/react-core';
import { Td, Tr } from '@patternfly/react-table';
import { api, type TagMove } from '../../api';
import { DataTable, Empty, ErrorAlert, TableSkeleton } from '../../components/common';
import { formatTime, shortDigest } from '../../format';

function DigestLink({ repository, digest }: { repository: string; digest: string | null }) {
  if (!digest) return <em>none</em>;
  return (
    <Link to={`/repository/${repository}@${digest}`} className="pier-mono" title={digest}>
      {shortDigest(digest)}
    </Link>
  );
}

export function HistoryTab({
  repository,
  canWrite,
  initialTag,
}: {
  repository: string;
  canWrite: boolean;
  initialTag: string;
}) {
  const [input, setInput] = useState(initialTag);
  const [tag, setTag] = useState(initialTag);
  const [history, setHistory] = useState<TagMove[] | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [restored, setRestored] = useState<string | null>(null);
  const [restoring, setRestoring] = useState<string | null>(null);

  const load = async (name: string) => {
    if (!name) return;
    setLoading(true);
    setError(null);
    try {
      setHistory((await api.tagHistory(repository, name)).history);
    } catch (e) {
      setHistory(null);
      setError(e);
    } finally {
      setLoading(false);
    }
  };

  useEffect(() => {
    void load(tag);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [repository, tag]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setRestored(null);
    if (input.trim() === tag) void load(tag);
    else setTag(input.trim());
  };

  const restore = async (digest: string) => {
    setRestoring(digest);
    setError(null);
    setRestored(null);
    try {
      await api.putTag(repository, tag, digest);
      setRestored(digest);
      await load(tag);
    } catch (e) {
      setError(e);
    } finally {
      setRestoring(null);
    }
  };

  // newest first: the first move says where the tag points now
  const current = history?.[0]?.new_digest ?? null;

  return (
    <>
      <Toolbar>
        <ToolbarContent>
          <ToolbarItem>
            <Form onSubmit={submit} isHorizontal={false} style={{ display: 'flex', gap: '0.5rem', alignItems: 'end' }}>
              <FormGroup label="Tag" fieldId="history-tag">
                <TextInput
                  id="history-tag"
                  value={input}
                  onChange={(_e, v) => setInput(v)}
                  placeholder="latest"
                  data-testid="history-tag"
                />
              </FormGroup>
              <Button type="submit" variant="secondary" isDisabled={!input.trim()} data-testid="history-show">
                Show history
              </Button>
            </Form>
          </ToolbarItem>
        </ToolbarContent>
      </Toolbar>
      {restored && (
        <Alert variant="success" isInline title={`${tag} now points to ${shortDigest(restored)}`} className="pier-alert" />
      )}
      <ErrorAlert title="Tag history" error={error} />
      {!tag ? (
        <Empty title="Choose a tag">Type a tag name, or pick History on a tag in the tags table.</Empty>
      ) : loading && !history ? (
        <TableSkeleton />
      ) : history && history.length === 0 ? (
        <Empty title="No history">The tag {tag} was never set in this repository.</Empty>
      ) : history ? (
        <DataTable label={`History of ${tag}`} testId="history-table" columns={['When', 'From', 'To']} actions>
          {history.map((move, i) => (
            <Tr key={`${move.changed_at}-${i}`}>
              <Td dataLabel="When">{formatTime(move.changed_at)}</Td>
              <Td dataLabel="From">
                <DigestLink repository={repository} digest={move.old_digest} />
              </Td>
              <Td dataLabel="To">
                {move.new_digest ? <DigestLink repository={repository} digest={move.new_digest} /> : <em>deleted</em>}
              </Td>
              <Td isActionCell>
                {canWrite && move.new_digest && move.new_digest !== current && (
                  <Button
                    variant="secondary"
                    size="sm"
                    isLoading={restoring === move.new_digest}
                    isDisabled={restoring !== null}
                    onClick={() => restore(move.new_digest!)}
                    aria-label={`Restore ${tag} to ${shortDigest(move.new_digest)}`}
                  >
                    Restore
                  </Button>
                )}
                {move.new_digest && move.new_digest === current && i === 0 && <span>current</span>}
              </Td>
            </Tr>
          ))}
        </DataTable>
      ) : null}
    </>
  );
}
