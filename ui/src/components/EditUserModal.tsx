import { useEffect, useId, useState, type FormEvent } from 'react';
import { Checkbox, Form, FormGroup, Modal, ModalBody, ModalHeader, TextInput } from '@patternfly/react-core';
import { api, type User, type UserChange } from '../api';
import { useAction } from '../hooks';
import { ErrorAlert, FormModalFooter } from './common';

/** A superuser's changes to one user: a new password, superuser, disabled. Open while `user` is set. */
export function EditUserModal({
  user,
  isSelf,
  onClose,
  onSaved,
}: {
  user: User | null;
  isSelf: boolean;
  onClose: () => void;
  onSaved: () => void;
}) {
  const titleId = useId();
  const [password, setPassword] = useState('');
  const [superuser, setSuperuser] = useState(false);
  const [disabled, setDisabled] = useState(false);
  const { busy, error, run, clearError } = useAction();

  useEffect(() => {
    if (user) {
      setPassword('');
      setSuperuser(user.superuser);
      setDisabled(!!user.disabled);
      clearError();
    }
  }, [user, clearError]);

  const change: UserChange = {
    ...(password ? { password } : {}),
    ...(user && superuser !== user.superuser ? { superuser } : {}),
    ...(user && disabled !== !!user.disabled ? { disabled } : {}),
  };
  const changed = Object.keys(change).length > 0;

  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    if (!user || !changed) return;
    void run(async () => {
      await api.updateUser(user.name, change);
      onSaved();
      onClose();
    });
  };

  return (
    <Modal variant="small" isOpen={user !== null} onClose={onClose} aria-labelledby={titleId} data-testid="edit-user-dialog">
      <ModalHeader title={user ? `Edit user ${user.name}` : ''} labelId={titleId} />
      <ModalBody>
        <ErrorAlert title="Could not change the user" error={error} />
        <Form id="edit-user-form" onSubmit={submit}>
          <FormGroup label="New password" fieldId="edit-user-password">
            <TextInput
              id="edit-user-password"
              type="password"
              value={password}
              placeholder="unchanged"
              autoComplete="new-password"
              onChange={(_e, v) => setPassword(v)}
              data-testid="edit-user-password"
            />
          </FormGroup>
          <Checkbox
            id="edit-user-superuser"
            label="Superuser: may do everything, in every namespace"
            isChecked={superuser}
            isDisabled={isSelf}
            description={isSelf ? 'You cannot take this away from yourself.' : undefined}
            onChange={(_e, checked) => setSuperuser(checked)}
          />
          <Checkbox
            id="edit-user-disabled"
            label="Disabled: may not sign in or use tokens"
            isChecked={disabled}
            isDisabled={isSelf}
            onChange={(_e, checked) => setDisabled(checked)}
          />
        </Form>
      </ModalBody>
      <FormModalFooter
        form="edit-user-form"
        label="Save"
        busy={busy}
        canSubmit={changed}
        testId="edit-user-save"
        onCancel={onClose}
      />
    </Modal>
  );
}
