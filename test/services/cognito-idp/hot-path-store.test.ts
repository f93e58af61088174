/**
 * The store statements the sign-in and token paths were cut down to, on both backends (SQLite
 * and a throw-away PostgreSQL): a Session nonce is used once even when many requests race with
 * it, an authorization code is spent by exactly one of many racing exchanges (one UPDATE …
 * RETURNING), and migration v14 keeps nonces used before it used.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, Schema } from '../../../src/store/database.js';
import { openDatabase } from '../../../src/store/open.js';
import { cognitoIdpSchema } from '../../../src/services/cognito-idp/store/schema.js';
import { UsedNonces } from '../../../src/services/cognito-idp/store/nonces.js';
import { OAuthStore } from '../../../src/services/cognito-idp/store/oauth.js';
import { startPostgres, type PostgresCluster } from '../../support/postgres.js';

let cluster: PostgresCluster;
const dirs: string[] = [];
beforeAll(async () => {
  cluster = await startPostgres();
});
afterAll(() => {
  cluster?.stop();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

type Backend = 'sqlite' | 'postgres';
async function freshUrl(kind: Backend): Promise<string> {
  if (kind === 'postgres') return cluster.newDatabase();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-hot-path-'));
  dirs.push(dir);
  return path.join(dir, 'test.db');
}
const upTo = (version: number): Schema => ({ ...cognitoIdpSchema, migrations: cognitoIdpSchema.migrations.filter((m) => m.version <= version) });

describe.each<Backend>(['sqlite', 'postgres'])('single use on %s', (kind) => {
  let db: Database;
  beforeAll(async () => {
    db = await openDatabase(await freshUrl(kind), [cognitoIdpSchema]);
  });
  afterAll(async () => {
    await db?.close();
  });

  it('uses a nonce once of twenty racing uses, and other nonces still once each', async () => {
    const nonces = new UsedNonces(db);
    const now = Date.now();
    const results = await Promise.all(Array.from({ length: 20 }, () => nonces.use('n-racing', now + 60_000, now)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await nonces.use('n-racing', now + 60_000, now + 1000)).toBe(false);
    expect(await nonces.use('n-other', now + 60_000, now)).toBe(true);
    expect(await nonces.use('n-other', now + 60_000, now)).toBe(false);
  });

  it('keeps a used nonce past its Session\'s expiry when it sweeps', async () => {
    const nonces = new UsedNonces(db);
    const now = Date.now();
    expect(await nonces.use('n-kept', now - 1000, now - 2000)).toBe(true);
    // 500 uses trigger a sweep; the expired-but-recent nonce must survive it.
    for (let i = 0; i < 500; i++) await nonces.use(`n-fill-${i}`, now + 60_000, now);
    expect(await nonces.use('n-kept', now - 1000, now)).toBe(false);
    expect(await db.get('SELECT nonce FROM cognito_idp_used_nonces WHERE nonce = ?', ['n-kept'])).toBeDefined();
  });

  it('spends an authorization code for exactly one of ten racing exchanges, with every field', async () => {
    const store = new OAuthStore(db);
    const now = Date.now();
    const code = { poolId: 'us-east-1_pool', clientId: 'client', sub: 'sub-1', redirectUri: 'https://app.example/cb', scopes: ['openid', 'email'], codeChallenge: 'challenge', nonce: 'n0nce', authTime: 1_700_000_000, expiresAt: now + 300_000 };
    await store.putCode('the-code', code, now);
    const spent = await Promise.all(Array.from({ length: 10 }, () => store.spendCode('the-code', now)));
    const got = spent.filter((s) => s !== undefined);
    expect(got).toEqual([code]);
    expect(await store.spendCode('the-code', now)).toBeUndefined();
    expect(await store.spendCode('not-a-code', now)).toBeUndefined();
  });

  it('carries nonces used before migration v14 over, so their Sessions stay used', async () => {
    const url = await freshUrl(kind);
    const old = await openDatabase(url, [upTo(12)]);
    const usedAt = Date.now() - 60_000;
    await old.run("INSERT INTO cognito_idp_attempts (pool_id, kind, subject, at) VALUES ('', 'sealed-used', ?, ?)", ['n-before', usedAt]);
    await old.run("INSERT INTO cognito_idp_attempts (pool_id, kind, subject, at) VALUES ('us-east-1_x', 'password-failure', ?, ?)", ['sub-1', usedAt]);
    await old.close();
    const migrated = await openDatabase(url, [cognitoIdpSchema]);
    try {
      expect(await new UsedNonces(migrated).use('n-before', Date.now() + 60_000, Date.now())).toBe(false);
      expect(await migrated.get<{ expires_at: number }>('SELECT expires_at FROM cognito_idp_used_nonces WHERE nonce = ?', ['n-before'])).toEqual({ expires_at: usedAt + 3600_000 });
      // Other attempt rows (lockout) are left as they were.
      expect(await migrated.all('SELECT kind, subject FROM cognito_idp_attempts')).toEqual([{ kind: 'password-failure', subject: 'sub-1' }]);
    } finally {
      await migrated.close();
    }
  });
});
