import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router-dom';
import {
  Alert,
  Button,
  Card,
  CardBody,
  CardTitle,
  Form,
  FormGroup,
  FormHelperText,
  FormSelect,
  FormSelectOption,
  HelperText,
  HelperTextItem,
  Switch,
  TextInput,
} from '@patternfly/react-core';
import { Td, Tr } from '@patternfly/react-table';
import { api, type Permission, type RepoRole, type Repository, type SubjectKind } from '../../api';
import { ConfirmDelete, ConfirmItem, DataTable, Empty, ErrorAlert, TableSkeleton } from '../../components/common';
import { useAction, useLoad } from '../../hooks';

const KINDS: SubjectKind[] = ['user', 'team', 'robot'];
const ROLES: RepoRole[] = ['read', 'write', 'admin'];

/** A select among plain words, each shown as itself; `id` also marks it for tests. */
function ChoiceField<T extends string>({
  label,
  id,
  value,
  choices,
  onChange,
}: {
  label: string;
  id: string;
  value: T;
  choices: T[];
  onChange: (value: T) => void;
}) {
  return (
    <FormGroup label={label} fieldId={id}>
      <FormSelect id={id} value={value} onChange={(_e, v) => onChange(v as T)} data-testid={id}>
        {choices.map((c) => (
          <FormSelectOption key={c} value={c} label={c} />
        ))}
      </FormSelect>
    </FormGroup>
  );
}

function Visibility({ repository, onChanged }: { repository: Repository; onChanged: () => void }) {
  const { busy, error, run } = useAction();
  const toggle = (checked: boolean) =>
    run(async () => {
      await api.setVisibility(repository.name, checked);
      onChanged();
    });
  return (
    <Card isPlain>
      <CardTitle component="h2">Visibility</CardTitle>
      <CardBody>
        <ErrorAlert title="Could not change the visibility" error={error} />
        <Switch
          id="repo-public-switch"
          label="Public: anyone may pull without signing in"
          isChecked={repository.public}
          isDisabled={busy}
          onChange={(_e, checked) => toggle(checked)}
          data-testid="visibility-switch"
        />
      </CardBody>
    </Card>
  );
}

