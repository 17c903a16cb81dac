// The image lifecycle rules of a namespace or a repository: immutable tag patterns and the
// retention policy (with its dry run), and, for a namespace, its quota and history window.

import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import {
  Alert,
  Button,
  Card,
  CardBody,
  CardTitle,
  DescriptionList,
  Flex,
  Form,
  FormGroup,
  FormHelperText,
  Grid,
  GridItem,
  HelperText,
  HelperTextItem,
  Label,
  Progress,
  TextInput,
  Title,
} from '@patternfly/react-core';
import { Td, Tr } from '@patternfly/react-table';
import { Link } from 'react-router-dom';
import { api, type QuotaState, type RetentionRun, type RuleScope } from '../api';
import {
  durationText,
  durationWords,
  exactSize,
  humanSize,
  parseDuration,
  parseSize,
  shortDigest,
  splitPatterns,
  usedPercent,
} from '../format';
import { useAction, useLoad } from '../hooks';
import { EMPTY_RETENTION_FORM, formOfPolicy, policyOfForm, policySummary, type RetentionForm } from '../lifecycle';
import { CompactLabels, ConfirmDelete, DataTable, Detail, ErrorAlert, Loading } from './common';

/** A labelled one-line input with a hint below; `id` also marks it for tests. */
function HintedField({
  label,
  id,
  value,
  onChange,
  hint,
  invalid,
  placeholder,
  isRequired = false,
}: {
  label: string;
  id: string;
  value: string;
  onChange: (value: string) => void;
  hint: ReactNode;
  /** Shown instead of the hint, as an error, when set. */
  invalid?: string | null;
  placeholder?: string;
  isRequired?: boolean;
}) {
  return (
    <FormGroup label={label} fieldId={id} isRequired={isRequired}>
      <TextInput
        id={id}
        value={value}
        onChange={(_e, v) => onChange(v)}
        placeholder={placeholder}
        validated={invalid ? 'error' : 'default'}
        autoComplete="off"
        data-testid={id}
      />
      <FormHelperText>
        <HelperText>
          <HelperTextItem variant={invalid ? 'error' : 'default'}>{invalid || hint}</HelperTextItem>
        </HelperText>
      </FormHelperText>
    </FormGroup>
  );
}

function Saved({ message, testId }: { message: string | null; testId: string }) {
  return message ? <Alert variant="success" isInline title={message} data-testid={testId} /> : null;
}

export function ImmutableTagsCard({ scope }: { scope: RuleScope }) {
  const current = useLoad(() => api.immutableTags(scope), [scope.kind, scope.name]);
  const [text, setText] = useState('');
  const [saved, setSaved] = useState<string | null>(null);
  const { busy, error, run } = useAction();

  useEffect(() => {
    if (current.data) setText(current.data.patterns.join(' '));
  }, [current.data]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSaved(null);
    void run(async () => {
      const set = await api.setImmutableTags(scope, splitPatterns(text));
      setSaved(set.patterns.length ? `Immutable: ${set.patterns.join(', ')}` : 'No pattern: tags can be moved again');
      current.reload();
    });
  };

  const patterns = current.data?.patterns ?? [];
  return (
    <Card isPlain data-testid="immutable-card">
      <CardTitle component="h2">Immutable tags</CardTitle>
      <CardBody className="pier-stack">
        <p>
          A tag matching one of these patterns can be pushed once, then never moved, deleted or given an expiry.{' '}
          {scope.kind === 'namespace'
            ? `They hold in every repository of ${scope.name}, besides each repository's own.`
            : `The patterns of ${scope.name.split('/')[0]} hold here as well.`}
        </p>
        <ErrorAlert title="Could not read the immutable tag patterns" error={current.error} />
        {current.loading && !current.data ? (
          <Loading label="Loading immutable tag patterns" />
        ) : (
          current.data && (
            <div data-testid="immutable-current">
              {patterns.length ? <CompactLabels names={patterns} /> : 'None: every tag can be moved and deleted.'}
            </div>
          )
        )}
        <Form onSubmit={submit} aria-label="Immutable tag patterns" className="pier-form">
          <Saved message={saved} testId="immutable-saved" />
          <ErrorAlert title="Could not save the patterns" error={error} />
          <HintedField
            label="Patterns"
            id="immutable-patterns"
            value={text}
            onChange={setText}
            placeholder="v* release-[0-9]*"
            hint="Globs separated by spaces, such as v* or release-[0-9]*; empty for none."
          />
          <div>
            <Button type="submit" isLoading={busy} isDisabled={busy || !current.data} data-testid="immutable-save">
              Save patterns
            </Button>
          </div>
        </Form>
      </CardBody>
    </Card>
  );
}

