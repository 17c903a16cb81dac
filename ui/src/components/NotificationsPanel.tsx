// A namespace's or a repository's notification rules: each with where it sends, whether it is on
// and its recent deliveries; a rule is created in a dialog, tested, switched off and on, deleted.

import { useEffect, useId, useState, type FormEvent } from 'react';
import {
  Alert,
  AlertActionCloseButton,
  Button,
  DescriptionList,
  Flex,
  FlexItem,
  Form,
  FormGroup,
  FormHelperText,
  FormSelect,
  FormSelectOption,
  HelperText,
  HelperTextItem,
  Label,
  Modal,
  ModalBody,
  ModalHeader,
  Radio,
  TextInput,
  Title,
} from '@patternfly/react-core';
import { AngleDownIcon, AngleRightIcon } from '@patternfly/react-icons';
import { ExpandableRowContent, Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { api, type BlockSeverity, type NotificationRule, type RuleScope } from '../api';
import { formatTime, relativeTime } from '../format';
import { useAction, useLoad } from '../hooks';
import {
  deliveryStateColor,
  deliveryStateLabel,
  deliveryText,
  EMPTY_NOTIFICATION_FORM,
  eventLabel,
  eventsFor,
  filterText,
  formProblems,
  isoSeconds,
  lastDelivery,
  METHODS,
  methodLabel,
  MIN_SEVERITIES,
  requestOfForm,
  ruleName,
  ruleStatus,
  statusCodeText,
  takesSeverity,
  takesTagFilter,
  targetOf,
  testOutcome,
  urlPlaceholder,
  usesSecret,
  usesUrl,
  type FormField,
  type NotificationForm,
} from '../notifications';
import { severityLabel } from '../vulnerabilities';
import { ConfirmItem, DataTable, Detail, Empty, ErrorAlert, FormModalFooter, LoadedList, RowActions } from './common';

/** An RFC 3339 time as "5 minutes ago", the full time on hover. */
function When({ time }: { time: string }) {
  const seconds = isoSeconds(time);
  if (seconds === null) return <>{time || '—'}</>;
  return <span title={formatTime(seconds)}>{relativeTime(seconds)}</span>;
}

function StateLabel({ state }: { state: string }) {
  return (
    <Label color={deliveryStateColor(state)} isCompact>
      {deliveryStateLabel(state)}
    </Label>
  );
}

function FieldHelp({ problem, hint }: { problem?: string; hint?: string }) {
  if (!problem && !hint) return null;
  return (
    <FormHelperText>
      <HelperText>
        <HelperTextItem variant={problem ? 'error' : 'default'}>{problem ?? hint}</HelperTextItem>
      </HelperText>
    </FormHelperText>
  );
}

function CreateNotificationModal({
  scope,
  isOpen,
  onClose,
  onCreated,
}: {
  scope: RuleScope;
  isOpen: boolean;
  onClose: () => void;
  onCreated: (rule: NotificationRule) => void;
}) {
  const titleId = useId();
  const [form, setForm] = useState<NotificationForm>(EMPTY_NOTIFICATION_FORM);
  // Field problems show once a submit was tried, not while the first value is still being typed.
  const [checked, setChecked] = useState(false);
  const { busy, error, run, clearError } = useAction();
  const events = eventsFor(scope.kind);

  useEffect(() => {
    if (isOpen) {
      setForm(EMPTY_NOTIFICATION_FORM);
      setChecked(false);
      clearError();
    }
  }, [isOpen, clearError]);

  const set = (change: Partial<NotificationForm>) => setForm((f) => ({ ...f, ...change }));
  const problems: Partial<Record<FormField, string>> = checked ? formProblems(form) : {};
  const invalid = (field: FormField) => (problems[field] ? 'error' : 'default');

  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    setChecked(true);
    const built = requestOfForm(form);
    if ('error' in built) return;
    void run(async () => {
      const created = await api.createNotification(scope, built.rule);
      onCreated(created);
      onClose();
    });
  };

  const { event, method } = form;
  return (
    <Modal variant="medium" isOpen={isOpen} onClose={onClose} aria-labelledby={titleId} data-testid="notification-dialog">
      <ModalHeader
        title="Create notification"
        labelId={titleId}
        description={`Sent when the event happens ${scope.kind === 'namespace' ? 'in any repository of' : 'in'} ${scope.name}.`}
      />
      <ModalBody>
        <ErrorAlert title="Could not create the notification" error={error} />
        <Form id="notification-form" onSubmit={submit} aria-label="Create notification">
          <FormGroup label="Event" fieldId="notification-event" isRequired>
            <FormSelect
              id="notification-event"
              value={event}
              onChange={(_e, v) => set({ event: v as NotificationForm['event'] })}
              validated={invalid('event')}
              data-testid="notification-event"
            >
              {events.map((e) => (
                <FormSelectOption key={e} value={e} label={eventLabel(e)} />
              ))}
            </FormSelect>
            <FieldHelp problem={problems.event} />
          </FormGroup>
          <FormGroup label="Method" fieldId="notification-method" isRequired>
            <FormSelect
              id="notification-method"
              value={method}
              onChange={(_e, v) => set({ method: v as NotificationForm['method'] })}
              validated={invalid('method')}
              data-testid="notification-method"
            >
              {METHODS.map((m) => (
                <FormSelectOption key={m} value={m} label={methodLabel(m)} />
              ))}
            </FormSelect>
            <FieldHelp problem={problems.method} />
          </FormGroup>
          {usesUrl(method) && (
            <FormGroup label={method === 'slack' ? 'Incoming webhook URL' : 'URL'} fieldId="notification-url" isRequired>
              <TextInput
                id="notification-url"
                type="text"
                inputMode="url"
                isRequired
                value={form.url}
                onChange={(_e, v) => set({ url: v })}
                placeholder={urlPlaceholder(method)}
                validated={invalid('url')}
                className="pier-mono"
                data-testid="notification-url"
              />
              <FieldHelp
                problem={problems.url}
                hint={method === 'slack' ? undefined : 'Pier POSTs each event here; a 2xx answer counts as delivered.'}
              />
            </FormGroup>
          )}
          {usesSecret(method) && (
            <FormGroup label="Secret" fieldId="notification-secret">
              <TextInput
                id="notification-secret"
                type="password"
                autoComplete="new-password"
                value={form.secret}
                onChange={(_e, v) => set({ secret: v })}
                data-testid="notification-secret"
              />
              <FieldHelp hint="Optional: signs each body in the X-Pier-Signature-256 header (HMAC-SHA256)." />
            </FormGroup>
          )}
          {method === 'cloudevents' && (
            <FormGroup label="Mode" role="radiogroup" fieldId="notification-mode" isInline>
              <Radio
                id="notification-mode-structured"
                name="notification-mode"
                label="Structured"
                description="The whole event as the body"
                isChecked={form.mode === 'structured'}
                onChange={() => set({ mode: 'structured' })}
                data-testid="notification-mode-structured"
              />
              <Radio
                id="notification-mode-binary"
                name="notification-mode"
                label="Binary"
                description="Attributes in ce- headers, the payload as the body"
                isChecked={form.mode === 'binary'}
                onChange={() => set({ mode: 'binary' })}
                data-testid="notification-mode-binary"
              />
            </FormGroup>
          )}
          {method === 'email' && (
            <FormGroup label="To" fieldId="notification-to" isRequired>
              <TextInput
                id="notification-to"
                isRequired
                value={form.to}
                onChange={(_e, v) => set({ to: v })}
                placeholder="ops@example.com, dev@example.com"
                validated={invalid('to')}
                data-testid="notification-to"
              />
              <FieldHelp problem={problems.to} hint="Addresses separated by commas." />
            </FormGroup>
          )}
          {takesTagFilter(event) && (
            <FormGroup label="Tags" fieldId="notification-tags">
              <TextInput
                id="notification-tags"
                value={form.tags}
                onChange={(_e, v) => set({ tags: v })}
                placeholder="v* or release-*"
                validated={invalid('tags')}
                className="pier-mono"
                data-testid="notification-tags"
              />
              <FieldHelp problem={problems.tags} hint="Optional: only events about tags matching this pattern." />
            </FormGroup>
          )}
          {takesSeverity(event) && (
            <FormGroup label="Minimum severity" fieldId="notification-min-severity">
              <FormSelect
                id="notification-min-severity"
                value={form.minSeverity}
                onChange={(_e, v) => set({ minSeverity: v as BlockSeverity | '' })}
                validated={invalid('minSeverity')}
                data-testid="notification-min-severity"
              >
                <FormSelectOption value="" label="Any" />
                {MIN_SEVERITIES.map((s) => (
                  <FormSelectOption key={s} value={s} label={severityLabel(s)} />
                ))}
              </FormSelect>
              <FieldHelp problem={problems.minSeverity} hint="Only scans whose worst finding is this bad or worse." />
            </FormGroup>
          )}
          <FormGroup label="Title" fieldId="notification-title">
            <TextInput
              id="notification-title"
              value={form.title}
              onChange={(_e, v) => set({ title: v })}
              placeholder={`${eventLabel(event)} → ${methodLabel(method)}`}
              data-testid="notification-title"
            />
          </FormGroup>
        </Form>
      </ModalBody>
      <FormModalFooter
        form="notification-form"
        label="Create"
        busy={busy}
        canSubmit={usesUrl(method) ? !!form.url.trim() : !!form.to.trim()}
        testId="notification-create-submit"
        onCancel={onClose}
      />
    </Modal>
  );
}

