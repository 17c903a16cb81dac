import { useState } from 'react';
import { Alert, Checkbox, Label, PageSection, Title } from '@patternfly/react-core';
import { Td, Tr } from '@patternfly/react-table';
import { api, type User } from '../api';
import {
  ConfirmItem,
  CreateForm,
  CursorPager,
  DataTable,
  Empty,
  LoadedList,
  RowActions,
  TextField,
} from '../components/common';
import { EditUserModal } from '../components/EditUserModal';
import { useCursorPages, useLoad, usePageTitle } from '../hooks';
import { useUser } from '../session';

const PAGE_SIZE = 50;

export function UsersPage() {
  usePageTitle('Users');
  const me = useUser();
  const pages = useCursorPages<string>();
  const after = pages.after;
  const users = useLoad(() => api.users({ after, limit: PAGE_SIZE }), [after]);
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [email, setEmail] = useState('');
  const [superuser, setSuperuser] = useState(false);
  const [created, setCreated] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<User | null>(null);
  const [editing, setEditing] = useState<User | null>(null);

  const create = async () => {
    setCreated(null);
    const user = await api.createUser({
      name: name.trim(),
      password,
      ...(email.trim() ? { email: email.trim() } : {}),
      superuser,
    });
    setCreated(user.name);
    setName('');
    setPassword('');
    setEmail('');
    setSuperuser(false);
    users.reload();
  };

  const rows = users.data?.users ?? [];
  const next = users.data?.next ?? null;
  return (
    <PageSection>
      <Title headingLevel="h1">Users</Title>
      <div className="pier-stack" style={{ marginTop: '1rem' }}>
        <CreateForm
          title="Create user"
          errorTitle="Could not create the user"
          submitLabel="Create user"
          submitTestId="user-create"
          canSubmit={!!name.trim() && !!password}
          onSubmit={create}
        >
          {created && (
            <Alert variant="success" isInline title={`User ${created} created`} data-testid="user-created" />
          )}
          <TextField label="User name" id="user-name" isRequired value={name} onChange={setName} autoComplete="off" />
          <TextField
            label="Password"
            id="user-password"
            type="password"
            isRequired
            value={password}
            onChange={setPassword}
            autoComplete="new-password"
          />
          <TextField label="Email" id="user-email" type="email" value={email} onChange={setEmail} autoComplete="off" />
          <Checkbox
            id="user-superuser"
            label="Superuser: may do everything, in every namespace"
            isChecked={superuser}
            onChange={(_e, checked) => setSuperuser(checked)}
            data-testid="user-superuser"
          />
        </CreateForm>

        <Title headingLevel="h2" size="lg">
          Local accounts
        </Title>
        <CursorPager label="User pages" pages={pages} next={next === null ? null : String(next)} />
        <LoadedList
          list={users}
          count={rows.length}
          errorTitle="Could not list users"
          empty={<Empty title="No users" />}
        >
          <DataTable label="Users" testId="users-table" columns={['Name', 'Email', 'Superuser', 'Status']} actions>
            {rows.map((u) => (
              <Tr key={u.name} data-testid={`user-row-${u.name}`}>
                <Td dataLabel="Name" className="pier-mono">
                  {u.name}
                  {u.name === me.name && (
                    <>
                      {' '}
                      <Label isCompact>you</Label>
                    </>
                  )}
                </Td>
                <Td dataLabel="Email">{u.email || '—'}</Td>
                <Td dataLabel="Superuser">{u.superuser ? 'yes' : 'no'}</Td>
                <Td dataLabel="Status">
                  {u.disabled ? (
                    <Label isCompact color="orange">
                      disabled
                    </Label>
                  ) : (
                    'active'
                  )}
                </Td>
                <Td isActionCell>
                  <RowActions
                    label={`Actions for ${u.name}`}
                    items={[
                      { title: 'Edit', onClick: () => setEditing(u) },
                      { title: 'Delete', isDanger: true, onClick: () => setDeleting(u) },
                    ]}
                  />
                </Td>
              </Tr>
            ))}
          </DataTable>
        </LoadedList>
      </div>
      <EditUserModal
        user={editing}
        isSelf={editing?.name === me.name}
        onClose={() => setEditing(null)}
        onSaved={() => users.reload()}
      />
      <ConfirmItem
        item={deleting}
        title={(u) => `Delete user ${u.name}?`}
        onClose={() => setDeleting(null)}
        onConfirm={async (u) => {
          await api.deleteUser(u.name);
          users.reload();
        }}
      >
        {(u) => (
          <>
            {u.name} can no longer sign in; its namespace and robots, team memberships, API tokens and the
            permissions given to it are removed.
          </>
        )}
      </ConfirmItem>
    </PageSection>
  );
}