function Permissions({ repository }: { repository: string }) {
  const namespace = repository.split('/')[0];
  const permissions = useLoad(() => api.permissions(repository), [repository]);
  const robots = useLoad(() => api.robots(namespace).catch(() => ({ robots: [] })), [namespace]);
  const teams = useLoad(() => api.teams(namespace).catch(() => ({ teams: [] })), [namespace]);
  const [kind, setKind] = useState<SubjectKind>('user');
  const [name, setName] = useState('');
  const [role, setRole] = useState<RepoRole>('read');
  const { busy, error, run } = useAction();
  const [granted, setGranted] = useState<string | null>(null);
  const [revoking, setRevoking] = useState<Permission | null>(null);

  const suggestions =
    kind === 'robot'
      ? (robots.data?.robots ?? []).map((r) => r.name)
      : kind === 'team'
        ? (teams.data?.teams ?? []).map((t) => t.name)
        : [];

  const grant = (e: FormEvent) => {
    e.preventDefault();
    setGranted(null);
    void run(async () => {
      await api.grant(repository, kind, name.trim(), role);
      setGranted(`${kind} ${name.trim()} has ${role} access`);
      setName('');
      permissions.reload();
    });
  };

  const rows = permissions.data?.permissions ?? [];
  return (
    <Card isPlain>
      <CardTitle component="h2">Permissions</CardTitle>
      <CardBody>
        <ErrorAlert title="Could not list permissions" error={permissions.error} />
        {permissions.loading && !permissions.data ? (
          <TableSkeleton rows={2} />
        ) : rows.length === 0 ? (
          <Empty title="No direct permissions">Organization teams and role bindings may still give access.</Empty>
        ) : (
          <DataTable label="Permissions" testId="permissions-table" columns={['Kind', 'Name', 'Role']} actions>
            {rows.map((p) => (
              <Tr key={`${p.kind}/${p.name}`} data-testid={`permission-${p.kind}-${p.name}`}>
                <Td dataLabel="Kind">{p.kind}</Td>
                <Td dataLabel="Name" className="pier-mono">
                  {p.name}
                </Td>
                <Td dataLabel="Role">{p.role}</Td>
                <Td isActionCell>
                  <Button
                    variant="link"
                    isDanger
                    onClick={() => setRevoking(p)}
                    aria-label={`Revoke ${p.role} from ${p.kind} ${p.name}`}
                  >
                    Revoke
                  </Button>
                </Td>
              </Tr>
            ))}
          </DataTable>
        )}

        <Form onSubmit={grant} aria-label="Grant a permission" className="pier-form" style={{ marginTop: '1rem' }}>
          {granted && <Alert variant="success" isInline title={granted} data-testid="grant-success" />}
          <ErrorAlert title="Could not grant the permission" error={error} />
          <ChoiceField label="Grant to" id="perm-kind" value={kind} choices={KINDS} onChange={setKind} />
          <FormGroup label="Name" fieldId="perm-name" isRequired>
            <TextInput
              id="perm-name"
              isRequired
              value={name}
              onChange={(_e, v) => setName(v)}
              list="perm-name-suggestions"
              autoComplete="off"
              data-testid="perm-name"
            />
            <datalist id="perm-name-suggestions">
              {suggestions.map((s) => (
                <option key={s} value={s} />
              ))}
            </datalist>
            <FormHelperText>
              <HelperText>
                <HelperTextItem>
                  {kind === 'robot'
                    ? `A robot as namespace+name, e.g. ${namespace}+ci`
                    : kind === 'team'
                      ? `A team of ${namespace}`
                      : 'A user name'}
                </HelperTextItem>
              </HelperText>
            </FormHelperText>
          </FormGroup>
          <ChoiceField label="Role" id="perm-role" value={role} choices={ROLES} onChange={setRole} />
          <div>
            <Button type="submit" isLoading={busy} isDisabled={busy || !name.trim()} data-testid="perm-grant">
              Grant
            </Button>
          </div>
        </Form>
      </CardBody>
      <ConfirmItem
        item={revoking}
        title={() => 'Revoke permission?'}
        confirmLabel="Revoke"
        onClose={() => setRevoking(null)}
        onConfirm={async (p) => {
          await api.revoke(repository, p.kind, p.name);
          permissions.reload();
        }}
      >
        {(p) => (
          <>
            {p.kind} {p.name} loses {p.role} access to {repository}.
          </>
        )}
      </ConfirmItem>
    </Card>
  );
}

function DeleteRepository({ repository }: { repository: string }) {
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  return (
    <Card isPlain>
      <CardTitle component="h2">Delete repository</CardTitle>
      <CardBody>
        <p style={{ marginBottom: '1rem' }}>Removes every tag and manifest of {repository} and its permissions.</p>
        <Button variant="danger" onClick={() => setOpen(true)} data-testid="repo-delete">
          Delete repository
        </Button>
      </CardBody>
      <ConfirmDelete
        isOpen={open}
        title={`Delete ${repository}?`}
        onClose={() => setOpen(false)}
        onConfirm={async () => {
          await api.deleteRepository(repository);
          navigate('/repositories');
        }}
      >
        This cannot be undone.
      </ConfirmDelete>
    </Card>
  );
}

export function SettingsTab({ repository, onChanged }: { repository: Repository; onChanged: () => void }) {
  return (
    <div className="pier-stack" style={{ marginTop: '1rem' }}>
      <Visibility repository={repository} onChanged={onChanged} />
      <Permissions repository={repository.name} />
      <DeleteRepository repository={repository.name} />
    </div>
  );
}
