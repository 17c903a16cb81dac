import { useId, useState, type ReactNode } from 'react';
import {
  Alert,
  Button,
  Modal,
  ModalBody,
  ModalFooter,
  ModalHeader,
  Title,
} from '@patternfly/react-core';
import { Td, Tr } from '@patternfly/react-table';
import { api, type Robot, type RobotSecret } from '../api';
import { formatTime, shortRobotName } from '../format';
import { useLoad } from '../hooks';
import {
  ConfirmItem,
  CopyBlock,
  CopyText,
  CreateForm,
  DataTable,
  Empty,
  LoadedList,
  RowActions,
  TextField,
} from './common';

function SecretPart({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div>
      <Title headingLevel="h3" size="md">
        {title}
      </Title>
      {children}
    </div>
  );
}

/** The token and ready-made logins, shown once: the server keeps only a hash. */
function RobotSecretModal({ secret, onClose }: { secret: RobotSecret | null; onClose: () => void }) {
  const titleId = useId();
  if (!secret) return null;
  const authJson = JSON.stringify(secret.logins.auth_json, null, 2);
  return (
    <Modal variant="medium" isOpen onClose={onClose} aria-labelledby={titleId} data-testid="robot-secret-dialog">
      <ModalHeader title={`Robot ${secret.name}`} labelId={titleId} />
      <ModalBody>
        <div className="pier-stack">
          <Alert variant="warning" isInline title="Copy the token now: it is not shown again." />
          <SecretPart title="Token">
            <CopyText text={secret.token} label="robot token" testId="robot-token" />
          </SecretPart>
          <SecretPart title="podman login">
            <CopyText text={secret.logins.podman} label="podman login command" testId="robot-podman-login" />
          </SecretPart>
          <SecretPart title="Kubernetes pull secret">
            <CopyBlock text={secret.logins.kubernetes_secret} label="Kubernetes Secret YAML" testId="robot-k8s-secret" />
          </SecretPart>
          <SecretPart title="auth.json">
            <CopyBlock text={authJson} label="auth.json" testId="robot-auth-json" />
          </SecretPart>
        </div>
      </ModalBody>
      <ModalFooter>
        <Button onClick={onClose} data-testid="robot-secret-close">
          Done
        </Button>
      </ModalFooter>
    </Modal>
  );
}

export function RobotsPanel({ namespace }: { namespace: string }) {
  const robots = useLoad(() => api.robots(namespace), [namespace]);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [secret, setSecret] = useState<RobotSecret | null>(null);
  const [deleting, setDeleting] = useState<Robot | null>(null);
  const [regenerating, setRegenerating] = useState<Robot | null>(null);

  const create = async () => {
    setSecret(await api.createRobot(namespace, name.trim(), description.trim()));
    setName('');
    setDescription('');
    robots.reload();
  };

  const rows = robots.data?.robots ?? [];
  return (
    <div className="pier-stack" style={{ marginTop: '1rem' }}>
      <CreateForm
        title="Create robot account"
        errorTitle="Could not create the robot"
        submitLabel="Create robot"
        submitTestId="robot-create"
        canSubmit={!!name.trim()}
        onSubmit={create}
      >
        <TextField label="Robot name" id="robot-name" isRequired value={name} onChange={setName} placeholder="ci" />
        <TextField label="Description" id="robot-description" value={description} onChange={setDescription} />
      </CreateForm>

      <Title headingLevel="h2" size="lg">
        Robot accounts of {namespace}
      </Title>
      <LoadedList
        list={robots}
        count={rows.length}
        errorTitle="Could not list robots"
        skeletonRows={2}
        empty={<Empty title="No robot accounts">Robots log in from CI jobs and clusters with a token of their own.</Empty>}
      >
        <DataTable label="Robot accounts" testId="robots-table" columns={['Name', 'Description', 'Created']} actions>
          {rows.map((r) => (
            <Tr key={r.name} data-testid={`robot-row-${r.name}`}>
              <Td dataLabel="Name" className="pier-mono">
                {r.name}
              </Td>
              <Td dataLabel="Description">{r.description || '—'}</Td>
              <Td dataLabel="Created">{formatTime(r.created_at)}</Td>
              <Td isActionCell>
                <RowActions
                  label={`Actions for ${r.name}`}
                  items={[
                    { title: 'Regenerate token', onClick: () => setRegenerating(r) },
                    { title: 'Delete', isDanger: true, onClick: () => setDeleting(r) },
                  ]}
                />
              </Td>
            </Tr>
          ))}
        </DataTable>
      </LoadedList>

      <RobotSecretModal secret={secret} onClose={() => setSecret(null)} />
      <ConfirmItem
        item={regenerating}
        title={(r) => `Regenerate the token of ${r.name}?`}
        confirmLabel="Regenerate"
        onClose={() => setRegenerating(null)}
        onConfirm={async (r) => {
          setSecret(await api.regenerateRobot(namespace, shortRobotName(r.name)));
        }}
      >
        The current token stops working at once; logins made with it keep working until their tokens expire.
      </ConfirmItem>
      <ConfirmItem
        item={deleting}
        title={(r) => `Delete robot ${r.name}?`}
        onClose={() => setDeleting(null)}
        onConfirm={async (r) => {
          await api.deleteRobot(namespace, shortRobotName(r.name));
          robots.reload();
        }}
      >
        Its permissions go with it.
      </ConfirmItem>
    </div>
  );
}
