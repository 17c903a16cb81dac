import { describe, expect, it } from 'vitest';
import {
  durationText,
  durationWords,
  elapsedText,
  exactSize,
  expiryText,
  humanSize,
  localDateTimeToSeconds,
  parseDuration,
  parseSize,
  pullCommand,
  relativeTime,
  shortDigest,
  shortRobotName,
  splitPatterns,
  splitRepositoryRoute,
  usedPercent,
} from './format';

describe('format', () => {
  it('sizes in binary units', () => {
    expect(humanSize(512)).toBe('512 B');
    expect(humanSize(1536)).toBe('1.5 KiB');
    expect(humanSize(300 * 1024 * 1024)).toBe('300 MiB');
    expect(humanSize(null)).toBe('—');
  });

  it('shortens digests', () => {
    expect(shortDigest('sha256:0123456789abcdef0123')).toBe('sha256:0123456789ab');
  });

  it('says how long ago', () => {
    expect(relativeTime(1000, 1010)).toBe('just now');
    expect(relativeTime(0, 7200)).toBe('2 hours ago');
    expect(relativeTime(null)).toBe('never');
  });

  it('says how long until a time to come', () => {
    expect(relativeTime(3 * 86400 + 1000, 1000)).toBe('in 3 days');
    expect(relativeTime(1030, 1000)).toBe('just now');
  });

  it('parses durations as the API takes them', () => {
    expect(parseDuration('30m')).toBe(1800);
    expect(parseDuration(' 12h ')).toBe(43200);
    expect(parseDuration('3D')).toBe(3 * 86400);
    expect(parseDuration('2w')).toBe(14 * 86400);
    expect(parseDuration('90s')).toBe(90);
    expect(parseDuration('0s')).toBeNull();
    expect(parseDuration('0d', true)).toBe(0);
    expect(parseDuration('3')).toBeNull();
    expect(parseDuration('3x')).toBeNull();
    expect(parseDuration('1.5d')).toBeNull();
    expect(parseDuration('-1d')).toBeNull();
    expect(parseDuration('')).toBeNull();
  });

  it('writes seconds back as a duration in the largest whole unit', () => {
    expect(durationText(0)).toBe('0s');
    expect(durationText(1209600)).toBe('2w');
    expect(durationText(2592000)).toBe('30d');
    expect(durationText(5400)).toBe('90m');
    expect(durationText(61)).toBe('61s');
    expect(durationText(parseDuration('7d')!)).toBe('1w');
    for (const text of ['6d', '12h', '45m', '3w']) expect(durationText(parseDuration(text)!)).toBe(text);
  });

  it('puts durations in words', () => {
    expect(durationWords(1209600)).toBe('2 weeks');
    expect(durationWords(2592000)).toBe('30 days');
    expect(durationWords(3600)).toBe('1 hour');
    expect(durationWords(0)).toBe('0 seconds');
    expect(durationWords(null)).toBe('—');
  });

  it('says how long a run took', () => {
    expect(elapsedText(0.0004)).toBe('< 1 ms');
    expect(elapsedText(0.35)).toBe('350 ms');
    expect(elapsedText(2.54)).toBe('2.5 s');
    expect(elapsedText(42)).toBe('42 s');
  });

  it('parses sizes in binary units', () => {
    expect(parseSize('4096')).toBe(4096);
    expect(parseSize('512 B')).toBe(512);
    expect(parseSize('1 KiB')).toBe(1024);
    expect(parseSize('500MiB')).toBe(500 * 1024 ** 2);
    expect(parseSize('1.5 GiB')).toBe(1.5 * 1024 ** 3);
    expect(parseSize('20 g')).toBe(20 * 1024 ** 3);
    expect(parseSize('1 TiB')).toBe(1024 ** 4);
    expect(parseSize('1 GB')).toBeNull();
    expect(parseSize('lots')).toBeNull();
    expect(parseSize('')).toBeNull();
    expect(parseSize('-1 MiB')).toBeNull();
  });

  it('writes sizes back whole', () => {
    expect(exactSize(1048576)).toBe('1 MiB');
    expect(exactSize(20 * 1024 ** 3)).toBe('20 GiB');
    expect(exactSize(1536)).toBe('1536 B');
    expect(exactSize(0)).toBe('0 B');
    expect(parseSize(exactSize(3 * 1024 ** 4))).toBe(3 * 1024 ** 4);
  });

  it('says how much of a quota is used', () => {
    expect(usedPercent(512, 1024)).toBe(50);
    expect(usedPercent(4096, 1024)).toBe(100);
    expect(usedPercent(0, 0)).toBe(0);
    expect(usedPercent(1, 0)).toBe(100);
  });

  it("says when a tag expires", () => {
    expect(expiryText(null)).toBe('never');
    expect(expiryText(1000 + 3 * 86400, 1000)).toBe('in 3 days');
    expect(expiryText(1010, 1000)).toBe('in less than a minute');
    expect(expiryText(1000, 1000 + 120)).toBe('expired 2 minutes ago');
  });

  it('reads a datetime-local value in local time', () => {
    expect(localDateTimeToSeconds('2027-01-31T18:30')).toBe(new Date(2027, 0, 31, 18, 30).getTime() / 1000);
    expect(localDateTimeToSeconds('2027-01-31')).toBeNull();
    expect(localDateTimeToSeconds('')).toBeNull();
  });

  it('splits tag patterns', () => {
    expect(splitPatterns(' v*  release-[0-9]*,latest\nstable ')).toEqual(['v*', 'release-[0-9]*', 'latest', 'stable']);
    expect(splitPatterns('  ')).toEqual([]);
  });

  it('splits a repository route at the digest', () => {
    expect(splitRepositoryRoute('acme/team/app')).toEqual({ repository: 'acme/team/app', digest: null });
    expect(splitRepositoryRoute('acme/app@sha256:abc')).toEqual({ repository: 'acme/app', digest: 'sha256:abc' });
  });

  it('builds the pull command and robot names', () => {
    expect(pullCommand('reg:5000', 'acme/app', '1.0')).toBe('podman pull reg:5000/acme/app:1.0');
    expect(shortRobotName('acme+ci')).toBe('ci');
  });
});
