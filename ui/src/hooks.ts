import { useCallback, useEffect, useRef, useState } from 'react';
import { useSearchParams } from 'react-router-dom';

export function usePageTitle(title: string) {
  useEffect(() => {
    document.title = title ? `${title} · Pier` : 'Pier';
  }, [title]);
}

export type Loaded<T> = {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
};

/** Runs `load` when its dependencies change or on reload(); answers of superseded runs are dropped. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);
  const run = useRef(0);

  useEffect(() => {
    const mine = ++run.current;
    setLoading(true);
    setError(null);
    load().then(
      (value) => {
        if (run.current !== mine) return;
        setData(value);
        setLoading(false);
      },
      (e) => {
        if (run.current !== mine) return;
        setError(e);
        setLoading(false);
      },
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { data, error, loading, reload };
}

/** `value` once it has stopped changing for `delay` ms, so typing does not ask the server at every key. */
export function useDebounced<T>(value: T, delay = 250): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delay);
    return () => clearTimeout(timer);
  }, [value, delay]);
  return settled;
}

export type CursorPages<C> = {
  /** The cursor of the page shown, null for the first. */
  after: C | null;
  page: number;
  forward: (cursor: C) => void;
  back: () => void;
  reset: () => void;
};

/**
 * The cursors of the pages seen so far, so that Previous can go back: the server only hands out the
 * next one. A change in `resetOn` starts again from the first page.
 */
export function useCursorPages<C>(resetOn: unknown[] = []): CursorPages<C> {
  const [cursors, setCursors] = useState<(C | null)[]>([null]);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(() => setCursors([null]), resetOn);
  return {
    after: cursors[cursors.length - 1],
    page: cursors.length,
    forward: (cursor) => setCursors([...cursors, cursor]),
    back: () => setCursors(cursors.slice(0, -1)),
    reset: () => setCursors([null]),
  };
}

export type Action = {
  busy: boolean;
  error: unknown;
  run: (action: () => Promise<unknown>) => Promise<void>;
  clearError: () => void;
};

/** A request started by the user: busy while it runs, its failure kept to be shown. */
export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = useCallback(async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }, []);
  const clearError = useCallback(() => setError(null), []);
  return { busy, error, run, clearError };
}

/** The open tab lives in the address (?tab=), so a reload or a shared link opens the same one. */
export function useTabParam(initial: string): [string, (key: string | number, extra?: Record<string, string>) => void] {
  const [params, setParams] = useSearchParams();
  const select = (key: string | number, extra: Record<string, string> = {}) =>
    setParams({ tab: String(key), ...extra });
  return [params.get('tab') ?? initial, select];
}
