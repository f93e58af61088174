/**
 * Users' passkeys: the credential id and public key a WebAuthn registration proved, the
 * signature counter (a cloned authenticator shows an old one), transports and attachment
 * as the authenticator reported them, and the relying party the key is bound to. Public
 * keys are not secrets; nothing here lets anyone sign in without the authenticator.
 * @module
 */
import type { Database } from '../../../store/database.js';

export interface WebAuthnCredential {
  poolId: string;
  /** base64url, as WebAuthn's JSON forms carry it. */
  credentialId: string;
  sub: string;
  publicKey: Uint8Array;
  counter: number;
  transports: string[];
  attachment: string | undefined;
  name: string;
  rpId: string;
  createdAt: number;
}

interface Row {
  pool_id: string;
  credential_id: string;
  sub: string;
  public_key: string;
  counter: number;
  transports: string;
  attachment: string | null;
  name: string;
  rp_id: string;
  created_at: number;
}

const toCredential = (r: Row): WebAuthnCredential => ({
  poolId: r.pool_id,
  credentialId: r.credential_id,
  sub: r.sub,
  publicKey: new Uint8Array(Buffer.from(r.public_key, 'base64url')),
  counter: Number(r.counter),
  transports: JSON.parse(r.transports) as string[],
  attachment: r.attachment ?? undefined,
  name: r.name,
  rpId: r.rp_id,
  createdAt: Number(r.created_at),
});

export class WebAuthnStore {
  constructor(private readonly db: Database) {}

  async forUser(poolId: string, sub: string): Promise<WebAuthnCredential[]> {
    return (await this.db.all<Row>('SELECT * FROM cognito_idp_webauthn_credentials WHERE pool_id = ? AND sub = ? ORDER BY created_at, credential_id', [poolId, sub])).map(toCredential);
  }

  async get(poolId: string, credentialId: string): Promise<WebAuthnCredential | undefined> {
    const r = await this.db.get<Row>('SELECT * FROM cognito_idp_webauthn_credentials WHERE pool_id = ? AND credential_id = ?', [poolId, credentialId]);
    return r === undefined ? undefined : toCredential(r);
  }

  async insert(c: WebAuthnCredential): Promise<void> {
    await this.db.run(
      `INSERT INTO cognito_idp_webauthn_credentials (pool_id, credential_id, sub, public_key, counter, transports, attachment, name, rp_id, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [c.poolId, c.credentialId, c.sub, Buffer.from(c.publicKey).toString('base64url'), c.counter, JSON.stringify(c.transports), c.attachment ?? null, c.name, c.rpId, c.createdAt],
    );
  }

  /** Moves the counter forward only, in one statement: a replayed assertion cannot win a race. */
  async advanceCounter(poolId: string, credentialId: string, from: number, to: number): Promise<boolean> {
    const r = await this.db.run('UPDATE cognito_idp_webauthn_credentials SET counter = ? WHERE pool_id = ? AND credential_id = ? AND counter = ?', [to, poolId, credentialId, from]);
    return r.changes === 1;
  }

  async delete(poolId: string, sub: string, credentialId: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM cognito_idp_webauthn_credentials WHERE pool_id = ? AND sub = ? AND credential_id = ?', [poolId, sub, credentialId])).changes === 1;
  }
}
