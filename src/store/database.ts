/**
 * The SQL seam every service's repository is written against. Repositories use portable SQL
 * (`?` placeholders, `ON CONFLICT … DO …`, BIGINT/TEXT/BLOB columns) so that the PostgreSQL
 * backend can run the same statements; only the driver differs. TEXT values never hold NUL
 * (PostgreSQL refuses it): keys joined from parts use another separator. The interface is async for
 * that reason, even though the embedded SQLite driver answers synchronously.
 * @module
 */

import type { ChangeFeed } from './changes.js';

export type SqlValue = string | number | bigint | boolean | null | Uint8Array;
export type Row = Record<string, SqlValue>;

export interface RunResult {
  /** Rows inserted, updated or deleted. */
  changes: number;
}

/** Statements, inside or outside a transaction. */
export interface Sql {
  get<T extends object = Row>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  all<T extends object = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  run(sql: string, params?: readonly SqlValue[]): Promise<RunResult>;
}

export interface Database extends Sql {
  readonly dialect: 'sqlite' | 'postgres';
  /**
   * Other processes write to this store too (PostgreSQL, or SQLite under several workers):
   * in-memory caches of rows must hear of their writes (`changes`) and bound what they keep.
   */
  readonly shared: boolean;
  /**
   * Notices of changed configuration rows between the processes on this store, so their
   * caches stay correct (store/changes.ts).
   */
  readonly changes: ChangeFeed;
  /**
   * Runs `fn` atomically: all of its statements commit together or none do. Statements
   * issued through `db` (not `tx`) while a transaction is open wait until it ends, so other
   * requests never see or join a half-done transaction.
   */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * One schema change. `sql` is portable SQL run as one script; where dialects must differ,
 * give `sqlite` and `postgres` separately.
 */
export interface Migration {
  version: number;
  description: string;
  sql?: string;
  sqlite?: string;
  postgres?: string;
}

/**
 * A component's schema: its own tables and the migrations that build them. Each service owns
 * its tables (prefixed with its name) and no other service reads them.
 */
export interface Schema {
  component: string;
  migrations: readonly Migration[];
}

/** What ran, per component: the same table on both dialects. */
export const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  component TEXT NOT NULL,
  version INTEGER NOT NULL,
  description TEXT NOT NULL,
  applied_at BIGINT NOT NULL,
  PRIMARY KEY (component, version)
)`;
