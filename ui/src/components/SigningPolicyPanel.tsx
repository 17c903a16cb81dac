// A namespace's signing policy: the keys it trusts to sign its images and whether only images one
// of them signed are served. Changes are made here and sent together, since the server replaces
// the whole policy at once.

import { useEffect, useState, type FormEvent } from 'react';
import {
  Alert,
  Button,
  Card,
  CardBody,
  CardTitle,
  Flex,
  Form,
  FormGroup,
  FormSelect,
  FormSelectOption,
  Switch,
  TextArea,
  Title,
} from '@patternfly/react-core';
import { Td, Tr } from '@patternfly/react-table';
import { api, type SignatureType, type SigningPolicy } from '../api';
import { useAction, useLoad } from '../hooks';
import { ConfirmDelete, DataTable, Empty, ErrorAlert, Loading } from './common';

/** A key as edited here: one added since the last save has no key id yet. */
type EditedKey = { type: SignatureType; key_id: string | null; public_key: string };

const KEY_HINTS: Record<SignatureType, string> = {
  gpg: 'An ASCII-armored public key (gpg --armor --export KEY), for signatures pushed with podman or skopeo.',
  cosign: 'A PEM ECDSA P-256 public key (cosign.pub), for signatures pushed with cosign.',
};

function editedKeys(policy: SigningPolicy): EditedKey[] {
  return policy.keys.map(({ type, key_id, public_key }) => ({ type, key_id, public_key }));
}

function TrustedKeys({ keys, onRemove }: { keys: EditedKey[]; onRemove: (index: number) => void }) {
  if (keys.length === 0) return <Empty title="No trusted keys" />;
  return (
    <DataTable label="Trusted keys" testId="signing-keys" columns={['Type', 'Key ID']} actions>
      {keys.map((key, i) => (
        <Tr key={`${key.key_id ?? 'new'}-${i}`}>
          <Td dataLabel="Type">{key.type}</Td>
          <Td dataLabel="Key ID" className="pier-mono">
            {key.key_id ?? 'new: known once saved'}
          </Td>
          <Td isActionCell>
            <Button
              variant="link"
              isDanger
              size="sm"
              onClick={() => onRemove(i)}
              aria-label={`Remove ${key.type} key ${key.key_id ?? i + 1}`}
              data-testid="signing-key-remove"
            >
              Remove
            </Button>
          </Td>
        </Tr>
      ))}
    </DataTable>
  );
}

function AddKeyForm({ onAdd }: { onAdd: (key: EditedKey) => void }) {
  const [type, setType] = useState<SignatureType>('cosign');
  const [text, setText] = useState('');
  const add = () => {
    onAdd({ type, key_id: null, public_key: text.trim() + '\n' });
    setText('');
  };
  return (
    <div className="pier-stack pier-form">
      <Title headingLevel="h3" size="md">
        Add a trusted key
      </Title>
      <FormGroup label="Type" fieldId="signing-key-type">
        <FormSelect
          id="signing-key-type"
          value={type}
          onChange={(_e, v) => setType(v as SignatureType)}
          data-testid="signing-key-type"
        >
          <FormSelectOption value="cosign" label="cosign" />
          <FormSelectOption value="gpg" label="gpg" />
        </FormSelect>
      </FormGroup>
      <FormGroup label="Public key" fieldId="signing-key-text">
        <TextArea
          id="signing-key-text"
          value={text}
          onChange={(_e, v) => setText(v)}
          rows={6}
          resizeOrientation="vertical"
          className="pier-mono"
          placeholder="-----BEGIN PUBLIC KEY-----"
          aria-describedby="signing-key-hint"
          data-testid="signing-key-text"
        />
        <p id="signing-key-hint" className="pier-small">
          {KEY_HINTS[type]}
        </p>
      </FormGroup>
      <div>
        <Button variant="secondary" onClick={add} isDisabled={!text.trim()} data-testid="signing-key-add">
          Add key
        </Button>
      </div>
    </div>
  );
}

export function SigningPolicyPanel({ namespace }: { namespace: string }) {
  const policy = useLoad(() => api.signingPolicy(namespace), [namespace]);
  const [enforce, setEnforce] = useState(false);
  const [keys, setKeys] = useState<EditedKey[]>([]);
  const [changed, setChanged] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);
  const [removing, setRemoving] = useState(false);
  const save = useAction();

  const showSaved = (p: SigningPolicy) => {
    setEnforce(p.enforce);
    setKeys(editedKeys(p));
    setChanged(false);
  };
  useEffect(() => {
    if (policy.data) showSaved(policy.data);
  }, [policy.data]);

  const edit = (next: { enforce?: boolean; keys?: EditedKey[] }) => {
    if (next.enforce !== undefined) setEnforce(next.enforce);
    if (next.keys !== undefined) setKeys(next.keys);
    setChanged(true);
    setSaved(null);
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSaved(null);
    void save.run(async () => {
      const set = await api.setSigningPolicy(namespace, {
        enforce,
        keys: keys.map(({ type, public_key }) => ({ type, public_key })),
      });
      showSaved(set);
      policy.reload();
      setSaved(set.enforce ? 'Saved: only signed images are served' : 'Saved: signatures are checked, not required');
    });
  };

  const current = policy.data;
  const hasPolicy = !!current && (current.enforce || current.keys.length > 0);
  return (
    <Card isPlain data-testid="signing-card" style={{ marginTop: '1rem' }}>
      <CardTitle component="h2">Signing policy</CardTitle>
      <CardBody className="pier-stack">
        <p>
          The keys {namespace} trusts to sign its images. Each manifest's page shows which of its signatures a trusted
          key made. When the policy is enforced, Pier serves only images and indexes one of these keys signed; the
          signatures, attestations and SBOMs clients read to verify them are still served.
        </p>
        <ErrorAlert title="Could not read the signing policy" error={policy.error} />
        {policy.loading && !current ? (
          <Loading label="Loading the signing policy" />
        ) : (
          current && (
            <Form onSubmit={submit} aria-label="Signing policy">
              {saved && <Alert variant="success" isInline title={saved} data-testid="signing-saved" />}
              <ErrorAlert title="Could not save the signing policy" error={save.error} />
              <Switch
                id="signing-enforce"
                label="Require a trusted signature"
                isChecked={enforce}
                onChange={(_e, checked) => edit({ enforce: checked })}
                data-testid="signing-enforce"
              />
              <TrustedKeys keys={keys} onRemove={(i) => edit({ keys: keys.filter((_k, j) => j !== i) })} />
              <AddKeyForm onAdd={(key) => edit({ keys: [...keys, key] })} />
              {changed && (
                <p className="pier-small" data-testid="signing-unsaved">
                  Unsaved changes: save to apply them.
                </p>
              )}
              <Flex gap={{ default: 'gapSm' }}>
                <Button type="submit" isLoading={save.busy} isDisabled={save.busy || !changed} data-testid="signing-save">
                  Save policy
                </Button>
                {hasPolicy && (
                  <Button variant="link" isDanger onClick={() => setRemoving(true)} data-testid="signing-remove">
                    Remove policy
                  </Button>
                )}
              </Flex>
            </Form>
          )
        )}
      </CardBody>
      <ConfirmDelete
        isOpen={removing}
        title={`Remove the signing policy of ${namespace}?`}
        confirmLabel="Remove"
        onClose={() => setRemoving(false)}
        onConfirm={async () => {
          await api.deleteSigningPolicy(namespace);
          setSaved(null);
          policy.reload();
        }}
      >
        Its trusted keys are forgotten and unsigned images are served again.
      </ConfirmDelete>
    </Card>
  );
}
