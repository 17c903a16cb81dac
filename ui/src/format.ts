import type { Platform } from './api';

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function humanSize(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return '—';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
}

/** `sha256:` and the first 12 hex digits: as much as people compare by eye. */
export function shortDigest(digest: string | null | undefined): string {
  if (!digest) return '—';
  const [algorithm, hex] = digest.split(':', 2);
  return hex ? `${algorithm}:${hex.slice(0, 12)}` : digest;
}

export function formatTime(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  return new Date(seconds * 1000).toLocaleString();
}

export function relativeTime(seconds: number | null | undefined, now: number = Date.now() / 1000): string {
  if (seconds === null || seconds === undefined) return 'never';
  const ago = Math.round(now - seconds);
  if (ago < 45) return 'just now';
  const steps: [number, string][] = [
    [60, 'minute'],
    [3600, 'hour'],
    [86400, 'day'],
    [30 * 86400, 'month'],
    [365 * 86400, 'year'],
  ];
  let chosen = steps[0];
  for (const step of steps) if (Math.abs(ago) >= step[0]) chosen = step;
  const count = Math.max(1, Math.round(Math.abs(ago) / chosen[0]));
  const text = `${count} ${chosen[1]}${count === 1 ? '' : 's'}`;
  return ago >= 0 ? `${text} ago` : `in ${text}`;
}

export function platformText(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

export function platformsText(platforms: Platform[] | null | undefined): string {
  if (!platforms || platforms.length === 0) return '—';
  return platforms.map(platformText).join(', ');
}

/** Seconds since the epoch at the start (or end) of a yyyy-mm-dd day in local time. */
export function dayToSeconds(day: string, endOfDay = false): number | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return null;
  const [y, m, d] = day.split('-').map(Number);
  const date = endOfDay ? new Date(y, m - 1, d, 23, 59, 59) : new Date(y, m - 1, d);
  return Math.floor(date.getTime() / 1000);
}

export function pullCommand(host: string, repository: string, tag: string): string {
  return `podman pull ${host}/${repository}:${tag}`;
}

/** `acme/team/app@sha256:…` in a route: the repository and, if any, the manifest digest. */
export function splitRepositoryRoute(path: string): { repository: string; digest: string | null } {
  const at = path.indexOf('@');
  if (at < 0) return { repository: path.replace(/\/+$/, ''), digest: null };
  return { repository: path.slice(0, at), digest: path.slice(at + 1) || null };
}

export function shortRobotName(fullName: string): string {
  const plus = fullName.indexOf('+');
  return plus < 0 ? fullName : fullName.slice(plus + 1);
}
