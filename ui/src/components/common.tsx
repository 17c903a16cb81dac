import { useEffect, useId, useState, type FormEvent, type ReactNode } from 'react';
import {
  Alert,
  Bullseye,
  Button,
  ClipboardCopy,
  ClipboardCopyButton,
  CodeBlock,
  CodeBlockAction,
  CodeBlockCode,
  DescriptionListDescription,
  DescriptionListGroup,
  DescriptionListTerm,
  EmptyState,
  EmptyStateBody,
  Form,
  FormGroup,
  Label,
  LabelGroup,
  MenuToggle,
  Modal,
  SearchInput,
  ModalBody,
  ModalFooter,
  ModalHeader,
  Skeleton,
  Spinner,
  TextInput,
  Title,
  Tooltip,
} from '@patternfly/react-core';
import { CopyIcon, EllipsisVIcon } from '@patternfly/react-icons';
import { ActionsColumn, Table, Tbody, Th, Thead, Tr, type IAction } from '@patternfly/react-table';
import { ApiError } from '../api';
import { useAction, useDebounced, type CursorPages, type Loaded } from '../hooks';

export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

/** A danger alert with the server's own words as its body. */
export function ErrorAlert({ title, error }: { title: string; error: unknown }) {
  if (!error) return null;
  return (
    <Alert variant="danger" isInline title={title} data-testid="error-alert" role="alert" className="pier-alert">
      {messageOf(error)}
    </Alert>
  );
}

export function Loading({ label = 'Loading' }: { label?: string }) {
  return (
    <Bullseye className="pier-loading">
      <Spinner size="lg" aria-label={label} />
    </Bullseye>
  );
}

export function TableSkeleton({ rows = 3 }: { rows?: number }) {
  return (
    <div aria-busy="true" aria-label="Loading table" data-testid="table-loading">
      {Array.from({ length: rows }, (_, i) => (
        <Skeleton key={i} height="2rem" className="pier-skeleton-row" screenreaderText={i === 0 ? 'Loading' : undefined} />
      ))}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <EmptyState titleText={title} headingLevel="h3" variant="sm">
      {children && <EmptyStateBody>{children}</EmptyStateBody>}
    </EmptyState>
  );
}

/** A one-line value with a copy button; `testId` marks the wrapper, whose input holds the value. */
export function CopyText({ text, label, testId }: { text: string; label: string; testId?: string }) {
  return (
    <div data-testid={testId} className="pier-copy">
      <ClipboardCopy
        isReadOnly
        hoverTip="Copy"
        clickTip="Copied"
        textAriaLabel={label}
        copyAriaLabel={`Copy ${label}`}
      >
        {text}
      </ClipboardCopy>
    </div>
  );
}

/** Writes `text` to the clipboard; `copied` says it worked, until the tooltip that says so hides. */
function useCopy(text: string) {
  const [copied, setCopied] = useState(false);
  const copy = () => {
    navigator.clipboard?.writeText(text).then(
      () => setCopied(true),
      () => setCopied(false),
    );
  };
  return { copied, copy, hidden: () => setCopied(false) };
}

/** A copy-to-clipboard icon button for table cells, where the full value would not fit. */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const { copied, copy, hidden } = useCopy(text);
  return (
    <Tooltip content={copied ? 'Copied' : `Copy ${label}`} onTooltipHidden={hidden}>
      <Button variant="plain" size="sm" icon={<CopyIcon />} aria-label={`Copy ${label}`} onClick={copy} />
    </Tooltip>
  );
}

/** Multi-line text (YAML, JSON) shown as code with a copy button. */
export function CopyBlock({ text, label, testId }: { text: string; label: string; testId?: string }) {
  const id = useId();
  const { copied, copy, hidden } = useCopy(text);
  return (
    <CodeBlock
      data-testid={testId}
      actions={
        <CodeBlockAction>
          <ClipboardCopyButton
            id={`${id}-copy`}
            textId={`${id}-code`}
            aria-label={`Copy ${label}`}
            onClick={copy}
            exitDelay={copied ? 1500 : 600}
            onTooltipHidden={hidden}
            variant="plain"
          >
            {copied ? 'Copied' : 'Copy'}
          </ClipboardCopyButton>
        </CodeBlockAction>
      }
    >
      <CodeBlockCode id={`${id}-code`}>{text}</CodeBlockCode>
    </CodeBlock>
  );
}

