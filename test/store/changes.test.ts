/**
 * The store's change notices and the row caches built on them: a row cached by one node is
 * dropped before another node's change to it is acknowledged; a node whose listening
 * connection is cut reads through until it is back, then forgets what it held. Against a real
 * PostgreSQL (two Database objects on one database are two nodes) and the embedded SQLite.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, Schema } from '../../src/store/database.js';
import { openDatabase } from '../../src/store/open.js';
import { LISTENER_NAME } from '../../src/store/postgres-feed.js';
import { RowCache } from '../../src/store/row-cache.js';
import { SqliteDatabase } from '../../src/store/sqlite.js';
import { startPostgres, type PostgresCluster } from '../support/postgres.js';

const things: Schema = { component: 'things', migrations: [{ version: 1, description: 'things', sql: 'CREATE TABLE things (id TEXT PRIMARY KEY, label TEXT NOT NULL)' }] };

let cluster: PostgresCluster;
const open: Database[] = [];
const dirs: string[] = [];
beforeAll(async () => {
  cluster = await startPostgres();
});
afterAll(async () => {
  for (const db of open.splice(0)) await db.close().catch(() => undefined);
  cluster?.stop();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A node's view of `things`: a cache, and how often it went to the store. */
function node(db: Database) {
  const cache = new RowCache<string | null>(db.changes, 'things', db.shared);
  let loads = 0;
  return {
    get loads() {
      return loads;
    },
    label: (id: string) =>
      cache.read(id, async () => {
        loads++;
        return (await db.get<{ label: string }>('SELECT label FROM things WHERE id = ?', [id]))?.label ?? null;
      }),
    async set(id: string, label: string) {
      await db.run('INSERT INTO things (id, label) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET label = excluded.label', [id, label]);
      await cache.changed(id);
    },
  };
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('change notices on PostgreSQL', () => {
  async function twoNodes() {
    const url = await cluster.newDatabase();
    const a = await openDatabase(url, [things]);
    const b = await openDatabase(url, [things]);
    open.push(a, b);
    const na = node(a);
    const nb = node(b);
    await until(() => a.changes.live && b.changes.live);
    return { url, a, b, na, nb };
  }

  it('serves cached rows, and drops one on every other node before the writer is answered', async () => {
    const { na, nb } = await twoNodes();
    await na.set('p', 'one');
    expect(await nb.label('p')).toBe('one');
    expect(await nb.label('p')).toBe('one');
    expect(nb.loads).toBe(1); // the second read was the cache's
    for (let i = 0; i < 30; i++) {
      expect(await nb.label('p')).toBe(i === 0 ? 'one' : `v${i - 1}`); // cached on B
      await na.set('p', `v${i}`); // resolves once B has acknowledged the notice
      // No wait of any kind: the very next read on the other node sees the change.
      expect(await nb.label('p')).toBe(`v${i}`);
    }
    expect(nb.loads).toBe(31);
  });

  it('caches a row that does not exist yet, and drops that too when it is created elsewhere', async () => {
    const { na, nb } = await twoNodes();
    expect(await nb.label('later')).toBeNull();
    expect(await nb.label('later')).toBeNull();
    expect(nb.loads).toBe(1);
    await na.set('later', 'here');
    expect(await nb.label('later')).toBe('here');
  });

  it('reads through while its listening connection is cut, and forgets everything once it is back', async () => {
    const { url, a, b, nb } = await twoNodes();
    await a.run("INSERT INTO things (id, label) VALUES ('q', 'before')");
    expect(await nb.label('q')).toBe('before');
    expect(await nb.label('q')).toBe('before');
    const loads = nb.loads;

    // Cut both nodes' listening connections (an admin, a failover, a network blip).
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const r = await admin.query(`SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = current_database() AND application_name = '${LISTENER_NAME}'`);
      expect(r.rowCount).toBe(2);
    } finally {
      await admin.end();
    }
    await until(() => !b.changes.live);
    // A change made while no notice can arrive: written without any notice at all.
    await a.run("UPDATE things SET label = 'unheard' WHERE id = 'q'");
    expect(await nb.label('q')).toBe('unheard');
    expect(nb.loads).toBe(loads + 1);
    expect(await nb.label('q')).toBe('unheard');
    expect(nb.loads).toBe(loads + 2); // not live: nothing is kept

    await until(() => b.changes.live && a.changes.live);
    expect(await nb.label('q')).toBe('unheard');
    expect(await nb.label('q')).toBe('unheard');
    expect(nb.loads).toBe(loads + 3); // live again: cached again
  });

  it('a write that raced a read is not cached by the reader', async () => {
    const { b, na } = await twoNodes();
    await na.set('r', 'old');
    // B's read starts, A's change and notice land while B's read is still in flight.
    const cache = new RowCache<string | null>(b.changes, 'things', b.shared);
    let release!: () => void;
    let selected!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const read = new Promise<void>((r) => (selected = r));
    const slow = cache.read('r', async () => {
      const v = (await b.get<{ label: string }>('SELECT label FROM things WHERE id = ?', ['r']))?.label ?? null;
      selected();
      await gate;
      return v;
    });
    await read;
    await na.set('r', 'new'); // B has acknowledged the notice while its read is still out
    release();
    expect(await slow).toBe('old');
    expect(await cache.read('r', async () => (await b.get<{ label: string }>('SELECT label FROM things WHERE id = ?', ['r']))?.label ?? null)).toBe('new');
  });
});

describe('change notices on SQLite', () => {
  function file(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-changes-'));
    dirs.push(dir);
    return path.join(dir, 'g.db');
  }

  it('keeps rows for as long as only this process writes the file', async () => {
    const db = await openDatabase(file(), [things]);
    open.push(db);
    const n = node(db);
    await n.set('s', 'one');
    expect(await n.label('s')).toBe('one');
    expect(await n.label('s')).toBe('one');
    expect(n.loads).toBe(1);
    await n.set('s', 'two');
    expect(await n.label('s')).toBe('two');
  });

  it('keeps nothing when other processes write the file and no notice can reach this one', async () => {
    const f = file();
    const first = await openDatabase(f, [things]);
    open.push(first);
    const shared = new SqliteDatabase(f, { shared: true });
    open.push(shared);
    expect(shared.changes.live).toBe(false);
    const n = node(shared);
    await first.run("INSERT INTO things (id, label) VALUES ('t', 'one')");
    expect(await n.label('t')).toBe('one');
    await first.run("UPDATE things SET label = 'two' WHERE id = 't'");
    expect(await n.label('t')).toBe('two');
    expect(n.loads).toBe(2);
  });
});
