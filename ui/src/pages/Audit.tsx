import { useState, type FormEvent } from 'react';
import {
  Button,
  Form,
  FormGroup,
  Grid,
  GridItem,
  Label,
  PageSection,
  TextInput,
  Title,
} from '@patternfly/react-core';
import { Td, Tr } from '@patternfly/react-table';
import { api } from '../api';
import { CursorPager, DataTable, Empty, LoadedList } from '../components/common';
import { dayToSeconds, formatTime } from '../format';
import { useCursorPages, useLoad, usePageTitle } from '../hooks';
import { useUser } from '../session';

type Filters = { namespace: string; repository: string; actor: string; from: string; to: string };
const PAGE_SIZE = 50;

function detailText(detail: unknown): string {
  if (detail === null || detail === undefined) return '';
  if (typeof detail === 'string') return detail;
  return Object.entries(detail as Record<string, unknown>)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
}

export function AuditPage() {
  usePageTitle('Audit log');
  const user = useUser();
  const empty: Filters = { namespace: user.superuser ? '' : user.name, repository: '', actor: '', from: '', to: '' };
  const [form, setForm] = useState<Filters>(empty);
  const [filters, setFilters] = useState<Filters>(empty);
  const pages = useCursorPages<string | number>();
  const before = pages.after;

  const events = useLoad(
    () =>
      api.audit({
        namespace: filters.namespace,
        repository: filters.repository,
        actor: filters.actor,
        from: dayToSeconds(filters.from),
        to: dayToSeconds(filters.to, true),
        before,
        limit: PAGE_SIZE,
      }),
    [filters, before],
  );
  const rows = events.data?.events ?? [];
  const next = events.data?.next ?? null;

  const apply = (e: FormEvent) => {
    e.preventDefault();
    setFilters({ ...form });
    pages.reset();
  };
  const field = (key: keyof Filters) => ({
    value: form[key],
    onChange: (_e: unknown, v: string) => setForm({ ...form, [key]: v }),
  });

  return (
    <PageSection>
      <Title headingLevel="h1">Audit log</Title>
      <Form onSubmit={apply} aria-label="Audit log filters" style={{ margin: '1rem 0' }}>
        <Grid hasGutter md={4} xl={2}>
          <GridItem>
            <FormGroup label="Namespace" fieldId="audit-namespace" isRequired={!user.superuser}>
              <TextInput id="audit-namespace" {...field('namespace')} data-testid="audit-namespace" />
            </FormGroup>
          </GridItem>
          <GridItem>
            <FormGroup label="Repository" fieldId="audit-repository">
              <TextInput id="audit-repository" placeholder="acme/app" {...field('repository')} />
            </FormGroup>
          </GridItem>
          <GridItem>
            <FormGroup label="Actor" fieldId="audit-actor">
              <TextInput id="audit-actor" {...field('actor')} />
            </FormGroup>
          </GridItem>
          <GridItem>
            <FormGroup label="From (day)" fieldId="audit-from">
              <TextInput id="audit-from" type="date" {...field('from')} />
            </FormGroup>
          </GridItem>
          <GridItem>
            <FormGroup label="To (day)" fieldId="audit-to">
              <TextInput id="audit-to" type="date" {...field('to')} />
            </FormGroup>
          </GridItem>
          <GridItem style={{ alignSelf: 'end' }}>
            <Button type="submit" data-testid="audit-apply">
              Apply filters
            </Button>{' '}
            <Button
              variant="link"
              onClick={() => {
                setForm(empty);
                setFilters(empty);
                pages.reset();
              }}
            >
              Reset
            </Button>
          </GridItem>
        </Grid>
      </Form>
      <CursorPager label="Audit log pages" pages={pages} next={next} />
      <LoadedList
        list={events}
        count={rows.length}
        errorTitle="Could not read the audit log"
        skeletonRows={5}
        empty={<Empty title="No events">Nothing was recorded that matches the filters.</Empty>}
      >
        <DataTable
          label="Audit events"
          testId="audit-table"
          columns={['Time', 'Actor', 'Action', { title: 'Namespace', wrap: true }, { title: 'Repository', wrap: true }, 'Client', 'Detail']}
        >
          {rows.map((ev) => (
            <Tr key={ev.id}>
              <Td dataLabel="Time">{formatTime(ev.at)}</Td>
              <Td dataLabel="Actor">
                {ev.actor || '—'} {ev.actor_kind && <Label isCompact>{ev.actor_kind}</Label>}
              </Td>
              <Td dataLabel="Action">{ev.action}</Td>
              <Td dataLabel="Namespace">{ev.namespace || '—'}</Td>
              <Td dataLabel="Repository">{ev.repository ?? '—'}</Td>
              <Td dataLabel="Client">{ev.client_address}</Td>
              <Td dataLabel="Detail" className="pier-mono">
                {detailText(ev.detail)}
              </Td>
            </Tr>
          ))}
        </DataTable>
      </LoadedList>
    </PageSection>
  );
}