/** Asks before something that cannot be undone; shows the server's refusal inside the dialog. */
export function ConfirmDelete({
  isOpen,
  title,
  children,
  confirmLabel = 'Delete',
  onConfirm,
  onClose,
}: {
  isOpen: boolean;
  title: string;
  children: ReactNode;
  confirmLabel?: string;
  onConfirm: () => Promise<void>;
  onClose: () => void;
}) {
  const { busy, error, run, clearError } = useAction();
  const titleId = useId();
  const close = () => {
    clearError();
    onClose();
  };
  const confirm = () =>
    run(async () => {
      await onConfirm();
      close();
    });
  return (
    <Modal variant="small" isOpen={isOpen} onClose={close} aria-labelledby={titleId} data-testid="confirm-dialog">
      <ModalHeader title={title} labelId={titleId} titleIconVariant="warning" />
      <ModalBody>
        {children}
        <ErrorAlert title="It did not work" error={error} />
      </ModalBody>
      <ModalFooter>
        <Button variant="danger" onClick={confirm} isLoading={busy} isDisabled={busy} data-testid="confirm-button">
          {confirmLabel}
        </Button>
        <Button variant="link" onClick={close}>
          Cancel
        </Button>
      </ModalFooter>
    </Modal>
  );
}

/** The footer of a dialog holding one form: its submit button and Cancel. */
export function FormModalFooter({
  form,
  label,
  busy,
  canSubmit,
  testId,
  onCancel,
}: {
  form: string;
  label: string;
  busy: boolean;
  canSubmit: boolean;
  testId: string;
  onCancel: () => void;
}) {
  return (
    <ModalFooter>
      <Button type="submit" form={form} isLoading={busy} isDisabled={busy || !canSubmit} data-testid={testId}>
        {label}
      </Button>
      <Button variant="link" onClick={onCancel}>
        Cancel
      </Button>
    </ModalFooter>
  );
}

/** ConfirmDelete about one row of a table: open while `item` is set. */
export function ConfirmItem<T>({
  item,
  title,
  confirmLabel,
  onConfirm,
  onClose,
  children,
}: {
  item: T | null;
  title: (item: T) => string;
  confirmLabel?: string;
  onConfirm: (item: T) => Promise<void>;
  onClose: () => void;
  children: ReactNode | ((item: T) => ReactNode);
}) {
  return (
    <ConfirmDelete
      isOpen={item !== null}
      title={item === null ? '' : title(item)}
      confirmLabel={confirmLabel}
      onClose={onClose}
      onConfirm={async () => {
        if (item !== null) await onConfirm(item);
      }}
    >
      {item !== null && (typeof children === 'function' ? children(item) : children)}
    </ConfirmDelete>
  );
}

/** Previous/next over a cursor-paged list, whose total the server does not tell. */
export function CursorPager<C>({ pages, next, label }: { pages: CursorPages<C>; next: C | null; label: string }) {
  return (
    <nav aria-label={label} style={{ display: 'flex', gap: '0.5rem', alignItems: 'center' }}>
      <Button
        variant="secondary"
        size="sm"
        isDisabled={pages.page <= 1}
        onClick={pages.back}
        data-testid="page-previous"
      >
        Previous
      </Button>
      <span aria-live="polite">Page {pages.page}</span>
      <Button
        variant="secondary"
        size="sm"
        isDisabled={next === null}
        onClick={() => next !== null && pages.forward(next)}
        data-testid="page-next"
      >
        Next
      </Button>
    </nav>
  );
}

/**
 * A loaded list: the error if loading failed, a skeleton until the first answer, `empty` when there
 * are no items, else `children`. Keeps the old rows on screen while a reload runs.
 */
export function LoadedList({
  list,
  count,
  errorTitle,
  skeletonRows,
  empty,
  children,
}: {
  list: Loaded<unknown>;
  count: number;
  errorTitle: string;
  skeletonRows?: number;
  empty: ReactNode;
  children: ReactNode;
}) {
  return (
    <>
      <ErrorAlert title={errorTitle} error={list.error} />
      {list.loading && !list.data ? (
        <TableSkeleton rows={skeletonRows} />
      ) : count === 0 && !list.error ? (
        empty
      ) : (
        children
      )}
    </>
  );
}

