import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, ApiError, setCsrfToken, setSignedOutHandler, type User } from './api';

type SessionState = {
  /** undefined while the first GET /session is in flight */
  user: User | null | undefined;
  signIn: (username: string, password: string) => Promise<void>;
  signOut: () => Promise<void>;
};

const SessionContext = createContext<SessionState | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | null | undefined>(undefined);

  const forget = useCallback(() => {
    setCsrfToken(null);
    setUser(null);
  }, []);

  useEffect(() => {
    setSignedOutHandler(forget);
    api
      .getSession()
      .then((session) => {
        setCsrfToken(session.csrf_token);
        setUser(session.user);
      })
      .catch(forget);
    return () => setSignedOutHandler(null);
  }, [forget]);

  const signIn = useCallback(async (username: string, password: string) => {
    const session = await api.signIn(username, password);
    setCsrfToken(session.csrf_token);
    setUser(session.user);
  }, []);

  const signOut = useCallback(async () => {
    try {
      await api.signOut();
    } catch (e) {
      // an already ended session is signed out all the same
      if (!(e instanceof ApiError) || e.status !== 401) throw e;
    } finally {
      forget();
    }
  }, [forget]);

  const value = useMemo(() => ({ user, signIn, signOut }), [user, signIn, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error('useSession outside SessionProvider');
  return state;
}

/** The signed-in user; only for pages rendered behind the sign-in guard. */
export function useUser(): User {
  const { user } = useSession();
  if (!user) throw new Error('useUser without a signed-in user');
  return user;
}
