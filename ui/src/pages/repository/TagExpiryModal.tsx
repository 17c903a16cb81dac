import { useEffect, useId, useState, type FormEvent } from 'react';
import {
  Button,
  Form,
  FormGroup,
  FormHelperText,
  HelperText,
  HelperTextItem,
  Modal,
  ModalBody,
  ModalFooter,
  ModalHeader,
  Radio,
  TextInput,
} from '@patternfly/react-core';
import { api, type Tag, type TagExpiry } from '../../api';
import { ErrorAlert } from '../../components/common';
import { durationText, expiryText, formatTime, localDateTimeToSeconds, parseDuration } from '../../format';
import { useAction } from '../../hooks';

type Mode = 'in' | 'at';

/**
 * When a tag is removed: in a while ("3d") or at a moment, or never again. Open while `tag` is
 * set; the server's refusal (an immutable tag) shows in the dialog.
 */
export function TagExpiryModal({
  repository,
  tag,
  onClose,
  onSaved,
}: {
  repository: string;
  tag: Tag | null;
  onClose: () => void;
  onSaved: (tag: Tag) => void;
}) {
  const titleId = useId();
  const [mode, setMode] = useState<Mode>('in');
  const [after, setAfter] = useState('');
  const [at, setAt] = useState('');
  const { busy, error, run, clearError } = useAction();

  useEffect(() => {
    if (tag) {
      setMode('in');
      setAfter('');
      setAt('');
      clearError();
    }
  }, [tag, clearError]);

  const seconds = parseDuration(after);
  const atSeconds = localDateTimeToSeconds(at);
  const expiry: TagExpiry | null =
    mode === 'in'
      ? seconds === null
        ? null
        : { expires_in: durationText(seconds) }
      : atSeconds === null
        ? null
        : { expires_at: atSeconds };

  const save = (change: TagExpiry) =>
    run(async () => {
      if (!tag) return;
      onSaved(await api.setTagExpiry(repository, tag.name, change));
      onClose();
    });
  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    if (expiry) void save(expiry);
  };

  return (
    <Modal variant="small" isOpen={tag !== null} onClose={onClose} aria-labelledby={titleId} data-testid="tag-expiry-dialog">
      <ModalHeader title={tag ? `Expiry of ${tag.name}` : ''} labelId={titleId} />
      <ModalBody>
        {tag && (
          <p style={{ marginBottom: '1rem' }} data-testid="tag-expiry-current">
            {tag.expires_at === null
              ? 'The tag does not expire.'
              : `The tag expires ${expiryText(tag.expires_at)} (${formatTime(tag.expires_at)}).`}{' '}
            When it expires the tag is removed; its manifest stays for the history window.
          </p>
        )}
        <ErrorAlert title="Could not change the expiry" error={error} />
        <Form id="tag-expiry-form" onSubmit={submit}>
          <FormGroup role="radiogroup" isInline fieldId="tag-expiry-mode" label="Remove the tag">
            <Radio
              id="tag-expiry-mode-in"
              name="tag-expiry-mode"
              label="after a while"
              isChecked={mode === 'in'}
              onChange={() => setMode('in')}
            />
            <Radio
              id="tag-expiry-mode-at"
              name="tag-expiry-mode"
              label="at a given time"
              isChecked={mode === 'at'}
              onChange={() => setMode('at')}
            />
          </FormGroup>
          {mode === 'in' ? (
            <FormGroup label="Expires in" fieldId="tag-expiry-in">
              <TextInput
                id="tag-expiry-in"
                value={after}
                placeholder="3d"
                autoComplete="off"
                validated={after.trim() && seconds === null ? 'error' : 'default'}
                onChange={(_e, v) => setAfter(v)}
                data-testid="tag-expiry-in"
              />
              <FormHelperText>
                <HelperText>
                  <HelperTextItem variant={after.trim() && seconds === null ? 'error' : 'default'}>
                    From now: 30m, 12h, 3d or 2w.
                  </HelperTextItem>
                </HelperText>
              </FormHelperText>
            </FormGroup>
          ) : (
            <FormGroup label="Expires at (local time)" fieldId="tag-expiry-at">
              <TextInput
                id="tag-expiry-at"
                type="datetime-local"
                value={at}
                onChange={(_e, v) => setAt(v)}
                data-testid="tag-expiry-at"
              />
            </FormGroup>
          )}
        </Form>
      </ModalBody>
      <ModalFooter>
        <Button
          type="submit"
          form="tag-expiry-form"
          isLoading={busy}
          isDisabled={busy || expiry === null}
          data-testid="tag-expiry-save"
        >
          Set expiry
        </Button>
        {tag && tag.expires_at !== null && (
          <Button variant="secondary" isDisabled={busy} onClick={() => void save({})} data-testid="tag-expiry-clear">
            Never expire
          </Button>
        )}
        <Button variant="link" onClick={onClose}>
          Cancel
        </Button>
      </ModalFooter>
    </Modal>
  );
}