function Deliveries({ rule }: { rule: NotificationRule }) {
  const deliveries = rule.deliveries ?? [];
  if (deliveries.length === 0) {
    return (
      <div data-testid="notification-deliveries-empty">
        <Empty title="No deliveries yet">Events this rule matches, and test notifications, are listed here.</Empty>
      </div>
    );
  }
  return (
    <DataTable
      label={`Recent deliveries of ${ruleName(rule)}`}
      testId="notification-deliveries"
      columns={['Time', 'Event', 'State', 'Status code', 'Attempts', { title: 'Last error', wrap: true }]}
    >
      {deliveries.map((d) => (
        <Tr key={d.id} data-testid={`notification-delivery-${d.id}`}>
          <Td dataLabel="Time">
            <When time={d.updated_at || d.created_at} />
          </Td>
          <Td dataLabel="Event">{eventLabel(d.event)}</Td>
          <Td dataLabel="State">
            <StateLabel state={d.state} />
          </Td>
          <Td dataLabel="Status code">{statusCodeText(d.status_code)}</Td>
          <Td dataLabel="Attempts">{d.attempts}</Td>
          <Td dataLabel="Last error" modifier="breakWord">
            {d.error || '—'}
          </Td>
        </Tr>
      ))}
    </DataTable>
  );
}