function RetentionResult({ result, showRepository }: { result: RetentionRun; showRepository: boolean }) {
  const n = result.removed.length;
  const tags = `${n} tag${n === 1 ? '' : 's'}`;
  const title = result.dry_run
    ? n === 0
      ? 'Dry run: no tag would be removed'
      : `Dry run: ${tags} would be removed`
    : n === 0
      ? 'No tag was removed'
      : `${tags} removed`;
  const columns = [...(showRepository ? ['Repository'] : []), 'Tag', 'Digest', 'Reason'];
  return (
    <div data-testid="retention-result" className="pier-stack">
      <Title headingLevel="h3" size="md" data-testid="retention-result-title">
        {title}
      </Title>
      {n > 0 && (
        <DataTable label={result.dry_run ? 'Tags a run would remove' : 'Tags removed'} testId="retention-removed" columns={columns}>
          {result.removed.map((r) => (
            <Tr key={`${r.repository}:${r.tag}`}>
              {showRepository && (
                <Td dataLabel="Repository" className="pier-mono">
                  <Link to={`/repository/${r.repository}`}>{r.repository}</Link>
                </Td>
              )}
              <Td dataLabel="Tag" className="pier-mono">
                {r.tag}
              </Td>
              <Td dataLabel="Digest" className="pier-mono" title={r.digest}>
                {shortDigest(r.digest)}
              </Td>
              <Td dataLabel="Reason">{r.reason}</Td>
            </Tr>
          ))}
        </DataTable>
      )}
    </div>
  );
}

