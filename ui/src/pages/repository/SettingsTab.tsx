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
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { api, type Permission, type RepoRole, type Repository, type SubjectKind } from '../../api';
import { ConfirmDelete, Empty, ErrorAlert, TableSkeleton } from '../../components/common';
import { useLoad } from '../../hooks';

const KINDS: SubjectKind[] = ['user', 'team', 'robot'];
const ROLES: RepoRole[] = ['read', 'write', 'admin'];

function Visibility({ repository, onChanged }: { repository: Repository; onChanged: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const toggle = async (checked: boolean) => {
    setBusy(true);
    setError(null);
    try {
      await api.setVisibility(repository.name, checked);
      onChanged();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
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
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [granted, setGranted] = useState<string | null>(null);
  const [revoking, setRevoking] = useState<Permission | null>(null);

  const suggestions =
    kind === 'robot'
      ? (robots.data?.robots ?? []).map((r) => r.name)
      : kind === 'team'
        ? (teams.data?.teams ?? []).map((t) => t.name)
        : [];

  const grant = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setGranted(null);
    try {
      await api.grant(repository, kind, name.trim(), role);
      setGranted(`${kind} ${name.trim()} has ${role} access`);
      setName('');
      permissions.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
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
          <div className="pier-table-scroll">
            <Table aria-label="Permissions" variant="compact" data-testid="permissions-table">
              <Thead>
                <Tr>
                  <Th>Kind</Th>
                  <Th>Name</Th>
                  <Th>Role</Th>
                  <Th screenReaderText="Actions" />
                </Tr>
              </Thead>
              <Tbody>
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
              </Tbody>
            </Table>
          </div>
        )}

        <Form onSubmit={grant} aria-label="Grant a permission" className="pier-form" style={{ marginTop: '1rem' }}>
          {granted && <Alert variant="success" isInline title={granted} data-testid="grant-success" />}
          <ErrorAlert title="Could not grant the permission" error={error} />
          <FormGroup label="Grant to" fieldId="perm-kind">
            <FormSelect id="perm-kind" value={kind} onChange={(_e, v) => setKind(v as SubjectKind)} data-testid="perm-kind">
              {KINDS.map((k) => (
                <FormSelectOption key={k} value={k} label={k} />
              ))}
            </FormSelect>
          </FormGroup>
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
          <FormGroup label="Role" fieldId="perm-role">
            <FormSelect id="perm-role" value={role} onChange={(_e, v) => setRole(v as RepoRole)} data-testid="perm-role">
              {ROLES.map((r) => (
                <FormSelectOption key={r} value={r} label={r} />
              ))}
            </FormSelect>
          </FormGroup>
          <div>
            <Button type="submit" isLoading={busy} isDisabled={busy || !name.trim()} data-testid="perm-grant">
              Grant
            </Button>
          </div>
        </Form>
      </CardBody>
      <ConfirmDelete
        isOpen={revoking !== null}
        title="Revoke permission?"
        confirmLabel="Revoke"
        onClose={() => setRevoking(null)}
        onConfirm={async () => {
          if (!revoking) return;
          await api.revoke(repository, revoking.kind, revoking.name);
          permissions.reload();
        }}
      >
        {revoking?.kind} {revoking?.name} loses {revoking?.role} access to {repository}.
      </ConfirmDelete>
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
