/**
 * Secrets at rest: AES-256-GCM sealing bound to a context, full-length tags only, and the
 * master key created owner-only on first start and reused after.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadMasterKey, SecretBox } from '../../src/store/secrets.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-secrets-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const box = new SecretBox(Buffer.alloc(32, 7));

describe('SecretBox', () => {
  it('opens what it sealed, for the same context only', () => {
    const sealed = box.seal('client-secret', 'cognito_idp_clients:abc');
    expect(sealed).not.toContain('client-secret');
    expect(box.openString(sealed, 'cognito_idp_clients:abc')).toBe('client-secret');
    expect(() => box.open(sealed, 'cognito_idp_clients:other')).toThrow();
  });

  it('refuses an altered body, another key, and a tag cut short', () => {
    const sealed = box.seal('x'.repeat(40), 'ctx');
    const [v, iv, body, tag] = sealed.split('.') as [string, string, string, string];
    const flipped = Buffer.from(body, 'base64url');
    flipped[0]! ^= 1;
    expect(() => box.open([v, iv, flipped.toString('base64url'), tag].join('.'), 'ctx')).toThrow();
    expect(() => new SecretBox(Buffer.alloc(32, 8)).open(sealed, 'ctx')).toThrow();
    // The genuine tag's first 4 bytes: GCM accepts that unless the length is pinned.
    const short = Buffer.from(tag, 'base64url').subarray(0, 4).toString('base64url');
    expect(() => box.open([v, iv, body, short].join('.'), 'ctx')).toThrow();
  });

  it('derives distinct keys per purpose', () => {
    expect(box.derive('a').equals(box.derive('b'))).toBe(false);
    expect(box.derive('a').equals(box.derive('a'))).toBe(true);
  });
});

describe('the master key', () => {
  it('is created 0600 on first start and read back after', () => {
    const dir = tempDir();
    const key = loadMasterKey(dir);
    expect(key).toHaveLength(32);
    expect(fs.statSync(path.join(dir, 'master.key')).mode & 0o777).toBe(0o600);
    expect(loadMasterKey(dir).equals(key)).toBe(true);
  });

  it('refuses a key file that does not hold 32 bytes', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'master.key'), Buffer.alloc(16).toString('base64'));
    expect(() => loadMasterKey(dir)).toThrow('does not hold a 32-byte base64 key');
  });
});
