/**
 * The store's contract, run against both backends: the embedded SQLite and a real PostgreSQL
 * (a throw-away cluster; missing PostgreSQL fails here, it is not skipped). Every component's
 * migrations also run on both, so a schema that PostgreSQL rejects fails here.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailSchema } from '../../src/mail/mailer.js';
import { masterKeySchema } from '../../src/store/master-key.js';
import { cognitoIdentitySchema } from '../../src/services/cognito-identity/index.js';
import { cognitoIdpSchema } from '../../src/services/cognito-idp/store/schema.js';
import { iamSchema } from '../../src/services/iam/index.js';
import { s3Schema } from '../../src/services/s3/index.js';
import type { Database, Schema } from '../../src/store/database.js';
import { openDatabase } from '../../src/store/open.js';
import { toPositional } from '../../src/store/postgres.js';
import { startPostgres, type PostgresCluster } from '../support/postgres.js';

const ALL: readonly Schema[] = [masterKeySchema, mailSchema, iamSchema, cognitoIdpSchema, cognitoIdentitySchema, s3Schema];

const things: Schema = {
  component: 'things',
  migrations: [
    { version: 1, description: 'things', sql: 'CREATE TABLE things (id TEXT PRIMARY KEY, n BIGINT NOT NULL)' },
    { version: 2, description: 'things.label', sql: 'ALTER TABLE things ADD COLUMN label TEXT' },
    { version: 3, description: 'things.flag and bytes', sqlite: 'ALTER TABLE things ADD COLUMN flag INTEGER; ALTER TABLE things ADD COLUMN bytes BLOB', postgres: 'ALTER TABLE things ADD COLUMN flag INTEGER; ALTER TABLE things ADD COLUMN bytes BYTEA' },
  ],
};

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
/** A new, empty store of that kind; `reopen` opens the same one again (a restart). */
async function fresh(kind: Backend): Promise<{ url: string }> {
  if (kind === 'postgres') return { url: await cluster.newDatabase() };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-contract-'));
  dirs.push(dir);
  return { url: path.join(dir, 'test.db') };
}
async function open(url: string, schemas: readonly Schema[]): Promise<Database> {
  return openDatabase(url, schemas);
}