export function RetentionCard({ scope }: { scope: RuleScope }) {
  const current = useLoad(() => api.retention(scope), [scope.kind, scope.name]);
  const [form, setForm] = useState<RetentionForm>(EMPTY_RETENTION_FORM);
  const [saved, setSaved] = useState<string | null>(null);
  const [result, setResult] = useState<RetentionRun | null>(null);
  const [removing, setRemoving] = useState(false);
  const [applying, setApplying] = useState(false);
  const save = useAction();
  const dryRun = useAction();

  useEffect(() => {
    if (current.data) setForm(formOfPolicy(current.data.policy));
  }, [current.data]);

  const policy = current.data?.policy ?? null;
  const parsed = policyOfForm(form);
  const keep = form.keepNewest.trim();
  const keepInvalid = keep && !(/^\d+$/.test(keep) && Number(keep) <= 1_000_000) ? 'A number from 0 to 1000000' : null;
  const olderInvalid =
    form.olderThan.trim() && parseDuration(form.olderThan) === null ? 'A duration such as 30m, 12h, 30d or 2w' : null;
  // what is wrong with the form as a whole, when each field is right
  const formError = 'error' in parsed && !keepInvalid && !olderInvalid ? parsed.error : null;
  const field = (key: keyof RetentionForm) => ({ value: form[key], onChange: (v: string) => setForm({ ...form, [key]: v }) });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!('policy' in parsed)) return;
    setSaved(null);
    void save.run(async () => {
      const set = await api.setRetention(scope, parsed.policy);
      setSaved(`Saved. ${policySummary(set.policy)}`);
      setResult(null);
      current.reload();
    });
  };

  const tryIt = () => {
    setResult(null);
    void dryRun.run(async () => setResult(await api.runRetention(scope, true)));
  };

  const where = scope.kind === 'namespace' ? `every repository of ${scope.name}` : scope.name;
  return (
    <Card isPlain data-testid="retention-card">
      <CardTitle component="h2">Retention policy</CardTitle>
      <CardBody className="pier-stack">
        <p>
          Removes tags of {where} by count or age, at regular intervals. Immutable tags and cosign's sha256-* tags always
          stay; a removed tag can be restored from its history while its manifest is kept.
        </p>
        <ErrorAlert title="Could not read the retention policy" error={current.error} />
        {current.loading && !current.data ? (
          <Loading label="Loading the retention policy" />
        ) : (
          current.data && (
            <p data-testid="retention-current">
              {policy ? policySummary(policy) : 'No retention policy: tags stay until someone deletes them.'}
            </p>
          )
        )}
        <Form onSubmit={submit} aria-label="Retention policy" className="pier-form">
          <Saved message={saved} testId="retention-saved" />
          <ErrorAlert title="Could not save the policy" error={save.error} />
          <Grid hasGutter md={6}>
            <GridItem>
              <HintedField
                label="Keep the newest"
                id="retention-keep"
                placeholder="10"
                hint="Tags beyond this many, newest push first, are removed."
                invalid={keepInvalid}
                {...field('keepNewest')}
              />
            </GridItem>
            <GridItem>
              <HintedField
                label="Older than"
                id="retention-older"
                placeholder="30d"
                hint="Tags pushed longer ago are removed: 12h, 30d, 2w. With both, a tag goes when both hold."
                invalid={olderInvalid}
                {...field('olderThan')}
              />
            </GridItem>
            <GridItem>
              <HintedField
                label="Only tags matching"
                id="retention-include"
                placeholder="dev-* pr-*"
                hint="Globs separated by spaces; empty for every tag."
                {...field('include')}
              />
            </GridItem>
            <GridItem>
              <HintedField
                label="Except tags matching"
                id="retention-exclude"
                placeholder="v* latest"
                hint="Globs separated by spaces: these are never removed."
                {...field('exclude')}
              />
            </GridItem>
          </Grid>
          {formError && current.data && (
            <HelperText>
              <HelperTextItem>{formError}.</HelperTextItem>
            </HelperText>
          )}
          <Flex gap={{ default: 'gapSm' }}>
            <Button
              type="submit"
              isLoading={save.busy}
              isDisabled={save.busy || !current.data || !('policy' in parsed)}
              data-testid="retention-save"
            >
              Save policy
            </Button>
            {policy && (
              <Button variant="link" isDanger onClick={() => setRemoving(true)} data-testid="retention-remove">
                Remove policy
              </Button>
            )}
          </Flex>
        </Form>

        <Title headingLevel="h3" size="md">
          Apply the saved policy
        </Title>
        <p>A dry run lists exactly what running the policy now would remove, and removes nothing.</p>
        <ErrorAlert title="The dry run did not work" error={dryRun.error} />
        <Flex gap={{ default: 'gapSm' }}>
          <Button
            variant="secondary"
            onClick={tryIt}
            isLoading={dryRun.busy}
            isDisabled={!policy || dryRun.busy}
            data-testid="retention-dry-run"
          >
            Dry run
          </Button>
          <Button
            variant="danger"
            onClick={() => setApplying(true)}
            isDisabled={!policy || dryRun.busy}
            data-testid="retention-run"
          >
            Run now
          </Button>
        </Flex>
        {result && <RetentionResult result={result} showRepository={scope.kind === 'namespace'} />}
      </CardBody>
      <ConfirmDelete
        isOpen={applying}
        title="Apply the retention policy now?"
        confirmLabel="Remove tags"
        onClose={() => setApplying(false)}
        onConfirm={async () => {
          setResult(await api.runRetention(scope, false));
        }}
      >
        The tags it selects are removed at once. Their manifests stay for the namespace's history window, so the tags
        can be restored from their history until garbage collection removes them.
      </ConfirmDelete>
      <ConfirmDelete
        isOpen={removing}
        title="Remove the retention policy?"
        confirmLabel="Remove"
        onClose={() => setRemoving(false)}
        onConfirm={async () => {
          await api.deleteRetention(scope);
          setSaved(null);
          setResult(null);
          current.reload();
        }}
      >
        Tags are no longer removed by count or age; those already removed stay removed.
      </ConfirmDelete>
    </Card>
  );
}

const STATE_COLORS: Record<QuotaState, 'green' | 'orange' | 'red'> = { ok: 'green', warning: 'orange', exceeded: 'red' };
const STATE_VARIANTS: Record<QuotaState, 'warning' | 'danger' | undefined> = {
  ok: undefined,
  warning: 'warning',
  exceeded: 'danger',
};

