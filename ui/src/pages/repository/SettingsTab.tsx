import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { Button, Card, CardBody, CardTitle, Switch } from '@patternfly/react-core';
import { api, type RepoRole, type Repository } from '../../api';
import { ConfirmDelete, ErrorAlert } from '../../components/common';
import { SubjectGrants } from '../../components/SubjectGrants';
import { useAction, useLoad } from '../../hooks';

const ROLES: RepoRole[] = ['read', 'write', 'admin'];

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
  const permissions = useLoad(() => api.permissions(repository), [repository]);
  return (
    <Card isPlain>
      <CardTitle component="h2">Permissions</CardTitle>
      <CardBody>
        <SubjectGrants
          namespace={repository.split('/')[0]}
          list={permissions}
          rows={permissions.data?.permissions ?? []}
          roles={ROLES}
          idPrefix="perm"
          text={{
            table: 'Permissions',
            noun: 'permission',
            empty: 'No direct permissions',
            emptyBody: 'Organization teams and role bindings may still give access.',
            form: 'Grant a permission',
            submit: 'Grant',
            removeVerb: 'Revoke',
            given: (p) => `${p.kind} ${p.name} has ${p.role} access`,
            removed: (p) => `${p.kind} ${p.name} loses ${p.role} access to ${repository}.`,
          }}
          give={(p) => api.grant(repository, p.kind, p.name, p.role)}
          remove={(p) => api.revoke(repository, p.kind, p.name)}
        />
      </CardBody>
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
