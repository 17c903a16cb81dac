import { useId, useState, type ReactNode } from 'react';
import {
  Alert,
  Bullseye,
  Button,
  ClipboardCopy,
  ClipboardCopyButton,
  CodeBlock,
  CodeBlockAction,
  CodeBlockCode,
  EmptyState,
  EmptyStateBody,
  Modal,
  ModalBody,
  ModalFooter,
  ModalHeader,
  Skeleton,
  Spinner,
  Tooltip,
} from '@patternfly/react-core';
import { CopyIcon } from '@patternfly/react-icons';
import { ApiError } from '../api';

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

/** A copy-to-clipboard icon button for table cells, where the full value would not fit. */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState(false);
  const copy = () => {
    navigator.clipboard?.writeText(text).then(
      () => setCopied(true),
      () => setCopied(false),
    );
  };
  return (
    <Tooltip content={copied ? 'Copied' : `Copy ${label}`} onTooltipHidden={() => setCopied(false)}>
      <Button variant="plain" size="sm" icon={<CopyIcon />} aria-label={`Copy ${label}`} onClick={copy} />
    </Tooltip>
  );
}

/** Multi-line text (YAML, JSON) shown as code with a copy button. */
export function CopyBlock({ text, label, testId }: { text: string; label: string; testId?: string }) {
  const id = useId();
  const [copied, setCopied] = useState(false);
  const copy = () => {
    navigator.clipboard?.writeText(text).then(() => setCopied(true), () => setCopied(false));
  };
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
            onTooltipHidden={() => setCopied(false)}
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
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const titleId = useId();
  const close = () => {
    setError(null);
    onClose();
  };
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
      close();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
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

/** Previous/next over a cursor-paged list, whose total the server does not tell. */
export function CursorPager({
  page,
  hasNext,
  onPrevious,
  onNext,
  label,
}: {
  page: number;
  hasNext: boolean;
  onPrevious: () => void;
  onNext: () => void;
  label: string;
}) {
  return (
    <nav aria-label={label} style={{ display: 'flex', gap: '0.5rem', alignItems: 'center' }}>
      <Button variant="secondary" size="sm" isDisabled={page <= 1} onClick={onPrevious} data-testid="page-previous">
        Previous
      </Button>
      <span aria-live="polite">Page {page}</span>
      <Button variant="secondary" size="sm" isDisabled={!hasNext} onClick={onNext} data-testid="page-next">
        Next
      </Button>
    </nav>
  );
}