describe.each<Backend>(['sqlite', 'postgres'])('store contract on %s', (kind) => {
  it('runs every component\'s migrations, and each only once across restarts', async () => {
    const { url } = await fresh(kind);
    const db = await open(url, [...ALL, things]);
    await db.run('INSERT INTO things (id, n, label) VALUES (?, ?, ?)', ['a', 1, 'x']);
    await db.close();
    const again = await open(url, [...ALL, things]);
    expect(await again.get('SELECT id, n, label FROM things WHERE id = ?', ['a'])).toEqual({ id: 'a', n: 1, label: 'x' });
    expect(await again.all('SELECT version FROM schema_migrations WHERE component = ? ORDER BY version', ['things'])).toEqual([{ version: 1 }, { version: 2 }, { version: 3 }]);
    const count = await again.get<{ n: number }>('SELECT COUNT(*) AS n FROM schema_migrations');
    expect(count!.n).toBe(ALL.reduce((s, x) => s + x.migrations.length, 0) + 3);
    await again.close();
  });

  it('rolls a failed migration back whole and names it', async () => {
    const { url } = await fresh(kind);
    const broken: Schema = { component: 'broken', migrations: [{ version: 1, description: 'half', sql: 'CREATE TABLE ok (x INT); CREATE TABLE bad (' }] };
    await expect(open(url, [broken])).rejects.toThrow(/migration broken v1 \(half\) failed/);
    const db = await open(url, []);
    await expect(db.get('SELECT * FROM ok')).rejects.toThrow(/ok/);
    await db.close();
  });

  it('binds and returns values as the repositories expect', async () => {
    const { url } = await fresh(kind);
    const db = await open(url, [things]);
    const bytes = new Uint8Array([0, 1, 2, 255]);
    await db.run('INSERT INTO things (id, n, label, flag, bytes) VALUES (?, ?, ?, ?, ?)', ['q?', 2 ** 52, "it's ?", true, bytes]);
    const row = await db.get<{ id: string; n: number; label: string; flag: number; bytes: Buffer }>("SELECT id, n, label, flag, bytes FROM things WHERE id = ? AND label <> '?'", ['q?']);
    expect(row).toMatchObject({ id: 'q?', n: 2 ** 52, label: "it's ?", flag: 1 });
    expect(Buffer.isBuffer(row!.bytes) && [...row!.bytes]).toEqual([0, 1, 2, 255]);
    const sum = await db.get<{ s: number; c: number }>('SELECT SUM(n) AS s, COUNT(*) AS c FROM things');
    expect(sum).toEqual({ s: 2 ** 52, c: 1 });
    await db.close();
  });

  it('upserts with ON CONFLICT and returns with RETURNING', async () => {
    const { url } = await fresh(kind);
    const db = await open(url, [things]);
    const upsert = 'INSERT INTO things (id, n) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET n = things.n + excluded.n RETURNING n';
    expect(await db.get(upsert, ['c', 5])).toEqual({ n: 5 });
    expect(await db.get(upsert, ['c', 3])).toEqual({ n: 8 });
    expect(await db.run('UPDATE things SET n = ? WHERE id = ?', [0, 'nope'])).toEqual({ changes: 0 });
    expect(await db.run('DELETE FROM things WHERE id = ?', ['c'])).toEqual({ changes: 1 });
    await db.close();
  });

  it('commits a transaction whole or not at all', async () => {
    const { url } = await fresh(kind);
    const db = await open(url, [things]);
    await expect(
      db.transaction(async (tx) => {
        await tx.run('INSERT INTO things (id, n) VALUES (?, ?)', ['a', 1]);
        await tx.run('INSERT INTO things (id, n) VALUES (?, ?)', ['a', 2]);
      }),
    ).rejects.toThrow(/UNIQUE|unique/);
    expect(await db.all('SELECT * FROM things')).toEqual([]);
    await db.close();
  });

  it('never shows a half-done transaction to another request', async () => {
    const { url } = await fresh(kind);
    const db = await open(url, [things]);
    let release!: () => void;
    const paused = new Promise<void>((r) => (release = r));
    let inserted!: () => void;
    const didInsert = new Promise<void>((r) => (inserted = r));
    const tx = db.transaction(async (t) => {
      await t.run('INSERT INTO things (id, n) VALUES (?, ?)', ['a', 1]);
      inserted();
      await paused;
      await t.run('UPDATE things SET n = 2 WHERE id = ?', ['a']);
    });
    await didInsert;
    const read = db.get<{ n: number }>('SELECT n FROM things WHERE id = ?', ['a']);
    // Let the read run (PostgreSQL) or queue (SQLite) while the transaction is open.
    await new Promise((r) => setTimeout(r, 50));
    release();
    await tx;
    expect([undefined, 2]).toContainEqual((await read)?.n);
    await db.close();
  });

  it('runs concurrent read-modify-write transactions as if one after another', async () => {
    const { url } = await fresh(kind);
    const db = await open(url, [things]);
    await db.run('INSERT INTO things (id, n) VALUES (?, ?)', ['counter', 0]);
    const increment = (): Promise<void> =>
      db.transaction(async (tx) => {
        const row = await tx.get<{ n: number }>('SELECT n FROM things WHERE id = ?', ['counter']);
        await new Promise((r) => setImmediate(r));
        await tx.run('UPDATE things SET n = ? WHERE id = ?', [row!.n + 1, 'counter']);
      });
    await Promise.all(Array.from({ length: 20 }, increment));
    expect(await db.get('SELECT n FROM things WHERE id = ?', ['counter'])).toEqual({ n: 20 });
    await db.close();
  });
  it('indexes only rotated refresh tokens by their previous hash, and the rotation lookup uses that index', async () => {
    const { url } = await fresh(kind);
    const db = await open(url, ALL);
    const insert = (hash: string, origin: string, prev: string | null): Promise<unknown> =>
      db.run(
        `INSERT INTO cognito_idp_refresh_tokens (token_hash, origin_jti, pool_id, client_id, sub, auth_time, created_at, expires_at, revoked_at, scopes, prev_token_hash, prev_valid_until)
         VALUES (?, ?, 'p', 'c', 's', 1, 1, 2, NULL, NULL, ?, ?)`,
        [hash, origin, prev, prev === null ? null : 2],
      );
    await insert('t1', 'o1', null);
    await insert('t2', 'o2', 'old');
    expect(await db.get('SELECT token_hash FROM cognito_idp_refresh_tokens WHERE prev_token_hash = ?', ['old'])).toEqual({ token_hash: 't2' });
    if (kind === 'sqlite') {
      const plan = await db.all<{ detail: string }>('EXPLAIN QUERY PLAN SELECT * FROM cognito_idp_refresh_tokens WHERE prev_token_hash = ?', ['old']);
      expect(plan.map((r) => r.detail).join('; ')).toContain('USING INDEX cognito_idp_refresh_tokens_prev');
      const def = await db.get<{ sql: string }>("SELECT sql FROM sqlite_master WHERE name = 'cognito_idp_refresh_tokens_prev'");
      expect(def!.sql).toMatch(/WHERE prev_token_hash IS NOT NULL$/);
    } else {
      const def = await db.get<{ indexdef: string }>("SELECT indexdef FROM pg_indexes WHERE indexname = 'cognito_idp_refresh_tokens_prev'");
      expect(def!.indexdef).toMatch(/WHERE \(prev_token_hash IS NOT NULL\)$/);
    }
    await db.close();
  });
});

describe('PostgreSQL specifics', () => {
  it('turns ? into $n outside literals, quoted names and comments', () => {
    expect(toPositional(`SELECT '?', "a?" FROM t WHERE x = ? AND y = ? -- why?\n AND z = ?`)).toBe(`SELECT '?', "a?" FROM t WHERE x = $1 AND y = $2 -- why?\n AND z = $3`);
  });

  it('migrates once when several nodes start together', async () => {
    const url = await cluster.newDatabase();
    const dbs = await Promise.all(Array.from({ length: 4 }, () => open(url, [...ALL, things])));
    const rows = await dbs[0]!.all<{ component: string; version: number }>('SELECT component, version FROM schema_migrations');
    expect(rows.length).toBe(ALL.reduce((s, x) => s + x.migrations.length, 0) + 3);
    await Promise.all(dbs.map((d) => d.close()));
  });

  it('refuses a URL it cannot reach with a clear message', async () => {
    await expect(openDatabase('postgres://nobody@127.0.0.1:1/none', [])).rejects.toThrow(/PostgreSQL at 127\.0\.0\.1:1/);
  });
});