/** Storage used and the quota; superusers (`canSet`) may change or lift it. */
export function QuotaCard({ namespace, canSet }: { namespace: string; canSet: boolean }) {
  const quota = useLoad(() => api.quota(namespace), [namespace]);
  const [limit, setLimit] = useState('');
  const [warning, setWarning] = useState('');
  const [saved, setSaved] = useState<string | null>(null);
  const [lifting, setLifting] = useState(false);
  const { busy, error, run } = useAction();

  useEffect(() => {
    if (!quota.data) return;
    setLimit(quota.data.limit_bytes === null ? '' : exactSize(quota.data.limit_bytes));
    setWarning(quota.data.warning_bytes === null ? '' : exactSize(quota.data.warning_bytes));
  }, [quota.data]);

  const limitBytes = parseSize(limit);
  const warningBytes = warning.trim() ? parseSize(warning) : null;
  const limitInvalid = limit.trim() && limitBytes === null ? 'A size such as 500 MiB, 20 GiB or 1 TiB' : null;
  const warningInvalid =
    warning.trim() && warningBytes === null
      ? 'A size such as 400 MiB or 15 GiB'
      : warningBytes !== null && limitBytes !== null && warningBytes > limitBytes
        ? 'No more than the limit'
        : null;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (limitBytes === null || warningInvalid) return;
    setSaved(null);
    void run(async () => {
      const set = await api.setQuota(namespace, limitBytes, warningBytes);
      setSaved(`Quota set: ${humanSize(set.limit_bytes)}`);
      quota.reload();
    });
  };

  const q = quota.data;
  return (
    <Card isPlain data-testid="quota-card">
      <CardTitle component="h2">Storage and quota</CardTitle>
      <CardBody className="pier-stack">
        <ErrorAlert title="Could not read the storage used" error={quota.error} />
        {quota.loading && !q ? (
          <Loading label="Loading the storage used" />
        ) : (
          q && (
            <>
              <div data-testid="quota-usage">
                {q.limit_bytes !== null ? (
                  <Progress
                    title={`Storage used by ${namespace}`}
                    value={usedPercent(q.used_bytes, q.limit_bytes)}
                    label={`${humanSize(q.used_bytes)} of ${humanSize(q.limit_bytes)}`}
                    valueText={`${humanSize(q.used_bytes)} of ${humanSize(q.limit_bytes)}`}
                    measureLocation="outside"
                    variant={STATE_VARIANTS[q.state]}
                    data-testid="quota-progress"
                  />
                ) : (
                  <p data-testid="quota-no-limit">{humanSize(q.used_bytes)} used; no quota.</p>
                )}
              </div>
              <DescriptionList isCompact columnModifier={{ default: '2Col', lg: '3Col' }} data-testid="quota-details">
                <Detail term="Used">{humanSize(q.used_bytes)}</Detail>
                <Detail term="Blobs">{q.blob_count}</Detail>
                <Detail term="Limit">{q.limit_bytes === null ? 'none' : humanSize(q.limit_bytes)}</Detail>
                <Detail term="Warning at">{q.warning_bytes === null ? 'none' : humanSize(q.warning_bytes)}</Detail>
                <Detail term="State">
                  <Label isCompact color={STATE_COLORS[q.state]} data-testid="quota-state">
                    {q.state}
                  </Label>
                </Detail>
              </DescriptionList>
              <p className="pier-small">
                Each distinct blob of {namespace}'s repositories counts once. A push that would go over the limit is
                refused; deleted images free their space when garbage collection removes them.
              </p>
            </>
          )
        )}
        {canSet ? (
          <Form onSubmit={submit} aria-label="Quota" className="pier-form">
            <Saved message={saved} testId="quota-saved" />
            <ErrorAlert title="Could not change the quota" error={error} />
            <Grid hasGutter md={6}>
              <GridItem>
                <HintedField
                  label="Limit"
                  id="quota-limit"
                  value={limit}
                  onChange={setLimit}
                  placeholder="20 GiB"
                  isRequired
                  hint="In binary units: 500 MiB, 20 GiB, 1 TiB."
                  invalid={limitInvalid}
                />
              </GridItem>
              <GridItem>
                <HintedField
                  label="Warn at"
                  id="quota-warning"
                  value={warning}
                  onChange={setWarning}
                  placeholder="16 GiB"
                  hint="Optional: the state turns to warning from this much on."
                  invalid={warningInvalid}
                />
              </GridItem>
            </Grid>
            <Flex gap={{ default: 'gapSm' }}>
              <Button
                type="submit"
                isLoading={busy}
                isDisabled={busy || limitBytes === null || !!warningInvalid}
                data-testid="quota-save"
              >
                Set quota
              </Button>
              {q && q.limit_bytes !== null && (
                <Button variant="link" isDanger onClick={() => setLifting(true)} data-testid="quota-remove">
                  Remove quota
                </Button>
              )}
            </Flex>
          </Form>
        ) : (
          <p>Only a superuser may change the quota.</p>
        )}
      </CardBody>
      <ConfirmDelete
        isOpen={lifting}
        title={`Remove the quota of ${namespace}?`}
        confirmLabel="Remove quota"
        onClose={() => setLifting(false)}
        onConfirm={async () => {
          await api.deleteQuota(namespace);
          setSaved(null);
          quota.reload();
        }}
      >
        {namespace} may then store as much as it pushes.
      </ConfirmDelete>
    </Card>
  );
}

