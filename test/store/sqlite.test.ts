import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Schema } from '../../src/store/database.js';
import { migrateSqlite, SqliteDatabase } from '../../src/store/sqlite.js';

const dirs: string[] = [];
function tempDb(): { db: SqliteDatabase; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-store-'));
  dirs.push(dir);
  const file = path.join(dir, 'test.db');
  return { db: new SqliteDatabase(file), file };
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const schema: Schema = {
  component: 'things',
  migrations: [
    { version: 1, description: 'things', sql: 'CREATE TABLE things (id TEXT PRIMARY KEY, n BIGINT NOT NULL)' },
    { version: 2, description: 'things.label', sql: 'ALTER TABLE things ADD COLUMN label TEXT' },
  ],
};

describe('SQLite store', () => {
  it('runs each migration once, across restarts', async () => {
    const { db, file } = tempDb();
    migrateSqlite(db, [schema]);
    await db.run('INSERT INTO things (id, n, label) VALUES (?, ?, ?)', ['a', 1, 'x']);
    await db.close();
    const again = new SqliteDatabase(file);
    migrateSqlite(again, [schema]);
    expect(await again.get('SELECT * FROM things WHERE id = ?', ['a'])).toEqual({ id: 'a', n: 1, label: 'x' });
    expect(await again.all('SELECT version FROM schema_migrations WHERE component = ?', ['things'])).toEqual([{ version: 1 }, { version: 2 }]);
    await again.close();
  });

  it('rolls a failed migration back whole and names it', () => {
    const { db } = tempDb();
    const broken: Schema = { component: 'broken', migrations: [{ version: 1, description: 'half', sql: 'CREATE TABLE ok (x INT); CREATE TABLE bad (' }] };
    expect(() => migrateSqlite(db, [broken])).toThrow(/migration broken v1 \(half\) failed/);
    expect(() => db.prepare('SELECT * FROM ok')).toThrow(/no such table/);
  });

  it('commits a transaction whole or not at all', async () => {
    const { db } = tempDb();
    migrateSqlite(db, [schema]);
    await expect(
      db.transaction(async (tx) => {
        await tx.run('INSERT INTO things (id, n) VALUES (?, ?)', ['a', 1]);
        await tx.run('INSERT INTO things (id, n) VALUES (?, ?)', ['a', 2]);
      }),
    ).rejects.toThrow(/UNIQUE/);
    expect(await db.all('SELECT * FROM things')).toEqual([]);
  });

  it('holds other statements until an open transaction ends', async () => {
    const { db } = tempDb();
    migrateSqlite(db, [schema]);
    let release!: () => void;
    const paused = new Promise<void>((r) => (release = r));
    const tx = db.transaction(async (t) => {
      await t.run('INSERT INTO things (id, n) VALUES (?, ?)', ['a', 1]);
      await paused;
      await t.run('UPDATE things SET n = 2 WHERE id = ?', ['a']);
    });
    const read = db.get<{ n: number }>('SELECT n FROM things WHERE id = ?', ['a']);
    release();
    await tx;
    // The read waited for the commit, so it never saw the half-done n = 1.
    expect(await read).toEqual({ n: 2 });
  });

  it('runs concurrent read-modify-write transactions one after another', async () => {
    const { db } = tempDb();
    migrateSqlite(db, [schema]);
    await db.run('INSERT INTO things (id, n) VALUES (?, ?)', ['counter', 0]);
    const increment = (): Promise<void> =>
      db.transaction(async (tx) => {
        const row = await tx.get<{ n: number }>('SELECT n FROM things WHERE id = ?', ['counter']);
        // Give every other caller the chance to interleave here.
        await new Promise((r) => setImmediate(r));
        await tx.run('UPDATE things SET n = ? WHERE id = ?', [row!.n + 1, 'counter']);
      });
    await Promise.all(Array.from({ length: 20 }, increment));
    expect(await db.get('SELECT n FROM things WHERE id = ?', ['counter'])).toEqual({ n: 20 });
    await db.close();
  });
});
