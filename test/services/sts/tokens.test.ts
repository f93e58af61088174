/**
 * Session tokens: sealed, bound to their access key id, tamper-evident, expiring; the secret
 * is derived, never stored.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SigV4Failure } from '../../../src/protocols/sigv4.js';
import { SessionTokens } from '../../../src/services/sts/tokens.js';

const key = randomBytes(32);
const ROOT_KEY = { accessKeyId: 'AKIATESTROOT00000000', secretAccessKey: 'test-root-secret-0000' };
const claims = { t: 'a' as const, a: '000000000000', ri: 'AROAAAAAAAAAAAAAAAAAA', rn: 'App', ra: 'arn:aws:iam::000000000000:role/App', s: 'sess', i: 1_000_000, e: 2_000_000, c: { 'aws:TokenIssueTime': 'x' } };

describe('SessionTokens', () => {
  it('issues ASIA keys with a 40-character secret that is an HMAC of the key id', () => {
    const t = new SessionTokens(key, ROOT_KEY);
    const c = t.issue(claims);
    expect(c.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(c.SecretAccessKey).toHaveLength(40);
    expect(c.SecretAccessKey).toBe(t.secretFor(c.AccessKeyId));
    expect(new SessionTokens(randomBytes(32), ROOT_KEY).secretFor(c.AccessKeyId)).not.toBe(c.SecretAccessKey);
    expect(c.Expiration.getTime()).toBe(2_000_000);
  });

  it('resolves a token to its principal while it is valid, and says expired after', () => {
    const t = new SessionTokens(key, ROOT_KEY);
    const c = t.issue(claims);
    const r = t.resolveSync(c.AccessKeyId, c.SessionToken, 1_500_000);
    expect(r).not.toBeInstanceOf(SigV4Failure);
    if (r instanceof SigV4Failure) return;
    expect(r.secretAccessKey).toBe(c.SecretAccessKey);
    expect(r.principal).toMatchObject({ kind: 'assumed-role', arn: 'arn:aws:sts::000000000000:assumed-role/App/sess', userId: 'AROAAAAAAAAAAAAAAAAAA:sess', roleName: 'App', contextKeys: { 'aws:TokenIssueTime': 'x' } });
    // The same object for the same token: caches keyed by principal keep working.
    expect((t.resolveSync(c.AccessKeyId, c.SessionToken, 1_600_000) as { principal: unknown }).principal).toBe(r.principal);
    expect(t.resolveSync(c.AccessKeyId, c.SessionToken, 2_000_000)).toEqual(new SigV4Failure('expired-token', 'The security token included in the request is expired'));
  });

  it('refuses altered tokens, tokens of another key, and tokens sealed under another master key', () => {
    const t = new SessionTokens(key, ROOT_KEY);
    const a = t.issue(claims);
    const b = t.issue(claims);
    const raw = Buffer.from(a.SessionToken, 'base64');
    for (let i = 0; i < raw.length; i += 7) {
      const copy = Buffer.from(raw);
      copy[i]! ^= 0x01;
      expect(t.resolveSync(a.AccessKeyId, copy.toString('base64'), 1_500_000)).toMatchObject({ kind: 'invalid-token' });
    }
    expect(t.resolveSync(a.AccessKeyId, b.SessionToken, 1_500_000)).toMatchObject({ kind: 'invalid-token' });
    expect(new SessionTokens(randomBytes(32), ROOT_KEY).resolveSync(a.AccessKeyId, a.SessionToken, 1_500_000)).toMatchObject({ kind: 'invalid-token' });
    expect(t.resolveSync(a.AccessKeyId, undefined, 1_500_000)).toMatchObject({ kind: 'invalid-token' });
    expect(t.resolveSync(a.AccessKeyId, `${a.SessionToken}=`, 1_500_000)).toMatchObject({ kind: 'invalid-token' });
    expect(t.resolveSync('AKIANOTTEMPORARY0000', a.SessionToken, 1_500_000)).toMatchObject({ kind: 'unknown-key' });
  });

  it('survives a restart: a new instance with the same key opens old tokens', () => {
    const c = new SessionTokens(key, ROOT_KEY).issue(claims);
    expect(new SessionTokens(key, ROOT_KEY).resolveSync(c.AccessKeyId, c.SessionToken, 1_500_000)).not.toBeInstanceOf(SigV4Failure);
  });
});
