import { useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router-dom';
import {
  Alert,
  Button,
  Checkbox,
  DescriptionList,
  DescriptionListDescription,
  DescriptionListGroup,
  DescriptionListTerm,
  Form,
  FormGroup,
  Label,
  LabelGroup,
  PageSection,
  Tab,
  TabTitleText,
  Tabs,
  TextInput,
  Title,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { api, type ApiToken } from '../api';
import { ConfirmDelete, CopyText, Empty, ErrorAlert, Loading, TableSkeleton } from '../components/common';
import { RobotsPanel } from '../components/RobotsPanel';
import { formatTime, relativeTime } from '../format';
import { useLoad, usePageTitle } from '../hooks';
import { useUser } from '../session';

const SCOPES: { value: string; label: string; superuserOnly?: boolean }[] = [
  { value: 'repo:read', label: 'repo:read: pull' },
  { value: 'repo:write', label: 'repo:write: pull and push' },
  { value: 'repo:admin', label: 'repo:admin: also delete and manage repositories' },
  { value: 'org:admin', label: 'org:admin: manage organizations, teams and robots' },
  { value: 'super:user', label: 'super:user: act as superuser', superuserOnly: true },
];

function Account() {
  const me = useLoad(() => api.whoami(), []);
  if (me.loading && !me.data) return <Loading label="Loading your account" />;
  if (!me.data) return <ErrorAlert title="Could not load your account" error={me.error} />;
  const u = me.data;
  return (
    <DescriptionList isHorizontal style={{ marginTop: '1rem' }} data-testid="whoami">
      <DescriptionListGroup>
        <DescriptionListTerm>User name</DescriptionListTerm>
        <DescriptionListDescription>{u.name}</DescriptionListDescription>
      </DescriptionListGroup>
      <DescriptionListGroup>
        <DescriptionListTerm>Email</DescriptionListTerm>
        <DescriptionListDescription>{u.email || '—'}</DescriptionListDescription>
      </DescriptionListGroup>
      <DescriptionListGroup>
        <DescriptionListTerm>Account</DescriptionListTerm>
        <DescriptionListDescription>
          {u.kind}
          {u.superuser && (
            <>
              {' '}
              <Label color="purple" isCompact>
                superuser
              </Label>
            </>
          )}
        </DescriptionListDescription>
      </DescriptionListGroup>
      {u.scopes && (
        <DescriptionListGroup>
          <DescriptionListTerm>Scopes of this sign-in</DescriptionListTerm>
          <DescriptionListDescription>
            <LabelGroup>
              {u.scopes.map((s) => (
                <Label key={s} isCompact>
                  {s}
                </Label>
              ))}
            </LabelGroup>
          </DescriptionListDescription>
        </DescriptionListGroup>
      )}
      <DescriptionListGroup>
        <DescriptionListTerm>Log in with podman</DescriptionListTerm>
        <DescriptionListDescription>
          <CopyText text={`podman login -u ${u.name} ${window.location.host}`} label="podman login command" />
        </DescriptionListDescription>
      </DescriptionListGroup>
    </DescriptionList>
  );
}

function Tokens() {
  const user = useUser();
  const tokens = useLoad(() => api.tokens(), []);
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(['repo:read']);
  const [days, setDays] = useState('90');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [created, setCreated] = useState<(ApiToken & { token: string }) | null>(null);
  const [deleting, setDeleting] = useState<ApiToken | null>(null);

  const toggle = (scope: string, on: boolean) =>
    setScopes(on ? [...scopes, scope] : scopes.filter((s) => s !== scope));

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setCreated(null);
    try {
      const parsed = days.trim() ? Number(days) : null;
      setCreated(await api.createToken(name.trim(), scopes, parsed));
      setName('');
      tokens.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const rows = tokens.data?.tokens ?? [];
  return (
    <div className="pier-stack" style={{ marginTop: '1rem' }}>
      <Form onSubmit={create} aria-label="Create API token" className="pier-form">
        <Title headingLevel="h2" size="lg">
          Create API token
        </Title>
        <ErrorAlert title="Could not create the token" error={error} />
        {created && (
          <Alert variant="success" isInline title={`Token ${created.name} created: copy it now, it is not shown again.`}>
            <CopyText text={created.token} label="API token" testId="api-token" />
          </Alert>
        )}
        <FormGroup label="Name" fieldId="token-name" isRequired>
          <TextInput id="token-name" isRequired value={name} onChange={(_e, v) => setName(v)} data-testid="token-name" />
        </FormGroup>
        <FormGroup label="Scopes" role="group" fieldId="token-scopes" isRequired>
          {SCOPES.filter((s) => !s.superuserOnly || user.superuser).map((s) => (
            <Checkbox
              key={s.value}
              id={`scope-${s.value}`}
              label={s.label}
              isChecked={scopes.includes(s.value)}
              onChange={(_e, on) => toggle(s.value, on)}
            />
          ))}
        </FormGroup>
        <FormGroup label="Expires after (days, empty for never)" fieldId="token-days">
          <TextInput
            id="token-days"
            type="number"
            min={1}
            max={3650}
            value={days}
            onChange={(_e, v) => setDays(v)}
            data-testid="token-days"
          />
        </FormGroup>
        <div>
          <Button
            type="submit"
            isLoading={busy}
            isDisabled={busy || !name.trim() || scopes.length === 0}
            data-testid="token-create"
          >
            Create token
          </Button>
        </div>
      </Form>
      <Title headingLevel="h2" size="lg">
        Your API tokens
      </Title>
      <ErrorAlert title="Could not list tokens" error={tokens.error} />
      {tokens.loading && !tokens.data ? (
        <TableSkeleton rows={2} />
      ) : rows.length === 0 && !tokens.error ? (
        <Empty title="No API tokens">Tokens let scripts and the pier command act for you.</Empty>
      ) : (
        <div className="pier-table-scroll">
          <Table aria-label="API tokens" variant="compact" data-testid="tokens-table">
            <Thead>
              <Tr>
                <Th>Name</Th>
                <Th>Scopes</Th>
                <Th>Created</Th>
                <Th>Expires</Th>
                <Th>Last used</Th>
                <Th screenReaderText="Actions" />
              </Tr>
            </Thead>
            <Tbody>
              {rows.map((t) => (
                <Tr key={t.id}>
                  <Td dataLabel="Name">{t.name}</Td>
                  <Td dataLabel="Scopes">{t.scopes.join(', ')}</Td>
                  <Td dataLabel="Created">{formatTime(t.created_at)}</Td>
                  <Td dataLabel="Expires">{t.expires_at ? formatTime(t.expires_at) : 'never'}</Td>
                  <Td dataLabel="Last used">{relativeTime(t.last_used_at)}</Td>
                  <Td isActionCell>
                    <Button variant="link" isDanger onClick={() => setDeleting(t)} aria-label={`Delete token ${t.name}`}>
                      Delete
                    </Button>
                  </Td>
                </Tr>
              ))}
            </Tbody>
          </Table>
        </div>
      )}
      <ConfirmDelete
        isOpen={deleting !== null}
        title={`Delete token ${deleting?.name ?? ''}?`}
        onClose={() => setDeleting(null)}
        onConfirm={async () => {
          if (!deleting) return;
          await api.deleteToken(deleting.id);
          tokens.reload();
        }}
      >
        Whatever uses it is refused from now on.
      </ConfirmDelete>
    </div>
  );
}

export function UserPage() {
  const user = useUser();
  usePageTitle('User settings');
  const [params, setParams] = useSearchParams();
  const tab = params.get('tab') ?? 'account';
  return (
    <PageSection>
      <Title headingLevel="h1">User settings</Title>
      <Tabs
        activeKey={tab}
        onSelect={(_e, key) => setParams({ tab: String(key) })}
        aria-label="User settings sections"
        mountOnEnter
        unmountOnExit
      >
        <Tab eventKey="account" title={<TabTitleText>Account</TabTitleText>}>
          <Account />
        </Tab>
        <Tab eventKey="tokens" title={<TabTitleText>API tokens</TabTitleText>} data-testid="tab-tokens">
          <Tokens />
        </Tab>
        <Tab eventKey="robots" title={<TabTitleText>Robot accounts</TabTitleText>}>
          <RobotsPanel namespace={user.name} />
        </Tab>
      </Tabs>
    </PageSection>
  );
}
