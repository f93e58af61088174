/**
 * KMS's table: symmetric keys, their 256-bit material sealed at rest under the master key
 * (bound to the key's id), and their key policy.
 * @module
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Database, Schema } from '../../store/database.js';
import type { SecretBox } from '../../store/secrets.js';

const table = `
CREATE TABLE kms_keys (
  id TEXT PRIMARY KEY,
  description TEXT NOT NULL,
  policy TEXT NOT NULL,
  material TEXT NOT NULL,
  created_at BIGINT NOT NULL
);`;

export const kmsSchema: Schema = {
  component: 'kms',
  migrations: [{ version: 1, description: 'symmetric encryption keys', sqlite: table, postgres: table }],
};

export interface KmsKey {
  id: string;
  description: string;
  policy: string;
  createdAt: number;
}

const sealedFor = (id: string): string => `kms_keys.material:${id}`;

export class KeyStore {
  constructor(
    private readonly db: Database,
    private readonly secrets: SecretBox,
  ) {}

  async create(description: string, policy: (id: string) => string, now: number): Promise<KmsKey> {
    const id = randomUUID();
    const key = { id, description, policy: policy(id), createdAt: now };
    await this.db.run('INSERT INTO kms_keys (id, description, policy, material, created_at) VALUES (?, ?, ?, ?, ?)', [
      id, description, key.policy, this.secrets.seal(randomBytes(32), sealedFor(id)), now,
    ]);
    return key;
  }

  async get(id: string): Promise<KmsKey | undefined> {
    const r = await this.db.get<{ id: string; description: string; policy: string; created_at: number | string }>('SELECT id, description, policy, created_at FROM kms_keys WHERE id = ?', [id]);
    return r === undefined ? undefined : { id: r.id, description: r.description, policy: r.policy, createdAt: Number(r.created_at) };
  }

  /** The key's material, opened only for the operation that uses it. */
  async material(id: string): Promise<Buffer | undefined> {
    const r = await this.db.get<{ material: string }>('SELECT material FROM kms_keys WHERE id = ?', [id]);
    return r === undefined ? undefined : this.secrets.open(r.material, sealedFor(id));
  }

  async list(after: string, limit: number): Promise<string[]> {
    const rows = await this.db.all<{ id: string }>('SELECT id FROM kms_keys WHERE id > ? ORDER BY id LIMIT ?', [after, limit]);
    return rows.map((r) => r.id);
  }

  async setPolicy(id: string, policy: string): Promise<boolean> {
    return (await this.db.run('UPDATE kms_keys SET policy = ? WHERE id = ?', [policy, id])).changes > 0;
  }
}
