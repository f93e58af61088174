/**
 * Lambda's tables: functions (their configuration as AWS returns it, the resource policy) and
 * deployment packages, kept once per content hash as a blob so that backups and a shared
 * PostgreSQL store carry them with the rest.
 * @module
 */
import type { Database, Schema } from '../../store/database.js';

const table = (blob: string): string => `
CREATE TABLE lambda_functions (
  name TEXT PRIMARY KEY,
  config TEXT NOT NULL,
  code_sha TEXT NOT NULL,
  policy TEXT,
  created_at BIGINT NOT NULL
);
CREATE TABLE lambda_code (
  sha TEXT PRIMARY KEY,
  zip ${blob} NOT NULL
);`;

export const lambdaSchema: Schema = {
  component: 'lambda',
  migrations: [{ version: 1, description: 'functions and deployment packages', sqlite: table('BLOB'), postgres: table('BYTEA') }],
};

/** What is stored of a function besides its package: the fields AWS echoes back. */
export interface StoredConfig {
  FunctionName: string;
  FunctionArn: string;
  Runtime: string;
  Role: string;
  Handler: string;
  CodeSize: number;
  CodeSha256: string;
  Description: string;
  Timeout: number;
  MemorySize: number;
  LastModified: string;
  RevisionId: string;
  Environment: Record<string, string>;
}

export interface FunctionRow {
  config: StoredConfig;
  policy: string | undefined;
}

export class LambdaStore {
  constructor(private readonly db: Database) {}

  async get(name: string): Promise<FunctionRow | undefined> {
    const r = await this.db.get<{ config: string; policy: string | null }>('SELECT config, policy FROM lambda_functions WHERE name = ?', [name]);
    return r === undefined ? undefined : { config: JSON.parse(r.config) as StoredConfig, policy: r.policy ?? undefined };
  }

  async list(after: string, limit: number): Promise<StoredConfig[]> {
    const rows = await this.db.all<{ config: string }>('SELECT config FROM lambda_functions WHERE name > ? ORDER BY name LIMIT ?', [after, limit]);
    return rows.map((r) => JSON.parse(r.config) as StoredConfig);
  }

  async code(sha: string): Promise<Uint8Array | undefined> {
    const r = await this.db.get<{ zip: Uint8Array }>('SELECT zip FROM lambda_code WHERE sha = ?', [sha]);
    return r?.zip;
  }

  /** Creates the function with its package; false when the name is taken. */
  async create(config: StoredConfig, zip: Uint8Array, now: number): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const r = await tx.run('INSERT INTO lambda_functions (name, config, code_sha, policy, created_at) VALUES (?, ?, ?, NULL, ?) ON CONFLICT (name) DO NOTHING', [
        config.FunctionName,
        JSON.stringify(config),
        config.CodeSha256,
        now,
      ]);
      if (r.changes === 0) return false;
      await tx.run('INSERT INTO lambda_code (sha, zip) VALUES (?, ?) ON CONFLICT (sha) DO NOTHING', [config.CodeSha256, zip]);
      return true;
    });
  }

  /**
   * Replaces the configuration (and the package, when given) if the revision is still
   * `expected`; false when another update won. Packages no function refers to are dropped.
   */
  async update(config: StoredConfig, expected: string, zip?: Uint8Array): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const cur = await tx.get<{ config: string; code_sha: string }>('SELECT config, code_sha FROM lambda_functions WHERE name = ?', [config.FunctionName]);
      if (cur === undefined || (JSON.parse(cur.config) as StoredConfig).RevisionId !== expected) return false;
      if (zip !== undefined) await tx.run('INSERT INTO lambda_code (sha, zip) VALUES (?, ?) ON CONFLICT (sha) DO NOTHING', [config.CodeSha256, zip]);
      await tx.run('UPDATE lambda_functions SET config = ?, code_sha = ? WHERE name = ?', [JSON.stringify(config), config.CodeSha256, config.FunctionName]);
      if (cur.code_sha !== config.CodeSha256) await dropUnused(tx, cur.code_sha);
      return true;
    });
  }

  async setPolicy(name: string, policy: string | undefined, revisionId: string, expected: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const cur = await tx.get<{ config: string }>('SELECT config FROM lambda_functions WHERE name = ?', [name]);
      if (cur === undefined) return false;
      const config = JSON.parse(cur.config) as StoredConfig;
      if (config.RevisionId !== expected) return false;
      config.RevisionId = revisionId;
      await tx.run('UPDATE lambda_functions SET policy = ?, config = ? WHERE name = ?', [policy ?? null, JSON.stringify(config), name]);
      return true;
    });
  }

  async delete(name: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const cur = await tx.get<{ code_sha: string }>('SELECT code_sha FROM lambda_functions WHERE name = ?', [name]);
      if (cur === undefined) return false;
      await tx.run('DELETE FROM lambda_functions WHERE name = ?', [name]);
      await dropUnused(tx, cur.code_sha);
      return true;
    });
  }
}

async function dropUnused(tx: { get: Database['get']; run: Database['run'] }, sha: string): Promise<void> {
  const used = await tx.get('SELECT name FROM lambda_functions WHERE code_sha = ? LIMIT 1', [sha]);
  if (used === undefined) await tx.run('DELETE FROM lambda_code WHERE sha = ?', [sha]);
}
