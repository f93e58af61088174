/**
 * Secrets at rest. Values Gatehouse must be able to read back (JWT signing keys, app client
 * secrets, the root secret access key needed to check SigV4 HMACs) are sealed with
 * AES-256-GCM under a master key kept in the data dir with mode 0600. Passwords are never
 * stored this way: they are kept only as SRP verifiers (which are sealed in turn: a verifier
 * allows offline guessing).
 * @module
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../config.js';

const VERSION = 'v1';

export class SecretBox {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error('master key must be 32 bytes');
    this.#key = key;
  }

  /**
   * Encrypts `plaintext`; `context` binds the ciphertext to what it belongs to (a table and
   * id), so a sealed value copied to another row does not open.
   */
  seal(plaintext: string | Buffer, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return `${VERSION}.${iv.toString('base64url')}.${body.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}`;
  }

  open(sealed: string, context: string): Buffer {
    const [version, iv, body, tag] = sealed.split('.');
    if (version !== VERSION || iv === undefined || body === undefined || tag === undefined) {
      throw new Error('sealed value has an unknown format');
    }
    // The full 16-byte tag, always: GCM would otherwise accept a tag cut to 4 bytes.
    const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64url'), { authTagLength: 16 });
    decipher.setAAD(Buffer.from(context, 'utf8'));
    const authTag = Buffer.from(tag, 'base64url');
    if (authTag.length !== 16) throw new Error('sealed value has a truncated authentication tag');
    decipher.setAuthTag(authTag);
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]);
  }

  openString(sealed: string, context: string): string {
    return this.open(sealed, context).toString('utf8');
  }

  /**
   * A key for one purpose, derived from the master key, so that purposes never share key
   * material (e.g. STS session-token encryption vs. HMACs of codes).
   */
  derive(purpose: string): Buffer {
    return createHmac('sha256', this.#key).update(`gatehouse:${purpose}`).digest();
  }
}

/** Loads the master key from the data dir, creating it (mode 0600) on first start. */
export function loadMasterKey(dataDir: string): Buffer {
  const file = path.join(dataDir, 'master.key');
  try {
    const key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new ConfigError('GATEHOUSE_DATA_DIR', `${file} does not hold a 32-byte base64 key`);
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const key = randomBytes(32);
  fs.writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  return key;
}
