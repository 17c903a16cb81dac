import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import {
  Button,
  Form,
  FormGroup,
  PageSection,
  TextInput,
  Title,
  Toolbar,
  ToolbarContent,
  ToolbarItem,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { api } from '../api';
import { Empty, ErrorAlert, LoadedList } from '../components/common';
import { formatTime } from '../format';
import { useAction, useLoad, usePageTitle } from '../hooks';

export function OrganizationsPage() {
  usePageTitle('Organizations');
  const navigate = useNavigate();
  const orgs = useLoad(() => api.organizations(), []);
  const [name, setName] = useState('');
  const { busy, error, run } = useAction();

  const create = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const created = await api.createOrganization(name.trim());
      navigate(`/organization/${encodeURIComponent(created?.name ?? name.trim())}`);
    });
  };

  const rows = orgs.data?.organizations ?? [];
  return (
    <PageSection>
      <Title headingLevel="h1">Organizations</Title>
      <Toolbar>
        <ToolbarContent>
          <ToolbarItem>
            <Form onSubmit={create} aria-label="Create organization" style={{ display: 'flex', gap: '0.5rem', alignItems: 'end', flexWrap: 'wrap' }}>
              <FormGroup label="New organization" fieldId="org-name">
                <TextInput
                  id="org-name"
                  value={name}
                  onChange={(_e, v) => setName(v)}
                  placeholder="acme"
                  data-testid="org-name"
                />
              </FormGroup>
              <Button type="submit" isLoading={busy} isDisabled={busy || !name.trim()} data-testid="org-create">
                Create organization
              </Button>
            </Form>
          </ToolbarItem>
        </ToolbarContent>
      </Toolbar>
      <ErrorAlert title="Could not create the organization" error={error} />
      <LoadedList
        list={orgs}
        count={rows.length}
        errorTitle="Could not list organizations"
        empty={<Empty title="No organizations">Organizations own repositories shared by teams.</Empty>}
      >
        <Table aria-label="Organizations" variant="compact" data-testid="organizations-table">
          <Thead>
            <Tr>
              <Th>Name</Th>
              <Th>Created</Th>
            </Tr>
          </Thead>
          <Tbody>
            {rows.map((o) => (
              <Tr key={o.name} data-testid={`org-row-${o.name}`}>
                <Td dataLabel="Name">
                  <Link to={`/organization/${encodeURIComponent(o.name)}`}>{o.name}</Link>
                </Td>
                <Td dataLabel="Created">{formatTime(o.created_at)}</Td>
              </Tr>
            ))}
          </Tbody>
        </Table>
      </LoadedList>
    </PageSection>
  );
}