/** A titled form that creates something, with its own busy state and the server's refusal. */
export function CreateForm({
  title,
  errorTitle,
  submitLabel,
  submitTestId,
  canSubmit,
  onSubmit,
  children,
}: {
  title: string;
  errorTitle: string;
  submitLabel: string;
  submitTestId: string;
  canSubmit: boolean;
  onSubmit: () => Promise<unknown>;
  children: ReactNode;
}) {
  const { busy, error, run } = useAction();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(onSubmit);
  };
  return (
    <Form onSubmit={submit} aria-label={title} className="pier-form">
      <Title headingLevel="h2" size="lg">
        {title}
      </Title>
      <ErrorAlert title={errorTitle} error={error} />
      {children}
      <div>
        <Button type="submit" isLoading={busy} isDisabled={busy || !canSubmit} data-testid={submitTestId}>
          {submitLabel}
        </Button>
      </div>
    </Form>
  );
}

/** A labelled one-line input; `id` also marks it for tests. */
export function TextField({
  label,
  id,
  value,
  onChange,
  isRequired = false,
  type = 'text',
  placeholder,
  autoComplete,
}: {
  label: string;
  id: string;
  value: string;
  onChange: (value: string) => void;
  isRequired?: boolean;
  type?: 'text' | 'password' | 'email';
  placeholder?: string;
  autoComplete?: string;
}) {
  return (
    <FormGroup label={label} fieldId={id} isRequired={isRequired}>
      <TextInput
        id={id}
        type={type}
        isRequired={isRequired}
        value={value}
        onChange={(_e, v) => onChange(v)}
        placeholder={placeholder}
        autoComplete={autoComplete}
        data-testid={id}
      />
    </FormGroup>
  );
}

/** One term and its value in a DescriptionList. */
export function Detail({
  term,
  termClassName,
  children,
}: {
  term: string;
  termClassName?: string;
  children: ReactNode;
}) {
  return (
    <DescriptionListGroup>
      <DescriptionListTerm className={termClassName}>{term}</DescriptionListTerm>
      <DescriptionListDescription>{children}</DescriptionListDescription>
    </DescriptionListGroup>
  );
}

export function CompactLabels({ names }: { names: string[] }) {
  return (
    <LabelGroup>
      {names.map((name) => (
        <Label key={name} isCompact>
          {name}
        </Label>
      ))}
    </LabelGroup>
  );
}

/** A search box that reports its trimmed text once typing pauses. */
export function SearchField({
  label,
  placeholder,
  testId,
  onSearch,
}: {
  label: string;
  placeholder: string;
  testId: string;
  onSearch: (q: string) => void;
}) {
  const [search, setSearch] = useState('');
  const q = useDebounced(search.trim());
  useEffect(() => onSearch(q), [q, onSearch]);
  return (
    <SearchInput
      aria-label={label}
      placeholder={placeholder}
      value={search}
      onChange={(_e, v) => setSearch(v)}
      onClear={() => setSearch('')}
      data-testid={testId}
    />
  );
}

export type Column = string | { title: string; wrap: true };

/**
 * A compact table that scrolls sideways inside its section rather than widening the page on phones;
 * `actions` adds a last column, unnamed on screen, for the row's buttons.
 */
export function DataTable({
  label,
  testId,
  columns,
  actions = false,
  children,
}: {
  label: string;
  testId?: string;
  columns: Column[];
  actions?: boolean;
  children: ReactNode;
}) {
  return (
    <div className="pier-table-scroll">
      <Table aria-label={label} variant="compact" data-testid={testId}>
        <Thead>
          <Tr>
            {columns.map((c) =>
              typeof c === 'string' ? (
                <Th key={c}>{c}</Th>
              ) : (
                <Th key={c.title} modifier="wrap">
                  {c.title}
                </Th>
              ),
            )}
            {actions && <Th screenReaderText="Actions" />}
          </Tr>
        </Thead>
        <Tbody>{children}</Tbody>
      </Table>
    </div>
  );
}

// A table row's action menu whose toggle names its row ("Actions for 1.0"): PatternFly's own
// toggle is announced as "Kebab toggle" in every row, so screen readers could not tell rows apart.
export function RowActions({ label, items }: { label: string; items: IAction[] }) {
  return (
    <ActionsColumn
      items={items}
      actionsToggle={({ onToggle, isOpen, isDisabled, toggleRef }) => (
        <MenuToggle
          ref={toggleRef}
          variant="plain"
          aria-label={label}
          onClick={onToggle}
          isExpanded={isOpen}
          isDisabled={isDisabled}
          icon={<EllipsisVIcon />}
        />
      )}
    />
  );
}
