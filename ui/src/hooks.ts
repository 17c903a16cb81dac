import { useCallback, useEffect, useRef, useState } from 'react';

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
