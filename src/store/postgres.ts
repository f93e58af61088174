/**
 * The scale-out store: PostgreSQL through node-postgres (`pg`) with a connection pool. It runs
 * the repositories' portable SQL unchanged: `?` placeholders become `$1…$n`, booleans are bound
 * as 0/1 (the schemas keep flags in INTEGER columns, as SQLite has no boolean), BIGINT and
 * NUMERIC results come back as JavaScript numbers (SQLite's integers do; every BIGINT the
 * schemas hold — times in ms, sizes, counters — is far below 2^53) and BYTEA as Buffers.
 * @module
 */
import pg from 'pg';
import { PostgresFeed } from './postgres-feed.js';
import { MIGRATIONS_TABLE, type Database, type Migration, type Row, type RunResult, type Schema, type Sql, type SqlValue } from './database.js';

/** SQLSTATEs after which a transaction may simply be run again: serialization failure, deadlock. */
const RETRYABLE = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 8;
/** One key for every Gatehouse: nodes starting together take turns at migrating. */
const MIGRATION_LOCK = 0x6761_7465; // "gate"

/** Result types the repositories expect as numbers, per connection (never pg's global parsers). */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20 || oid === 1700) return (v: string) => Number(v); // int8, numeric
    return pg.types.getTypeParser(oid, format);
  },
};

const placeholders = new Map<string, string>();

/**
 * `?` → `$n`, outside string literals, quoted identifiers and comments (a `?` in a literal is
 * data). Translations are cached: the statements are a fixed set written in the repositories.
 */
export function toPositional(sql: string): string {
  const cached = placeholders.get(sql);
  if (cached !== undefined) return cached;
  let out = '';
  let n = 0;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      const end = sql.indexOf(c, i + 1);
      const stop = end === -1 ? sql.length : end + 1;
      out += sql.slice(i, stop);
      i = stop - 1;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end === -1 ? sql.length : end;
      out += sql.slice(i, stop);
      i = stop - 1;
    } else if (c === '?') {
      out += `$${++n}`;
    } else {
      out += c;
    }
  }
  if (placeholders.size < 10_000) placeholders.set(sql, out);
  return out;
}

function bind(params: readonly SqlValue[]): unknown[] {
  return params.map((v) =>
    typeof v === 'boolean' ? (v ? 1 : 0) : typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array && !Buffer.isBuffer(v) ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : v,
  );
}

interface Queryable {
  query(config: pg.QueryConfig): Promise<pg.QueryResult>;
}

class PgStatements implements Sql {
  constructor(private readonly target: Queryable) {}

  async get<T extends object = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    return (await this.#query(sql, params)).rows[0] as T | undefined;
  }

  async all<T extends object = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return (await this.#query(sql, params)).rows as T[];
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<RunResult> {
    return { changes: (await this.#query(sql, params)).rowCount ?? 0 };
  }

  #query(sql: string, params: readonly SqlValue[]): Promise<pg.QueryResult> {
    return this.target.query({ text: toPositional(sql), values: bind(params), types });
  }
}

export interface PostgresOptions {
  /** Connections in the pool (default 10). */
  max?: number;
}

export class PostgresDatabase implements Database {
  readonly dialect = 'postgres' as const;
  readonly shared = true;
  readonly changes: PostgresFeed;
  readonly #pool: pg.Pool;
  readonly #statements: PgStatements;

  constructor(url: string, options: PostgresOptions = {}) {
    this.#pool = new pg.Pool({ connectionString: url, max: options.max ?? 10, connectionTimeoutMillis: 10_000, idleTimeoutMillis: 30_000 });
    // An idle connection that the server drops (restart, failover) must not crash the process.
    this.#pool.on('error', () => undefined);
    this.#statements = new PgStatements(this.#pool);
    this.changes = new PostgresFeed(url, async (channel, payload, listenerName) => {
      const r = await this.#pool.query<{ listeners: string }>(
        'SELECT pg_notify($1, $2), (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $3) AS listeners',
        [channel, payload, listenerName],
      );
      return Number(r.rows[0]?.listeners ?? 0);
    });
  }

  get<T extends object = Row>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined> {
    return this.#statements.get<T>(sql, params);
  }

  all<T extends object = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return this.#statements.all<T>(sql, params);
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<RunResult> {
    return this.#statements.run(sql, params);
  }

  /**
   * SERIALIZABLE, so a read-then-write inside `fn` is as safe as under SQLite's single writer
   * (BEGIN IMMEDIATE). When PostgreSQL aborts one of two conflicting transactions, it is run
   * again from the start: `fn` must do nothing but statements through `tx` (the repositories'
   * transactions are written that way).
   */
  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.#pool.connect();
      let broken = false;
      try {
        await client.query('BEGIN ISOLATION LEVEL SERIALIZABLE');
        const result = await fn(new PgStatements(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => (broken = true));
        const code = (err as { code?: unknown }).code;
        if (typeof code === 'string' && RETRYABLE.has(code) && attempt < MAX_ATTEMPTS) {
          await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
          continue;
        }
        throw err;
      } finally {
        client.release(broken);
      }
    }
  }

  /** Runs a multi-statement script (migrations) on one connection. */
  async exec(script: string): Promise<void> {
    await this.#pool.query(script);
  }

  async close(): Promise<void> {
    await this.changes.close();
    await this.#pool.end();
  }

  /**
   * Brings every component's schema up to date, each migration in its own transaction, under
   * an advisory lock: of several nodes starting together, one migrates and the others wait and
   * then find nothing to do.
   */
  async migrate(schemas: readonly Schema[]): Promise<void> {
    const client = await this.#pool.connect();
    try {
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      await client.query(MIGRATIONS_TABLE);
      for (const schema of schemas) {
        const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations WHERE component = $1', [schema.component]);
        const applied = new Set(rows.map((r) => r.version));
        for (const m of [...schema.migrations].sort((a, b) => a.version - b.version)) {
          if (applied.has(m.version)) continue;
          await client.query('BEGIN');
          try {
            await client.query(scriptFor(m));
            await client.query('INSERT INTO schema_migrations (component, version, description, applied_at) VALUES ($1, $2, $3, $4)', [
              schema.component,
              m.version,
              m.description,
              Date.now(),
            ]);
            await client.query('COMMIT');
          } catch (err) {
            await client.query('ROLLBACK');
            throw new Error(`migration ${schema.component} v${m.version} (${m.description}) failed: ${(err as Error).message}`);
          }
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
      client.release();
    }
  }
}

function scriptFor(m: Migration): string {
  const s = m.postgres ?? m.sql;
  if (s === undefined) throw new Error(`migration v${m.version} (${m.description}) has no PostgreSQL script`);
  return s;
}
