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
  // a time to come (an expiry) reads "in 3 days"; only the present is "just now"
  if (Math.abs(ago) < 45) return 'just now';
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

const DURATION_UNITS: { suffix: string; seconds: number; word: string }[] = [
  { suffix: 'w', seconds: 7 * 86400, word: 'week' },
  { suffix: 'd', seconds: 86400, word: 'day' },
  { suffix: 'h', seconds: 3600, word: 'hour' },
  { suffix: 'm', seconds: 60, word: 'minute' },
  { suffix: 's', seconds: 1, word: 'second' },
];

/**
 * A duration as the API takes it ("30m", "12h", "3d", "2w", "90s") in seconds; null if the text
 * is not one. Zero ("0s", "0d") only with `allowZero`.
 */
export function parseDuration(text: string, allowZero = false): number | null {
  const match = /^(\d+)\s*([smhdw])$/.exec(text.trim().toLowerCase());
  if (!match) return null;
  const count = Number(match[1]);
  const unit = DURATION_UNITS.find((u) => u.suffix === match[2]);
  if (!unit || !Number.isSafeInteger(count * unit.seconds)) return null;
  if (count === 0 && !allowZero) return null;
  return count * unit.seconds;
}

/** Seconds as the API's duration text, in the largest unit that divides them: 2592000 → "30d". */
export function durationText(seconds: number): string {
  if (seconds === 0) return '0s';
  const unit = DURATION_UNITS.find((u) => seconds % u.seconds === 0) ?? DURATION_UNITS[DURATION_UNITS.length - 1];
  return `${seconds / unit.seconds}${unit.suffix}`;
}

/** Seconds in words, in the largest unit that divides them: 1209600 → "2 weeks", 5400 → "90 minutes". */
export function durationWords(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds === 0) return '0 seconds';
  const unit = DURATION_UNITS.find((u) => seconds % u.seconds === 0) ?? DURATION_UNITS[DURATION_UNITS.length - 1];
  const count = seconds / unit.seconds;
  return `${count} ${unit.word}${count === 1 ? '' : 's'}`;
}

/** How long a run took: "350 ms", "2.5 s", "< 1 ms". */
export function elapsedText(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds < 0.001) return '< 1 ms';
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
}

const SIZE_FACTORS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  ki: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mi: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gi: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  ti: 1024 ** 4,
  tib: 1024 ** 4,
};

/**
 * A size typed by a person, in binary units ("500 MiB", "1.5GiB", "20 G", "4096"), in bytes; null
 * if it is not one. KB, MB and GB are refused: whether they mean 1000 or 1024 is anyone's guess.
 */
export function parseSize(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/.exec(text.trim().toLowerCase());
  if (!match) return null;
  const factor = SIZE_FACTORS[match[2]];
  if (factor === undefined) return null;
  const bytes = Math.round(Number(match[1]) * factor);
  return Number.isSafeInteger(bytes) ? bytes : null;
}

/** How much of a quota is used, 0 to 100. */
export function usedPercent(used: number, limit: number): number {
  if (limit <= 0) return used > 0 ? 100 : 0;
  return Math.min(100, (used / limit) * 100);
}

/** A tag's expiry: "never", "in 3 days", or "expired 2 minutes ago" while removal is due. */
export function expiryText(expiresAt: number | null | undefined, now: number = Date.now() / 1000): string {
  if (expiresAt === null || expiresAt === undefined) return 'never';
  if (expiresAt > now) {
    const text = relativeTime(expiresAt, now);
    return text === 'just now' ? 'in less than a minute' : text;
  }
  return `expired ${relativeTime(expiresAt, now)}`;
}

/** A `datetime-local` input's value ("2027-01-31T18:30") in seconds since the epoch, local time. */
export function localDateTimeToSeconds(value: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value);
  if (!match) return null;
  const [y, mo, d, h, mi] = match.slice(1).map(Number);
  const date = new Date(y, mo - 1, d, h, mi);
  return Number.isNaN(date.getTime()) ? null : Math.floor(date.getTime() / 1000);
}

/** Tag patterns typed in one field, separated by spaces, commas or new lines. */
export function splitPatterns(text: string): string[] {
  return text.split(/[\s,]+/).filter(Boolean);
}

/** Bytes in the largest binary unit that holds them whole, for a form to show again: "10 GiB", "1536 B". */
export function exactSize(bytes: number): string {
  for (let unit = UNITS.length - 1; unit > 0; unit -= 1) {
    const factor = 1024 ** unit;
    if (bytes >= factor && bytes % factor === 0) return `${bytes / factor} ${UNITS[unit]}`;
  }
  return `${bytes} B`;
}
