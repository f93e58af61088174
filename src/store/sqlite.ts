/**
 * The embedded store: SQLite in WAL mode in the data dir, through better-sqlite3.
 * @module
 */
import BetterSqlite3 from 'better-sqlite3';
import { MIGRATIONS_TABLE, type Database, type Migration, type Row, type RunResult, type Schema, type Sql, type SqlValue } from './database.js';
import { sqliteFeed, type ChangeFeed } from './changes.js';

type Statement = BetterSqlite3.Statement<unknown[], unknown>;

/** Booleans are stored as 0/1, as SQLite has no boolean type. */
function bind(params: readonly SqlValue[]): unknown[] {
  const out = new Array<unknown>(params.length);
  for (let i = 0; i < params.length; i++) {
    const v = params[i];
    out[i] = typeof v === 'boolean' ? (v ? 1 : 0) : v;
  }
  return out;
}

class SqliteStatements implements Sql {
  constructor(protected readonly owner: SqliteDatabase) {}

  get<T extends object = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    return Promise.resolve(this.owner.prepare(sql).get(...bind(params)) as T | undefined);
  }

  all<T extends object = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return Promise.resolve(this.owner.prepare(sql).all(...bind(params)) as T[]);
  }

  run(sql: string, params: readonly SqlValue[] = []): Promise<RunResult> {
    const r = this.owner.prepare(sql).run(...bind(params));
    return Promise.resolve({ changes: r.changes });
  }
}

export class SqliteDatabase implements Database {
  readonly dialect = 'sqlite' as const;
  readonly shared: boolean;
  readonly changes: ChangeFeed;
  readonly #db: BetterSqlite3.Database;
  readonly #statements = new Map<string, Statement>();
  readonly #tx = new SqliteStatements(this);
  /** Set while a transaction is open; statements from outside wait on it. */
  #gate: Promise<void> | undefined;

  /** `shared`: other processes (workers) use the same file. */
  constructor(file: string, options: { shared?: boolean } = {}) {
    this.shared = options.shared ?? false;
    this.changes = sqliteFeed(this.shared);
    this.#db = new BetterSqlite3(file);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = NORMAL');
    this.#db.pragma('foreign_keys = ON');
    this.#db.pragma('busy_timeout = 5000');
  }

  /** Statements are prepared once and reused: preparing costs more than running. */
  prepare(sql: string): Statement {
    let s = this.#statements.get(sql);
    if (s === undefined) {
      s = this.#db.prepare(sql);
      this.#statements.set(sql, s);
    }
    return s;
  }

  async get<T extends object = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    while (this.#gate) await this.#gate;
    return this.prepare(sql).get(...bind(params)) as T | undefined;
  }

  async all<T extends object = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    while (this.#gate) await this.#gate;
    return this.prepare(sql).all(...bind(params)) as T[];
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<RunResult> {
    while (this.#gate) await this.#gate;
    return { changes: this.prepare(sql).run(...bind(params)).changes };
  }

  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    while (this.#gate) await this.#gate;
    let open!: () => void;
    this.#gate = new Promise<void>((resolve) => (open = resolve));
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const result = await fn(this.#tx);
      this.#db.exec('COMMIT');
      return result;
    } catch (err) {
      if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
      throw err;
    } finally {
      this.#gate = undefined;
      open();
    }
  }

  /** Runs a multi-statement script (migrations). */
  exec(script: string): void {
    this.#db.exec(script);
  }

  async close(): Promise<void> {
    while (this.#gate) await this.#gate;
    this.#statements.clear();
    this.#db.close();
    await this.changes.close();
  }
}

/**
 * Brings every component's schema up to date, each migration in its own transaction, and
 * records what ran so a restart runs nothing twice.
 */
export function migrateSqlite(db: SqliteDatabase, schemas: readonly Schema[]): void {
  db.exec(MIGRATIONS_TABLE);;
  for (const schema of schemas) {
    const applied = new Set(
      (db.prepare('SELECT version FROM schema_migrations WHERE component = ?').all(schema.component) as { version: number }[]).map(
        (r) => r.version,
      ),
    );
    const ordered = [...schema.migrations].sort((a, b) => a.version - b.version);
    for (const m of ordered) {
      if (applied.has(m.version)) continue;
      const script = scriptFor(m);
      db.exec('BEGIN');
      try {
        db.exec(script);
        db.prepare('INSERT INTO schema_migrations (component, version, description, applied_at) VALUES (?, ?, ?, ?)').run(
          schema.component,
          m.version,
          m.description,
          Date.now(),
        );
        db.exec('COMMIT');
      } catch (err) {
        db.exec('ROLLBACK');
        throw new Error(`migration ${schema.component} v${m.version} (${m.description}) failed: ${(err as Error).message}`);
      }
    }
  }
}

function scriptFor(m: Migration): string {
  const s = m.sqlite ?? m.sql;
  if (s === undefined) throw new Error(`migration v${m.version} (${m.description}) has no SQLite script`);
  return s;
}
