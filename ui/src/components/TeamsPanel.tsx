import { useState, type FormEvent } from 'react';
import {
  Button,
  Card,
  CardBody,
  CardHeader,
  CardTitle,
  Form,
  FormGroup,
  FormSelect,
  FormSelectOption,
  Label,
  LabelGroup,
  TextInput,
  Title,
} from '@patternfly/react-core';
import { api, type Team, type TeamRole } from '../api';
import { useAction, useLoad } from '../hooks';
import { ConfirmDelete, CreateForm, Empty, ErrorAlert, LoadedList, TextField } from './common';

const ROLES: { value: TeamRole; label: string }[] = [
  { value: 'member', label: 'member: pulls what the team is granted' },
  { value: 'creator', label: 'creator: may also create repositories' },
  { value: 'admin', label: 'admin: manages the organization' },
];

function TeamCard({ organization, team, onChanged }: { organization: string; team: Team; onChanged: () => void }) {
  const [member, setMember] = useState('');
  const action = useAction();
  const { busy, error } = action;
  const [deleting, setDeleting] = useState(false);
  const inputId = `team-${team.name}-member`;

  const run = (change: () => Promise<unknown>) =>
    action.run(async () => {
      await change();
      onChanged();
    });

  const add = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      await api.addMember(organization, team.name, member.trim());
      setMember('');
    });
  };

  return (
    <Card data-testid={`team-${team.name}`}>
      <CardHeader
        actions={{
          actions: (
            <>
              <FormSelect
                aria-label={`Role of team ${team.name}`}
                value={team.role}
                isDisabled={busy}
                onChange={(_e, v) => run(() => api.putTeam(organization, team.name, v as TeamRole))}
              >
                {ROLES.map((r) => (
                  <FormSelectOption key={r.value} value={r.value} label={r.value} />
                ))}
              </FormSelect>
              <Button variant="link" isDanger onClick={() => setDeleting(true)} aria-label={`Delete team ${team.name}`}>
                Delete
              </Button>
            </>
          ),
        }}
      >
        <CardTitle component="h3">{team.name}</CardTitle>
      </CardHeader>
      <CardBody>
        <ErrorAlert title="The change did not work" error={error} />
        {team.members.length === 0 ? (
          <p>No members.</p>
        ) : (
          <LabelGroup categoryName="Members" numLabels={20}>
            {team.members.map((m) => (
              <Label
                key={m}
                onClose={() => run(() => api.removeMember(organization, team.name, m))}
                closeBtnAriaLabel={`Remove ${m} from ${team.name}`}
              >
                {m}
              </Label>
            ))}
          </LabelGroup>
        )}
        <Form onSubmit={add} style={{ display: 'flex', gap: '0.5rem', alignItems: 'end', flexWrap: 'wrap', marginTop: '1rem' }}>
          <FormGroup label="Add member" fieldId={inputId}>
            <TextInput id={inputId} value={member} onChange={(_e, v) => setMember(v)} placeholder="user name" />
          </FormGroup>
          <Button type="submit" variant="secondary" isDisabled={busy || !member.trim()}>
            Add
          </Button>
        </Form>
      </CardBody>
      <ConfirmDelete
        isOpen={deleting}
        title={`Delete team ${team.name}?`}
        onClose={() => setDeleting(false)}
        onConfirm={async () => {
          await api.deleteTeam(organization, team.name);
          onChanged();
        }}
      >
        Its members lose what the team gave them.
      </ConfirmDelete>
    </Card>
  );
}

export function TeamsPanel({ organization }: { organization: string }) {
  const teams = useLoad(() => api.teams(organization), [organization]);
  const [name, setName] = useState('');
  const [role, setRole] = useState<TeamRole>('member');

  const create = async () => {
    await api.putTeam(organization, name.trim(), role);
    setName('');
    setRole('member');
    teams.reload();
  };
  const rows = teams.data?.teams ?? [];

  return (
    <div className="pier-stack" style={{ marginTop: '1rem' }}>
      <CreateForm
        title="Create team"
        errorTitle="Could not create the team"
        submitLabel="Create team"
        submitTestId="team-create"
        canSubmit={!!name.trim()}
        onSubmit={create}
      >
        <TextField label="Team name" id="team-name" isRequired value={name} onChange={setName} />
        <FormGroup label="Role" fieldId="team-role">
          <FormSelect id="team-role" value={role} onChange={(_e, v) => setRole(v as TeamRole)} data-testid="team-role">
            {ROLES.map((r) => (
              <FormSelectOption key={r.value} value={r.value} label={r.label} />
            ))}
          </FormSelect>
        </FormGroup>
      </CreateForm>
      <Title headingLevel="h2" size="lg">
        Teams
      </Title>
      <LoadedList
        list={teams}
        count={rows.length}
        errorTitle="Could not list teams"
        skeletonRows={2}
        empty={<Empty title="No teams" />}
      >
        {rows.map((t) => (
          <TeamCard key={t.name} organization={organization} team={t} onChanged={teams.reload} />
        ))}
      </LoadedList>
    </div>
  );
}
