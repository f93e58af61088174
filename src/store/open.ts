/**
 * Opens the store a configuration names and brings every schema up to date: a
 * `postgres://` / `postgresql://` URL selects PostgreSQL (the scale-out store), anything else is
 * the path of the embedded SQLite file.
 * @module
 */
import type { Database, Schema } from './database.js';
import { PostgresDatabase } from './postgres.js';
import { migrateSqlite, SqliteDatabase } from './sqlite.js';

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/** Where a database URL points, for messages: never its password. */
export function describePostgresUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return '(an unreadable URL)';
  }
}

export async function openDatabase(url: string, schemas: readonly Schema[]): Promise<Database> {
  if (!isPostgresUrl(url)) {
    const db = new SqliteDatabase(url);
    migrateSqlite(db, schemas);
    return db;
  }
  const db = new PostgresDatabase(url);
  try {
    await db.migrate(schemas);
  } catch (err) {
    await db.close().catch(() => undefined);
    const msg = (err as Error).message;
    if (msg.startsWith('migration ')) throw err;
    throw new Error(`cannot use PostgreSQL at ${describePostgresUrl(url)}: ${msg}`);
  }
  return db;
}
