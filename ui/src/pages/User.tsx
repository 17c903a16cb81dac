import { useState } from 'react';
import {
  Alert,
  Button,
  Checkbox,
  DescriptionList,
  FormGroup,
  Label,
  PageSection,
  Tab,
  TabTitleText,
  Tabs,
  TextInput,
  Title,
} from '@patternfly/react-core';
import { Td, Tr } from '@patternfly/react-table';
import { api, type ApiToken } from '../api';
import {
  CompactLabels,
  ConfirmItem,
  CopyText,
  CreateForm,
  DataTable,
  Detail,
  Empty,
  ErrorAlert,
  LoadedList,
  Loading,
  TextField,
} from '../components/common';
import { RobotsPanel } from '../components/RobotsPanel';
import { formatTime, relativeTime } from '../format';
import { useLoad, usePageTitle, useTabParam } from '../hooks';
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
      <Detail term="User name">{u.name}</Detail>
      <Detail term="Email">{u.email || '—'}</Detail>
      <Detail term="Account">
        {u.kind}
        {u.superuser && (
          <>
            {' '}
            <Label color="purple" isCompact>
              superuser
            </Label>
          </>
        )}
      </Detail>
      {u.scopes && (
        <Detail term="Scopes of this sign-in">
          <CompactLabels names={u.scopes} />
        </Detail>
      )}
      <Detail term="Log in with podman">
        <CopyText text={`podman login -u ${u.name} ${window.location.host}`} label="podman login command" />
      </Detail>
    </DescriptionList>
  );
}

/** One's own password, changed by giving the current one; other sessions of the user end. */
function ChangePassword() {
  const [current, setCurrent] = useState('');
  const [fresh, setFresh] = useState('');
  const [again, setAgain] = useState('');
  const [changed, setChanged] = useState(false);
  const mismatch = again !== '' && fresh !== again;
  const submit = async () => {
    setChanged(false);
    await api.changeOwnPassword(current, fresh);
    setCurrent('');
    setFresh('');
    setAgain('');
    setChanged(true);
  };
  return (
    <CreateForm
      title="Change password"
      errorTitle="Could not change the password"
      submitLabel="Change password"
      submitTestId="password-change"
      canSubmit={!!current && fresh.length >= 8 && fresh === again}
      onSubmit={submit}
    >
      {changed && (
        <Alert variant="success" isInline title="Password changed. Your other web sessions have ended." />
      )}
      <TextField
        label="Current password"
        id="password-current"
        type="password"
        autoComplete="current-password"
        isRequired
        value={current}
        onChange={setCurrent}
      />
      <TextField
        label="New password (at least 8 characters)"
        id="password-new"
        type="password"
        autoComplete="new-password"
        isRequired
        value={fresh}
        onChange={setFresh}
      />
      <TextField
        label="New password again"
        id="password-again"
        type="password"
        autoComplete="new-password"
        isRequired
        value={again}
        onChange={setAgain}
      />
      {mismatch && <Alert variant="warning" isInline isPlain title="The new passwords differ." />}
    </CreateForm>
  );
}

function Tokens() {
  const user = useUser();
  const tokens = useLoad(() => api.tokens(), []);
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(['repo:read']);
  const [days, setDays] = useState('90');
  const [created, setCreated] = useState<(ApiToken & { token: string }) | null>(null);
  const [deleting, setDeleting] = useState<ApiToken | null>(null);

  const toggle = (scope: string, on: boolean) =>
    setScopes(on ? [...scopes, scope] : scopes.filter((s) => s !== scope));

  const create = async () => {
    setCreated(null);
    const parsed = days.trim() ? Number(days) : null;
    setCreated(await api.createToken(name.trim(), scopes, parsed));
    setName('');
    tokens.reload();
  };

  const rows = tokens.data?.tokens ?? [];
  return (
    <div className="pier-stack" style={{ marginTop: '1rem' }}>
      <CreateForm
        title="Create API token"
        errorTitle="Could not create the token"
        submitLabel="Create token"
        submitTestId="token-create"
        canSubmit={!!name.trim() && scopes.length > 0}
        onSubmit={create}
      >
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
      </CreateForm>
      <Title headingLevel="h2" size="lg">
        Your API tokens
      </Title>
      <LoadedList
        list={tokens}
        count={rows.length}
        errorTitle="Could not list tokens"
        skeletonRows={2}
        empty={<Empty title="No API tokens">Tokens let scripts and the pier command act for you.</Empty>}
      >
        <DataTable
          label="API tokens"
          testId="tokens-table"
          columns={['Name', 'Scopes', 'Created', 'Expires', 'Last used']}
          actions
        >
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
        </DataTable>
      </LoadedList>
      <ConfirmItem
        item={deleting}
        title={(t) => `Delete token ${t.name}?`}
        onClose={() => setDeleting(null)}
        onConfirm={async (t) => {
          await api.deleteToken(t.id);
          tokens.reload();
        }}
      >
        Whatever uses it is refused from now on.
      </ConfirmItem>
    </div>
  );
}

export function UserPage() {
  const user = useUser();
  usePageTitle('User settings');
  const [tab, selectTab] = useTabParam('account');
  return (
    <PageSection>
      <Title headingLevel="h1">User settings</Title>
      <Tabs
        activeKey={tab}
        onSelect={(_e, key) => selectTab(key)}
        aria-label="User settings sections"
        mountOnEnter
        unmountOnExit
      >
        <Tab eventKey="account" title={<TabTitleText>Account</TabTitleText>}>
          <Account />
          <div style={{ marginTop: '2rem' }}>
            <ChangePassword />
          </div>
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
