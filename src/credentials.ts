/**
 * Which secret belongs to an access key id, and whose it is. The root key comes from
 * configuration; temporary `ASIA…` keys are STS's to vouch for.
 * @module
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, type Config } from './config.js';
import { rootArn, type Principal } from './principal.js';
import { SigV4Failure, constantTimeEqualHex } from './protocols/sigv4.js';

export interface ResolvedCredentials {
  secretAccessKey: string;
  principal: Principal;
}

export interface CredentialResolver {
  /**
   * Resolves a key id (and, for temporary credentials, the session token sent with it).
   * Returns a failure for unknown keys and for missing, altered or expired tokens.
   */
  resolve(accessKeyId: string, sessionToken: string | undefined, now: number): Promise<ResolvedCredentials | SigV4Failure>;
}

export interface RootCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

const UNKNOWN_KEY = 'The security token included in the request is invalid.';

/** Root key first, then whatever issues temporary credentials (STS). */
export class CompositeCredentialResolver implements CredentialResolver {
  readonly #temporary: CredentialResolver[] = [];

  constructor(
    private readonly root: RootCredentials,
    private readonly accountId: string,
  ) {}

  /** STS registers here to vouch for the `ASIA…` keys it issued. */
  addTemporary(resolver: CredentialResolver): void {
    this.#temporary.push(resolver);
  }

  async resolve(accessKeyId: string, sessionToken: string | undefined, now: number): Promise<ResolvedCredentials | SigV4Failure> {
    if (constantTimeEqualHex(accessKeyId, this.root.accessKeyId)) {
      if (sessionToken !== undefined && sessionToken !== '') {
        return new SigV4Failure('invalid-token', UNKNOWN_KEY);
      }
      return {
        secretAccessKey: this.root.secretAccessKey,
        principal: { kind: 'root', accountId: this.accountId, arn: rootArn(this.accountId), userId: this.accountId, accessKeyId },
      };
    }
    for (const r of this.#temporary) {
      const hit = await r.resolve(accessKeyId, sessionToken, now);
      if (!(hit instanceof SigV4Failure) || hit.kind !== 'unknown-key') return hit;
    }
    return new SigV4Failure('unknown-key', UNKNOWN_KEY);
  }
}

const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** AWS-looking key ids: a 4-letter prefix (AKIA, ASIA) and 16 base32 characters. */
export function newAccessKeyId(prefix: 'AKIA' | 'ASIA'): string {
  const bytes = randomBytes(16);
  let s = prefix;
  for (const b of bytes) s += KEY_ALPHABET[b & 31];
  return s;
}

export function newSecretAccessKey(): string {
  return randomBytes(30).toString('base64').replace(/\+/g, 'A').replace(/\//g, 'B');
}

/**
 * Root credentials from configuration, or from the data dir, or generated on first start
 * (stored with mode 0600). `created` tells the caller to print them once.
 */
export function loadRootCredentials(config: Config): RootCredentials & { created: boolean; source: 'environment' | 'data-dir' } {
  if (config.rootAccessKeyId !== undefined && config.rootSecretAccessKey !== undefined) {
    return { accessKeyId: config.rootAccessKeyId, secretAccessKey: config.rootSecretAccessKey, created: false, source: 'environment' };
  }
  const file = path.join(config.dataDir, 'root-credentials.json');
  let text: string | undefined;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (text !== undefined) {
    let saved: Partial<RootCredentials> | undefined;
    try {
      saved = JSON.parse(text) as Partial<RootCredentials>;
    } catch {
      saved = undefined;
    }
    if (typeof saved?.accessKeyId !== 'string' || typeof saved.secretAccessKey !== 'string') {
      throw new ConfigError('GATEHOUSE_DATA_DIR', `${file} is not a root credentials file; delete it to generate new credentials`);
    }
    return { accessKeyId: saved.accessKeyId, secretAccessKey: saved.secretAccessKey, created: false, source: 'data-dir' };
  }
  const creds = { accessKeyId: newAccessKeyId('AKIA'), secretAccessKey: newSecretAccessKey() };
  fs.writeFileSync(file, JSON.stringify(creds, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  return { ...creds, created: true, source: 'data-dir' };
}
