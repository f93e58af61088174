/**
 * A user's MFA settings: which factors are on, which is preferred, and their TOTP secret. The
 * secret (and one associated but not yet verified) is a shared key that mints valid codes, so
 * it is sealed at rest, bound to its pool and user. The last accepted TOTP time step is kept
 * so a code is accepted once, across restarts and concurrent requests.
 * @module
 */
import type { Database, Sql } from '../../../store/database.js';
import type { SecretBox } from '../../../store/secrets.js';
import type { MfaType } from '../domain/mfa-config.js';

export interface UserMfa {
  sms: boolean;
  totp: boolean;
  email: boolean;
  preferred: MfaType | undefined;
  /** The verified TOTP secret (base32), opened. */
  totpSecret: string | undefined;
  /** A secret from AssociateSoftwareToken that VerifySoftwareToken has not confirmed yet. */
  pendingSecret: string | undefined;
  /** VerifySoftwareToken's FriendlyDeviceName. */
  deviceName: string | undefined;
}

export const NO_MFA: Readonly<UserMfa> = Object.freeze({ sms: false, totp: false, email: false, preferred: undefined, totpSecret: undefined, pendingSecret: undefined, deviceName: undefined });

interface Settings {
  sms: boolean;
  totp: boolean;
  email: boolean;
  preferred?: MfaType;
  deviceName?: string;
}

interface MfaRow {
  settings: string;
  totp_secret: string | null;
  pending_secret: string | null;
}

export class MfaStore {
  constructor(
    private readonly db: Database,
    private readonly secrets: SecretBox,
  ) {}

  #context(poolId: string, sub: string, which: 'totp' | 'pending'): string {
    return `cognito-idp:mfa:${which}:${poolId}:${sub}`;
  }

  async get(poolId: string, sub: string, tx: Sql = this.db): Promise<UserMfa> {
    const r = await tx.get<MfaRow>('SELECT settings, totp_secret, pending_secret FROM cognito_idp_user_mfa WHERE pool_id = ? AND sub = ?', [poolId, sub]);
    if (r === undefined) return { ...NO_MFA };
    const s = JSON.parse(r.settings) as Settings;
    return {
      sms: s.sms,
      totp: s.totp,
      email: s.email,
      preferred: s.preferred,
      deviceName: s.deviceName,
      totpSecret: r.totp_secret === null ? undefined : this.secrets.openString(r.totp_secret, this.#context(poolId, sub, 'totp')),
      pendingSecret: r.pending_secret === null ? undefined : this.secrets.openString(r.pending_secret, this.#context(poolId, sub, 'pending')),
    };
  }

  /**
   * Writes the settings and secrets. A new verified secret starts with no accepted step;
   * otherwise the step is kept.
   */
  async put(poolId: string, sub: string, mfa: UserMfa, now: number, opts: { newSecret?: boolean } = {}, tx: Sql = this.db): Promise<void> {
    const settings: Settings = {
      sms: mfa.sms,
      totp: mfa.totp,
      email: mfa.email,
      ...(mfa.preferred === undefined ? {} : { preferred: mfa.preferred }),
      ...(mfa.deviceName === undefined ? {} : { deviceName: mfa.deviceName }),
    };
    const totp = mfa.totpSecret === undefined ? null : this.secrets.seal(mfa.totpSecret, this.#context(poolId, sub, 'totp'));
    const pending = mfa.pendingSecret === undefined ? null : this.secrets.seal(mfa.pendingSecret, this.#context(poolId, sub, 'pending'));
    await tx.run(
      `INSERT INTO cognito_idp_user_mfa (pool_id, sub, settings, totp_secret, pending_secret, totp_last_step, updated_at) VALUES (?, ?, ?, ?, ?, NULL, ?)
       ON CONFLICT (pool_id, sub) DO UPDATE SET settings = excluded.settings, totp_secret = excluded.totp_secret, pending_secret = excluded.pending_secret,
       totp_last_step = ${opts.newSecret === true ? 'NULL' : 'cognito_idp_user_mfa.totp_last_step'}, updated_at = excluded.updated_at`,
      [poolId, sub, JSON.stringify(settings), totp, pending, now],
    );
  }

  /**
   * Records `step` as used when it is later than the last accepted one: true when this call
   * took it (one UPDATE, so two requests with the same code cannot both win).
   */
  async takeTotpStep(poolId: string, sub: string, step: number): Promise<boolean> {
    const r = await this.db.run(
      'UPDATE cognito_idp_user_mfa SET totp_last_step = ? WHERE pool_id = ? AND sub = ? AND (totp_last_step IS NULL OR totp_last_step < ?)',
      [step, poolId, sub, step],
    );
    return r.changes === 1;
  }
}
