/**
 * Every node of one store must seal and open with the same master key. The store keeps one
 * value sealed under the key it was first used with; a start with another key cannot open it
 * and refuses, instead of failing later on every client secret, signing key and verifier.
 * @module
 */
import { randomBytes } from 'node:crypto';
import type { Database, Schema } from './database.js';
import type { SecretBox } from './secrets.js';

export const masterKeySchema: Schema = {
  component: 'store',
  migrations: [{ version: 1, description: 'master key check', sql: 'CREATE TABLE store_master_key_check (id TEXT PRIMARY KEY, sealed TEXT NOT NULL)' }],
};

const CONTEXT = 'store_master_key_check:1';

export class MasterKeyMismatchError extends Error {
  constructor(where: string) {
    super(
      `the master key does not open ${where}: it was sealed with another key. Give every node the same key (GATEHOUSE_MASTER_KEY, or the same master.key file in GATEHOUSE_DATA_DIR) as the store was first used with`,
    );
    this.name = 'MasterKeyMismatchError';
  }
}

export async function checkMasterKey(db: Database, secrets: SecretBox, where: string): Promise<void> {
  // First start: record a value; of nodes starting together, the first insert wins.
  await db.run('INSERT INTO store_master_key_check (id, sealed) VALUES (?, ?) ON CONFLICT (id) DO NOTHING', ['1', secrets.seal(randomBytes(16), CONTEXT)]);
  const row = await db.get<{ sealed: string }>('SELECT sealed FROM store_master_key_check WHERE id = ?', ['1']);
  try {
    secrets.open(row!.sealed, CONTEXT);
  } catch {
    throw new MasterKeyMismatchError(where);
  }
}
