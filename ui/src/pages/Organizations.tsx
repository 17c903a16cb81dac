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
import { Empty, ErrorAlert, TableSkeleton } from '../components/common';
import { formatTime } from '../format';
import { useLoad, usePageTitle } from '../hooks';

export function OrganizationsPage() {
  usePageTitle('Organizations');
  const navigate = useNavigate();
  const orgs = useLoad(() => api.organizations(), []);
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const created = await api.createOrganization(name.trim());
      navigate(`/organization/${encodeURIComponent(created?.name ?? name.trim())}`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
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
      <ErrorAlert title="Could not list organizations" error={orgs.error} />
      {orgs.loading && !orgs.data ? (
        <TableSkeleton />
      ) : rows.length === 0 && !orgs.error ? (
        <Empty title="No organizations">Organizations own repositories shared by teams.</Empty>
      ) : (
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
      )}
    </PageSection>
  );
}
