import { useState, type FormEvent, type ReactNode } from 'react';
import {
  Alert,
  Button,
  Form,
  FormGroup,
  FormHelperText,
  FormSelect,
  FormSelectOption,
  HelperText,
  HelperTextItem,
  TextInput,
} from '@patternfly/react-core';
import { Td, Tr } from '@patternfly/react-table';
import { api, type SubjectKind } from '../api';
import { useAction, useLoad, type Loaded } from '../hooks';
import { ConfirmItem, DataTable, Empty, ErrorAlert, LoadedList } from './common';

const KINDS: SubjectKind[] = ['user', 'team', 'robot'];

/** A select among plain words, each shown as itself; `id` also marks it for tests. */
export function ChoiceField<T extends string>({
  label,
  id,
  value,
  choices,
  onChange,
}: {
  label: string;
  id: string;
  value: T;
  choices: readonly T[];
  onChange: (value: T) => void;
}) {
  return (
    <FormGroup label={label} fieldId={id}>
      <FormSelect id={id} value={value} onChange={(_e, v) => onChange(v as T)} data-testid={id}>
        {choices.map((c) => (
          <FormSelectOption key={c} value={c} label={c} />
        ))}
      </FormSelect>
    </FormGroup>
  );
}

export type Grant<R extends string> = { kind: SubjectKind; name: string; role: R };

/**
 * What a namespace's users, teams and robots are given (repository permissions, default
 * permissions, role bindings): the table with a remove button per row, and a form to give more.
 * Team and robot names are offered from the namespace, when the caller may list them.
 */
export function SubjectGrants<R extends string>({
  namespace,
  list,
  rows,
  roles,
  idPrefix,
  text,
  give,
  remove,
}: {
  namespace: string;
  list: Loaded<unknown>;
  rows: Grant<R>[];
  roles: readonly R[];
  /** Prefix of the form's ids, test ids and the rows' test ids (`${idPrefix}-row-${kind}-${name}`). */
  idPrefix: string;
  text: {
    table: string;
    /** One row, as the confirmation names it: "permission". */
    noun: string;
    empty: string;
    emptyBody?: ReactNode;
    form: string;
    submit: string;
    removeVerb: string;
    given: (g: Grant<R>) => string;
    removed: (g: Grant<R>) => ReactNode;
  };
  give: (g: Grant<R>) => Promise<unknown>;
  remove: (g: Grant<R>) => Promise<unknown>;
}) {
  const robots = useLoad(() => api.robots(namespace).catch(() => ({ robots: [] })), [namespace]);
  const teams = useLoad(() => api.teams(namespace).catch(() => ({ teams: [] })), [namespace]);
  const [kind, setKind] = useState<SubjectKind>('user');
  const [name, setName] = useState('');
  const [role, setRole] = useState<R>(roles[0]);
  const { busy, error, run } = useAction();
  const [given, setGiven] = useState<string | null>(null);
  const [removing, setRemoving] = useState<Grant<R> | null>(null);

  const suggestions =
    kind === 'robot'
      ? (robots.data?.robots ?? []).map((r) => r.name)
      : kind === 'team'
        ? (teams.data?.teams ?? []).map((t) => t.name)
        : [];

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setGiven(null);
    const grant = { kind, name: name.trim(), role };
    void run(async () => {
      await give(grant);
      setGiven(text.given(grant));
      setName('');
      list.reload();
    });
  };

  const nameId = `${idPrefix}-name`;
  return (
    <>
      <LoadedList
        list={list}
        count={rows.length}
        errorTitle={`Could not list ${text.table.toLowerCase()}`}
        skeletonRows={2}
        empty={<Empty title={text.empty}>{text.emptyBody}</Empty>}
      >
        <DataTable label={text.table} testId={`${idPrefix}-table`} columns={['Kind', 'Name', 'Role']} actions>
          {rows.map((g) => (
            <Tr key={`${g.role}/${g.kind}/${g.name}`} data-testid={`${idPrefix}-row-${g.kind}-${g.name}`}>
              <Td dataLabel="Kind">{g.kind}</Td>
              <Td dataLabel="Name" className="pier-mono">
                {g.name}
              </Td>
              <Td dataLabel="Role">{g.role}</Td>
              <Td isActionCell>
                <Button
                  variant="link"
                  isDanger
                  onClick={() => setRemoving(g)}
                  aria-label={`${text.removeVerb} ${g.role} from ${g.kind} ${g.name}`}
                >
                  {text.removeVerb}
                </Button>
              </Td>
            </Tr>
          ))}
        </DataTable>
      </LoadedList>

      <Form onSubmit={submit} aria-label={text.form} className="pier-form" style={{ marginTop: '1rem' }}>
        {given && <Alert variant="success" isInline title={given} data-testid={`${idPrefix}-success`} />}
        <ErrorAlert title={`${text.form} did not work`} error={error} />
        <ChoiceField label="Grant to" id={`${idPrefix}-kind`} value={kind} choices={KINDS} onChange={setKind} />
        <FormGroup label="Name" fieldId={nameId} isRequired>
          <TextInput
            id={nameId}
            isRequired
            value={name}
            onChange={(_e, v) => setName(v)}
            list={`${nameId}-suggestions`}
            autoComplete="off"
            data-testid={nameId}
          />
          <datalist id={`${nameId}-suggestions`}>
            {suggestions.map((s) => (
              <option key={s} value={s} />
            ))}
          </datalist>
          <FormHelperText>
            <HelperText>
              <HelperTextItem>
                {kind === 'robot'
                  ? `A robot as namespace+name, e.g. ${namespace}+ci`
                  : kind === 'team'
                    ? `A team of ${namespace}`
                    : 'A user name'}
              </HelperTextItem>
            </HelperText>
          </FormHelperText>
        </FormGroup>
        <ChoiceField label="Role" id={`${idPrefix}-role`} value={role} choices={roles} onChange={setRole} />
        <div>
          <Button type="submit" isLoading={busy} isDisabled={busy || !name.trim()} data-testid={`${idPrefix}-submit`}>
            {text.submit}
          </Button>
        </div>
      </Form>
      <ConfirmItem
        item={removing}
        title={() => `${text.removeVerb} ${text.noun}?`}
        confirmLabel={text.removeVerb}
        onClose={() => setRemoving(null)}
        onConfirm={async (g) => {
          await remove(g);
          list.reload();
        }}
      >
        {text.removed}
      </ConfirmItem>
    </>
  );
}
