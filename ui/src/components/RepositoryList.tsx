import { useEffect, useId, useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import {
  Button,
  Form,
  FormGroup,
  FormSelect,
  FormSelectOption,
  Label,
  Modal,
  ModalBody,
  ModalFooter,
  ModalHeader,
  Radio,
  SearchInput,
  TextInput,
  Toolbar,
  ToolbarContent,
  ToolbarItem,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { api, type Repository } from '../api';
import { relativeTime } from '../format';
import { useLoad } from '../hooks';
import { useUser } from '../session';
import { CursorPager, Empty, ErrorAlert, TableSkeleton } from './common';

const PAGE_SIZE = 50;

/** The namespaces the user can pick: their own and their organizations. */
export function useNamespaces(): string[] {
  const user = useUser();
  const orgs = useLoad(() => api.organizations(), []);
  const names = orgs.data?.organizations.map((o) => o.name) ?? [];
  return [user.name, ...names.filter((n) => n !== user.name)];
}

export function CreateRepositoryModal({
  isOpen,
  namespace,
  onClose,
}: {
  isOpen: boolean;
  namespace?: string;
  onClose: () => void;
}) {
  const namespaces = useNamespaces();
  const navigate = useNavigate();
  const titleId = useId();
  const [ns, setNs] = useState(namespace ?? '');
  const [name, setName] = useState('');
  const [isPublic, setPublic] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const chosenNs = namespace ?? (ns || namespaces[0]);

  useEffect(() => {
    if (isOpen) {
      setName('');
      setPublic(false);
      setError(null);
    }
  }, [isOpen]);

  const submit = async (e?: FormEvent) => {
    e?.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const created = await api.createRepository(`${chosenNs}/${name.trim()}`, isPublic);
      onClose();
      navigate(`/repository/${created.name}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal variant="small" isOpen={isOpen} onClose={onClose} aria-labelledby={titleId} data-testid="create-repository-dialog">
      <ModalHeader title="Create repository" labelId={titleId} />
      <ModalBody>
        <ErrorAlert title="Could not create the repository" error={error} />
        <Form id="create-repository-form" onSubmit={submit}>
          <FormGroup label="Namespace" fieldId="repo-namespace" isRequired>
            <FormSelect
              id="repo-namespace"
              value={chosenNs}
              isDisabled={!!namespace}
              onChange={(_e, v) => setNs(v)}
              data-testid="repo-namespace"
            >
              {(namespace ? [namespace] : namespaces).map((n) => (
                <FormSelectOption key={n} value={n} label={n} />
              ))}
            </FormSelect>
          </FormGroup>
          <FormGroup label="Repository name" fieldId="repo-name" isRequired>
            <TextInput
              id="repo-name"
              isRequired
              value={name}
              placeholder="app or team/app"
              onChange={(_e, v) => setName(v)}
              data-testid="repo-name"
            />
          </FormGroup>
          <FormGroup label="Visibility" role="radiogroup" fieldId="repo-visibility" isInline>
            <Radio
              id="repo-private"
              name="repo-visibility"
              label="Private"
              description="Only those granted access may pull"
              isChecked={!isPublic}
              onChange={() => setPublic(false)}
            />
            <Radio
              id="repo-public"
              name="repo-visibility"
              label="Public"
              description="Anyone may pull, without signing in"
              isChecked={isPublic}
              onChange={() => setPublic(true)}
            />
          </FormGroup>
        </Form>
      </ModalBody>
      <ModalFooter>
        <Button
          type="submit"
          form="create-repository-form"
          isLoading={busy}
          isDisabled={busy || !name.trim() || !chosenNs}
          data-testid="repo-create-submit"
        >
          Create
        </Button>
        <Button variant="link" onClick={onClose}>
          Cancel
        </Button>
      </ModalFooter>
    </Modal>
  );
}

export function VisibilityLabel({ isPublic }: { isPublic: boolean }) {
  return isPublic ? (
    <Label color="green" isCompact>
      public
    </Label>
  ) : (
    <Label isCompact>private</Label>
  );
}

/** Repositories the user may pull, searchable; `namespace` fixes the namespace filter. */
export function RepositoryList({
  namespace,
  initialNamespace = '',
  onNamespaceChange,
}: {
  namespace?: string;
  initialNamespace?: string;
  onNamespaceChange?: (namespace: string) => void;
}) {
  const namespaces = useNamespaces();
  const [search, setSearch] = useState('');
  const [q, setQ] = useState('');
  const [nsFilter, setNsFilter] = useState(initialNamespace);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [creating, setCreating] = useState(false);
  const ns = namespace ?? nsFilter;
  const after = cursors[cursors.length - 1];

  // a new filter starts again from the first page
  useEffect(() => setCursors([null]), [q, ns]);
  useEffect(() => {
    const timer = setTimeout(() => setQ(search.trim()), 250);
    return () => clearTimeout(timer);
  }, [search]);

  const list = useLoad(() => api.repositories({ namespace: ns, q, after, limit: PAGE_SIZE }), [ns, q, after]);
  const rows: Repository[] = list.data?.repositories ?? [];
  const next = list.data?.next ?? null;
  const page = cursors.length;

  return (
    <>
      <Toolbar>
        <ToolbarContent>
          <ToolbarItem>
            <SearchInput
              aria-label="Search repositories by name"
              placeholder="Search by name"
              value={search}
              onChange={(_e, v) => setSearch(v)}
              onClear={() => setSearch('')}
              data-testid="repo-search"
            />
          </ToolbarItem>
          {!namespace && (
            <ToolbarItem>
              <FormSelect
                aria-label="Namespace"
                value={nsFilter}
                onChange={(_e, v) => {
                  setNsFilter(v);
                  onNamespaceChange?.(v);
                }}
                data-testid="repo-namespace-filter"
              >
                <FormSelectOption value="" label="All namespaces" />
                {namespaces.map((n) => (
                  <FormSelectOption key={n} value={n} label={n} />
                ))}
              </FormSelect>
            </ToolbarItem>
          )}
          <ToolbarItem>
            <Button onClick={() => setCreating(true)} data-testid="repo-create">
              Create repository
            </Button>
          </ToolbarItem>
          <ToolbarItem variant="pagination" align={{ default: 'alignEnd' }}>
            <CursorPager
              label="Repository pages"
              page={page}
              hasNext={next !== null}
              onNext={() => next !== null && setCursors([...cursors, String(next)])}
              onPrevious={() => setCursors(cursors.slice(0, -1))}
            />
          </ToolbarItem>
        </ToolbarContent>
      </Toolbar>
      <ErrorAlert title="Could not list repositories" error={list.error} />
      {list.loading && !list.data ? (
        <TableSkeleton />
      ) : rows.length === 0 && !list.error ? (
        <Empty title="No repositories">
          {q || ns ? 'None match the filter.' : 'Push an image or create a repository to start.'}
        </Empty>
      ) : (
        <div className="pier-table-scroll">
          <Table aria-label="Repositories" variant="compact" data-testid="repositories-table">
            <Thead>
              <Tr>
                <Th>Name</Th>
                <Th>Visibility</Th>
                <Th>Tags</Th>
                <Th>Last modified</Th>
              </Tr>
            </Thead>
            <Tbody>
              {rows.map((r) => (
                <Tr key={r.name} data-testid={`repo-row-${r.name}`}>
                  <Td dataLabel="Name">
                    <Link to={`/repository/${r.name}`}>{r.name}</Link>
                  </Td>
                  <Td dataLabel="Visibility">
                    <VisibilityLabel isPublic={r.public} />
                  </Td>
                  <Td dataLabel="Tags">{r.tag_count}</Td>
                  <Td dataLabel="Last modified">{relativeTime(r.last_modified)}</Td>
                </Tr>
              ))}
            </Tbody>
          </Table>
        </div>
      )}
      <CreateRepositoryModal isOpen={creating} namespace={namespace} onClose={() => setCreating(false)} />
    </>
  );
}
