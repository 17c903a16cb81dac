import { useId, useState, type FormEvent } from 'react';
import {
  Alert,
  Button,
  Form,
  FormGroup,
  Modal,
  ModalBody,
  ModalFooter,
  ModalHeader,
  TextInput,
  Title,
} from '@patternfly/react-core';
import { ActionsColumn, Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { api, type Robot, type RobotSecret } from '../api';
import { formatTime, shortRobotName } from '../format';
import { useLoad } from '../hooks';
import { ConfirmDelete, CopyBlock, CopyText, Empty, ErrorAlert, TableSkeleton } from './common';

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
          <div>
            <Title headingLevel="h3" size="md">
              Token
            </Title>
            <CopyText text={secret.token} label="robot token" testId="robot-token" />
          </div>
          <div>
            <Title headingLevel="h3" size="md">
              podman login
            </Title>
            <CopyText text={secret.logins.podman} label="podman login command" testId="robot-podman-login" />
          </div>
          <div>
            <Title headingLevel="h3" size="md">
              Kubernetes pull secret
            </Title>
            <CopyBlock text={secret.logins.kubernetes_secret} label="Kubernetes Secret YAML" testId="robot-k8s-secret" />
          </div>
          <div>
            <Title headingLevel="h3" size="md">
              auth.json
            </Title>
            <CopyBlock text={authJson} label="auth.json" testId="robot-auth-json" />
          </div>
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
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [secret, setSecret] = useState<RobotSecret | null>(null);
  const [deleting, setDeleting] = useState<Robot | null>(null);
  const [regenerating, setRegenerating] = useState<Robot | null>(null);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setSecret(await api.createRobot(namespace, name.trim(), description.trim()));
      setName('');
      setDescription('');
      robots.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const rows = robots.data?.robots ?? [];
  return (
    <div className="pier-stack" style={{ marginTop: '1rem' }}>
      <Form onSubmit={create} aria-label="Create robot account" className="pier-form">
        <Title headingLevel="h2" size="lg">
          Create robot account
        </Title>
        <ErrorAlert title="Could not create the robot" error={error} />
        <FormGroup label="Robot name" fieldId="robot-name" isRequired>
          <TextInput
            id="robot-name"
            isRequired
            value={name}
            onChange={(_e, v) => setName(v)}
            placeholder="ci"
            data-testid="robot-name"
          />
        </FormGroup>
        <FormGroup label="Description" fieldId="robot-description">
          <TextInput
            id="robot-description"
            value={description}
            onChange={(_e, v) => setDescription(v)}
            data-testid="robot-description"
          />
        </FormGroup>
        <div>
          <Button type="submit" isLoading={busy} isDisabled={busy || !name.trim()} data-testid="robot-create">
            Create robot
          </Button>
        </div>
      </Form>

      <Title headingLevel="h2" size="lg">
        Robot accounts of {namespace}
      </Title>
      <ErrorAlert title="Could not list robots" error={robots.error} />
      {robots.loading && !robots.data ? (
        <TableSkeleton rows={2} />
      ) : rows.length === 0 && !robots.error ? (
        <Empty title="No robot accounts">Robots log in from CI jobs and clusters with a token of their own.</Empty>
      ) : (
        <div className="pier-table-scroll">
          <Table aria-label="Robot accounts" variant="compact" data-testid="robots-table">
            <Thead>
              <Tr>
                <Th>Name</Th>
                <Th>Description</Th>
                <Th>Created</Th>
                <Th screenReaderText="Actions" />
              </Tr>
            </Thead>
            <Tbody>
              {rows.map((r) => (
                <Tr key={r.name} data-testid={`robot-row-${r.name}`}>
                  <Td dataLabel="Name" className="pier-mono">
                    {r.name}
                  </Td>
                  <Td dataLabel="Description">{r.description || '—'}</Td>
                  <Td dataLabel="Created">{formatTime(r.created_at)}</Td>
                  <Td isActionCell>
                    <ActionsColumn
                      aria-label={`Actions for ${r.name}`}
                      items={[
                        { title: 'Regenerate token', onClick: () => setRegenerating(r) },
                        { title: 'Delete', isDanger: true, onClick: () => setDeleting(r) },
                      ]}
                    />
                  </Td>
                </Tr>
              ))}
            </Tbody>
          </Table>
        </div>
      )}

      <RobotSecretModal secret={secret} onClose={() => setSecret(null)} />
      <ConfirmDelete
        isOpen={regenerating !== null}
        title={`Regenerate the token of ${regenerating?.name ?? ''}?`}
        confirmLabel="Regenerate"
        onClose={() => setRegenerating(null)}
        onConfirm={async () => {
          if (!regenerating) return;
          setSecret(await api.regenerateRobot(namespace, shortRobotName(regenerating.name)));
        }}
      >
        The current token stops working at once; logins made with it keep working until their tokens expire.
      </ConfirmDelete>
      <ConfirmDelete
        isOpen={deleting !== null}
        title={`Delete robot ${deleting?.name ?? ''}?`}
        onClose={() => setDeleting(null)}
        onConfirm={async () => {
          if (!deleting) return;
          await api.deleteRobot(namespace, shortRobotName(deleting.name));
          robots.reload();
        }}
      >
        Its permissions go with it.
      </ConfirmDelete>
    </div>
  );
}
