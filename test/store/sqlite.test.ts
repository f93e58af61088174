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

// Migrations, atomic and concurrent transactions: the store contract (contract.test.ts) on both backends.
describe('SQLite store', () => {
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
});
