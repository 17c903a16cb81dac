import { describe, expect, it } from 'vitest';
import { humanSize, pullCommand, relativeTime, shortDigest, shortRobotName, splitRepositoryRoute } from './format';

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

  it('splits a repository route at the digest', () => {
    expect(splitRepositoryRoute('acme/team/app')).toEqual({ repository: 'acme/team/app', digest: null });
    expect(splitRepositoryRoute('acme/app@sha256:abc')).toEqual({ repository: 'acme/app', digest: 'sha256:abc' });
  });

  it('builds the pull command and robot names', () => {
    expect(pullCommand('reg:5000', 'acme/app', '1.0')).toBe('podman pull reg:5000/acme/app:1.0');
    expect(shortRobotName('acme+ci')).toBe('ci');
  });
});