/** How long manifests that left their last tag are kept, so the tag can be restored. */
export function HistoryWindowCard({ namespace }: { namespace: string }) {
  const setting = useLoad(() => api.historyWindow(namespace), [namespace]);
  const [text, setText] = useState('');
  const [saved, setSaved] = useState<string | null>(null);
  const { busy, error, run } = useAction();

  useEffect(() => {
    if (setting.data) setText(durationText(setting.data.history_window));
  }, [setting.data]);

  const seconds = parseDuration(text, true);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (seconds === null) return;
    setSaved(null);
    void run(async () => {
      const set = await api.setHistoryWindow(namespace, durationText(seconds));
      setSaved(`History window set to ${durationWords(set.history_window)}`);
      setting.reload();
    });
  };
  const reset = () => {
    setSaved(null);
    void run(async () => {
      await api.resetHistoryWindow(namespace);
      setSaved("History window back to the registry's default");
      setting.reload();
    });
  };

  const w = setting.data;
  return (
    <Card isPlain data-testid="history-window-card">
      <CardTitle component="h2">History window</CardTitle>
      <CardBody className="pier-stack">
        <ErrorAlert title="Could not read the history window" error={setting.error} />
        {setting.loading && !w ? (
          <Loading label="Loading the history window" />
        ) : (
          w && (
            <p data-testid="history-window-current">
              {w.history_window === 0
                ? 'A manifest that leaves its last tag is removed at the next garbage collection'
                : `A manifest that leaves its last tag is kept for ${durationWords(w.history_window)}, so the tag can be restored from its history; then garbage collection removes it`}{' '}
              ({w.default ? "the registry's default" : `set for ${namespace}`}).
            </p>
          )
        )}
        <Form onSubmit={submit} aria-label="History window" className="pier-form">
          <Saved message={saved} testId="history-window-saved" />
          <ErrorAlert title="Could not change the history window" error={error} />
          <HintedField
            label="Keep untagged manifests for"
            id="history-window-input"
            value={text}
            onChange={setText}
            placeholder="7d"
            hint="12h, 7d, 2w; 0s removes them at the next collection."
            invalid={text.trim() && seconds === null ? 'A duration such as 0s, 12h, 7d or 2w' : null}
          />
          <Flex gap={{ default: 'gapSm' }}>
            <Button
              type="submit"
              isLoading={busy}
              isDisabled={busy || seconds === null}
              data-testid="history-window-save"
            >
              Set history window
            </Button>
            {w && !w.default && (
              <Button variant="link" onClick={reset} isDisabled={busy} data-testid="history-window-reset">
                Use the default
              </Button>
            )}
          </Flex>
        </Form>
      </CardBody>
    </Card>
  );
}

/** A namespace's lifecycle: storage and quota, history window, immutable tags and retention. */
export function NamespaceLifecyclePanel({ namespace, isSuperuser }: { namespace: string; isSuperuser: boolean }) {
  const scope: RuleScope = { kind: 'namespace', name: namespace };
  return (
    <div className="pier-stack" style={{ marginTop: '1rem' }}>
      <QuotaCard namespace={namespace} canSet={isSuperuser} />
      <HistoryWindowCard namespace={namespace} />
      <ImmutableTagsCard scope={scope} />
      <RetentionCard scope={scope} />
    </div>
  );
}