function RuleDetails({ rule }: { rule: NotificationRule }) {
  const filter = filterText(rule);
  return (
    <div className="pier-stack">
      <DescriptionList isCompact isHorizontal data-testid="notification-details">
        <Detail term="Status">{ruleStatus(rule)}</Detail>
        <Detail term="Event">{eventLabel(rule.event)}</Detail>
        <Detail term="Method">{methodLabel(rule.method)}</Detail>
        <Detail term={rule.method === 'email' ? 'To' : 'URL'}>
          <span className="pier-mono">{targetOf(rule)}</span>
        </Detail>
        {rule.method === 'cloudevents' && <Detail term="Mode">{rule.config.mode || 'structured'}</Detail>}
        {usesSecret(rule.method) && <Detail term="Secret">{rule.config.secret ? 'set' : 'none'}</Detail>}
        <Detail term="Filter">{filter ?? 'none'}</Detail>
        <Detail term="Created">
          <When time={rule.created_at} />
        </Detail>
      </DescriptionList>
      <Title headingLevel="h3" size="md">
        Recent deliveries
      </Title>
      <Deliveries rule={rule} />
    </div>
  );
}

type TestResult = { rule: string; delivered: boolean; text: string };

export function NotificationsPanel({ scope }: { scope: RuleScope }) {
  const list = useLoad(() => api.notifications(scope), [scope.kind, scope.name]);
  const [creating, setCreating] = useState(false);
  const [expanded, setExpanded] = useState<Set<number>>(new Set());
  const [testing, setTesting] = useState<number | null>(null);
  const [result, setResult] = useState<TestResult | null>(null);
  const [deleting, setDeleting] = useState<NotificationRule | null>(null);
  const action = useAction();

  const toggle = (id: number, open?: boolean) =>
    setExpanded((now) => {
      const next = new Set(now);
      if (open ?? !next.has(id)) next.add(id);
      else next.delete(id);
      return next;
    });

  const sendTest = (rule: NotificationRule) =>
    action.run(async () => {
      setTesting(rule.id);
      setResult(null);
      try {
        const answer = await api.testNotification(rule.id);
        setResult({ rule: ruleName(rule), delivered: answer.delivered, text: testOutcome(answer, rule.method) });
        toggle(rule.id, true); // the test's delivery is listed there
        list.reload();
      } finally {
        setTesting(null);
      }
    });

  const setEnabled = (rule: NotificationRule, enabled: boolean) =>
    action.run(async () => {
      await api.updateNotification(rule.id, { enabled });
      list.reload();
    });

  const rules = list.data?.notifications ?? [];
  const columns = 6;
  return (
    <div className="pier-stack" style={{ marginTop: '1rem' }} data-testid="notifications-panel">
      <Flex justifyContent={{ default: 'justifyContentSpaceBetween' }} alignItems={{ default: 'alignItemsCenter' }}>
        <FlexItem>
          <Title headingLevel="h2" size="lg">
            Notifications of {scope.name}
          </Title>
        </FlexItem>
        <FlexItem>
          <Flex gap={{ default: 'gapSm' }}>
            <Button variant="secondary" onClick={list.reload} isDisabled={list.loading} data-testid="notifications-reload">
              Refresh
            </Button>
            <Button onClick={() => setCreating(true)} data-testid="notification-create">
              Create notification
            </Button>
          </Flex>
        </FlexItem>
      </Flex>
      <p className="pier-small">
        {scope.kind === 'namespace'
          ? `Rules here apply to every repository of ${scope.name}; a repository's own rules are on its Notifications tab.`
          : `Rules here apply to ${scope.name} only; those of the namespace ${scope.name.split('/')[0]} apply too.`}{' '}
        A delivery that fails is tried again; a rule whose deliveries keep failing is disabled.
      </p>
      {result && (
        <Alert
          variant={result.delivered ? 'success' : 'danger'}
          isInline
          title={result.text}
          actionClose={<AlertActionCloseButton onClose={() => setResult(null)} />}
          data-testid="notification-test-result"
          className="pier-alert"
        >
          Test notification of {result.rule}.
        </Alert>
      )}
      <ErrorAlert title="It did not work" error={action.error} />
      <LoadedList
        list={list}
        count={rules.length}
        errorTitle="Could not list the notifications"
        skeletonRows={2}
        empty={
          <div data-testid="notifications-empty">
            <Empty title="No notifications">
              Create one to call a webhook, post to Slack, send CloudEvents or email when something happens.
            </Empty>
          </div>
        }
      >
        <div className="pier-table-scroll">
          <Table aria-label="Notification rules" variant="compact" data-testid="notifications-table">
            <Thead>
              <Tr>
                <Th screenReaderText="Details" modifier="fitContent" />
                <Th width={20}>Rule</Th>
                <Th width={25}>Target</Th>
                <Th width={15} modifier="wrap">
                  Status
                </Th>
                <Th width={15} modifier="wrap">
                  Last delivery
                </Th>
                <Th screenReaderText="Actions" />
              </Tr>
            </Thead>
            {rules.map((rule) => {
              const name = ruleName(rule);
              const isOpen = expanded.has(rule.id);
              const last = lastDelivery(rule);
              const detailsId = `notification-details-${rule.id}`;
              return (
                <Tbody key={rule.id} isExpanded={isOpen}>
                  <Tr data-testid={`notification-row-${rule.id}`}>
                    <Td modifier="fitContent">
                      <Button
                        variant="plain"
                        size="sm"
                        icon={isOpen ? <AngleDownIcon /> : <AngleRightIcon />}
                        aria-label={`Details of ${name}`}
                        aria-expanded={isOpen}
                        aria-controls={detailsId}
                        onClick={() => toggle(rule.id)}
                        data-testid="notification-expand"
                      />
                    </Td>
                    <Td dataLabel="Rule" style={{ minWidth: '10rem' }}>
                      <div>{name}</div>
                      {rule.title && (
                        <div className="pier-small">
                          {eventLabel(rule.event)} → {methodLabel(rule.method)}
                        </div>
                      )}
                    </Td>
                    <Td dataLabel="Target">
                      <span className="pier-mono">{targetOf(rule)}</span>
                    </Td>
                    <Td dataLabel="Status" title={ruleStatus(rule)}>
                      {rule.enabled ? (
                        <Label color="green" isCompact>
                          Enabled
                        </Label>
                      ) : (
                        <>
                          <Label color="orange" isCompact>
                            Disabled
                          </Label>
                          {rule.disabled_reason && <div className="pier-small">{rule.disabled_reason}</div>}
                        </>
                      )}
                    </Td>
                    <Td dataLabel="Last delivery" title={last ? deliveryText(last, rule.method) : undefined}>
                      {last ? (
                        <>
                          <StateLabel state={last.state} />
                          <div className="pier-small">
                            {eventLabel(last.event)}, <When time={last.updated_at || last.created_at} />
                          </div>
                        </>
                      ) : (
                        'none yet'
                      )}
                    </Td>
                    <Td isActionCell>
                      <Flex gap={{ default: 'gapSm' }} flexWrap={{ default: 'nowrap' }} alignItems={{ default: 'alignItemsCenter' }}>
                        <Button
                          variant="secondary"
                          size="sm"
                          onClick={() => void sendTest(rule)}
                          isLoading={testing === rule.id}
                          isDisabled={action.busy}
                          aria-label={`Send test notification: ${name}`}
                          data-testid="notification-test"
                        >
                          Send test notification
                        </Button>
                        <RowActions
                          label={`Actions for ${name}`}
                          items={[
                            {
                              title: rule.enabled ? 'Disable' : 'Enable',
                              isDisabled: action.busy,
                              onClick: () => void setEnabled(rule, !rule.enabled),
                            },
                            { title: 'Delete', isDanger: true, onClick: () => setDeleting(rule) },
                          ]}
                        />
                      </Flex>
                    </Td>
                  </Tr>
                  <Tr isExpanded={isOpen}>
                    <Td colSpan={columns} id={detailsId}>
                      {isOpen && (
                        <ExpandableRowContent>
                          <RuleDetails rule={rule} />
                        </ExpandableRowContent>
                      )}
                    </Td>
                  </Tr>
                </Tbody>
              );
            })}
          </Table>
        </div>
      </LoadedList>

      <CreateNotificationModal
        scope={scope}
        isOpen={creating}
        onClose={() => setCreating(false)}
        onCreated={() => list.reload()}
      />
      <ConfirmItem
        item={deleting}
        title={(r) => `Delete the notification ${ruleName(r)}?`}
        onClose={() => setDeleting(null)}
        onConfirm={async (r) => {
          await api.deleteNotification(r.id);
          if (result?.rule === ruleName(r)) setResult(null);
          list.reload();
        }}
      >
        {(r) => <>Nothing more is sent to {targetOf(r)}.</>}
      </ConfirmItem>
    </div>
  );
}
