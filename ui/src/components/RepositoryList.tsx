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
  ModalHeader,
  Radio,
  TextInput,
  Toolbar,
  ToolbarContent,
  ToolbarItem,
} from '@patternfly/react-core';
import { Td, Tr } from '@patternfly/react-table';
import { api, type Repository } from '../api';
import { relativeTime } from '../format';
import { useAction, useCursorPages, useLoad } from '../hooks';
import { useUser } from '../session';
import { CursorPager, DataTable, Empty, ErrorAlert, FormModalFooter, LoadedList, SearchField } from './common';

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
  const { busy, error, run, clearError } = useAction();
  const chosenNs = namespace ?? (ns || namespaces[0]);

  useEffect(() => {
    if (isOpen) {
      setName('');
      setPublic(false);
      clearError();
    }
  }, [isOpen, clearError]);

  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    void run(async () => {
      const created = await api.createRepository(`${chosenNs}/${name.trim()}`, isPublic);
      onClose();
      navigate(`/repository/${created.name}`);
    });
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
      <FormModalFooter
        form="create-repository-form"
        label="Create"
        busy={busy}
        canSubmit={!!name.trim() && !!chosenNs}
        testId="repo-create-submit"
        onCancel={onClose}
      />
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
  const [q, setQ] = useState('');
  const [nsFilter, setNsFilter] = useState(initialNamespace);
  const [creating, setCreating] = useState(false);
  const ns = namespace ?? nsFilter;
  const pages = useCursorPages<string>([q, ns]);
  const after = pages.after;

  const list = useLoad(() => api.repositories({ namespace: ns, q, after, limit: PAGE_SIZE }), [ns, q, after]);
  const rows: Repository[] = list.data?.repositories ?? [];
  const next = list.data?.next ?? null;

  return (
    <>
      <Toolbar>
        <ToolbarContent>
          <ToolbarItem>
            <SearchField
              label="Search repositories by name"
              placeholder="Search by name"
              testId="repo-search"
              onSearch={setQ}
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
            <CursorPager label="Repository pages" pages={pages} next={next === null ? null : String(next)} />
          </ToolbarItem>
        </ToolbarContent>
      </Toolbar>
      <LoadedList
        list={list}
        count={rows.length}
        errorTitle="Could not list repositories"
        empty={
          <Empty title="No repositories">
            {q || ns ? 'None match the filter.' : 'Push an image or create a repository to start.'}
          </Empty>
        }
      >
        <DataTable
          label="Repositories"
          testId="repositories-table"
          columns={['Name', 'Visibility', 'Tags', 'Last modified']}
        >
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
        </DataTable>
      </LoadedList>
      <CreateRepositoryModal isOpen={creating} namespace={namespace} onClose={() => setCreating(false)} />
    </>
  );
}
