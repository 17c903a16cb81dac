import { useState, type FormEvent } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router-dom';
import {
  ActionGroup,
  Button,
  Card,
  CardBody,
  CardTitle,
  Form,
  FormGroup,
  TextInput,
  Title,
} from '@patternfly/react-core';
import { ErrorAlert, Loading } from '../components/common';
import { useAction, usePageTitle } from '../hooks';
import { useSession } from '../session';

/** Only paths inside the UI: `next` comes from the address bar. */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/repositories';
}

export function SignInPage() {
  usePageTitle('Sign in');
  const { user, signIn } = useSession();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, run } = useAction();
  const next = safeNext(params.get('next'));

  if (user === undefined) return <Loading label="Checking your session" />;
  if (user) return <Navigate to={next} replace />;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      await signIn(username, password);
      navigate(next, { replace: true });
    });
  };

  return (
    <main className="pier-signin" id="pier-main">
      <Title headingLevel="h1" size="3xl" style={{ marginBottom: '1.5rem' }}>
        Pier
      </Title>
      <Card>
        <CardTitle component="h2">Sign in to your account</CardTitle>
        <CardBody>
          <ErrorAlert title="Sign-in failed" error={error} />
          <Form onSubmit={submit} aria-label="Sign in">
            <FormGroup label="User name" isRequired fieldId="signin-username">
              <TextInput
                id="signin-username"
                name="username"
                autoComplete="username"
                isRequired
                autoFocus
                value={username}
                onChange={(_e, v) => setUsername(v)}
                data-testid="signin-username"
              />
            </FormGroup>
            <FormGroup label="Password" isRequired fieldId="signin-password">
              <TextInput
                id="signin-password"
                name="password"
                type="password"
                autoComplete="current-password"
                isRequired
                value={password}
                onChange={(_e, v) => setPassword(v)}
                data-testid="signin-password"
              />
            </FormGroup>
            <ActionGroup>
              <Button
                type="submit"
                variant="primary"
                isBlock
                isLoading={busy}
                isDisabled={busy || !username || !password}
                data-testid="signin-submit"
              >
                Sign in
              </Button>
            </ActionGroup>
          </Form>
        </CardBody>
      </Card>
    </main>
  );
}
