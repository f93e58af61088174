/**
 * TOTP set-up, shared by AssociateSoftwareToken / VerifySoftwareToken (operations/software-token.ts)
 * and the hosted pages' MFA_SETUP step (hosted/mfa-setup.ts), so both take the same checks:
 * a new secret replaces only the pending one (the verified secret keeps working until its
 * replacement is verified); a code from it turns TOTP on; wrong codes count toward the user's
 * MFA lockout and, with an MFA_SETUP Session, use it up after five. With a Session, each step
 * answers with the Session for the next one (associate → verify → respond).
 * @module
 */
import { ServiceError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { IdpContext } from './context.js';
import { newTotpSecret, totpStep } from './domain/totp.js';
import { invalidSession } from './errors.js';
import type { MfaChallenges, SetupState } from './mfa-challenges.js';
import type { User } from './store/users.js';

/** An opened MFA_SETUP Session. */
export interface OpenSetup {
  data: SetupState;
  nonce: string;
  expiresAt: number;
}

/** Wrong codes one MFA_SETUP Session allows. */
const MAX_WRONG = 5;

const verifyMismatch = (): ServiceError => new ServiceError('EnableSoftwareTokenMFAException', 'Code mismatch and fail enable Software Token MFA', 400);

export class TotpSetup {
  constructor(
    private readonly idp: IdpContext,
    private readonly challenges: MfaChallenges,
  ) {}

  /** The user an MFA_SETUP Session is for, when it is good for `step` (Cognito's errors otherwise). */
  async sessionUser(session: string, step: SetupState['st'], now: number): Promise<{ user: User; setup: OpenSetup }> {
    const setup = this.challenges.openSetup(session, now);
    if (setup.data.st !== step) throw invalidSession();
    const user = await this.idp.users.bySub(setup.data.p, setup.data.s);
    if (user === undefined || !user.enabled) throw invalidSession();
    return { user, setup };
  }

  /** Uses the Session up and seals the one for the next call. */
  async #next(user: User, setup: OpenSetup, st: SetupState['st'], now: number): Promise<string> {
    const client = await this.idp.pools.getClient(setup.data.c);
    if (client === undefined) throw invalidSession();
    if (!(await this.idp.sealer.consume(setup.nonce, setup.expiresAt, now))) throw invalidSession();
    return this.challenges.sealSetup(client, { ...setup.data, s: user.sub, st }, now);
  }

  /** AssociateSoftwareToken: a new pending secret (and, with a Session, the one for VerifySoftwareToken). */
  async associate(user: User, setup: OpenSetup | undefined, now: number, log: Logger): Promise<{ SecretCode: string; Session?: string }> {
    const secret = newTotpSecret();
    await this.idp.platform.db.transaction(async (tx) => {
      const mfa = await this.idp.mfa.get(user.poolId, user.sub, tx);
      await this.idp.mfa.put(user.poolId, user.sub, { ...mfa, pendingSecret: secret }, now, {}, tx);
    });
    log.info({ event: 'cognito-idp.totp.associated', userPoolId: user.poolId, sub: user.sub }, 'software token associated');
    return { SecretCode: secret, ...(setup === undefined ? {} : { Session: await this.#next(user, setup, 'verify', now) }) };
  }

  /** VerifySoftwareToken: the pending secret proved by a code becomes the user's TOTP factor. */
  async verify(user: User, setup: OpenSetup | undefined, code: string, deviceName: string | undefined, now: number, log: Logger): Promise<{ Status: 'SUCCESS'; Session?: string }> {
    const mfa = await this.idp.mfa.get(user.poolId, user.sub);
    if (mfa.pendingSecret === undefined) {
      throw new ServiceError('SoftwareTokenMFANotFoundException', 'Software Token MFA has not been associated with the user.', 400);
    }
    const lockout = this.challenges.lockout;
    const onRecord = await lockout.check(user.poolId, user.sub, now);
    const step = totpStep(mfa.pendingSecret, code, now);
    if (step === undefined) {
      await lockout.failed(user.poolId, user.sub, now);
      if (setup !== undefined) await this.idp.sealer.failed(setup.nonce, setup.expiresAt, now, MAX_WRONG);
      throw verifyMismatch();
    }
    await lockout.succeeded(user.poolId, user.sub, onRecord);
    await this.idp.mfa.put(
      user.poolId,
      user.sub,
      { ...mfa, totp: true, totpSecret: mfa.pendingSecret, pendingSecret: undefined, deviceName: deviceName?.slice(0, 256) },
      now,
      { newSecret: true },
    );
    // The code that proved the secret cannot sign in a second time.
    await this.idp.mfa.takeTotpStep(user.poolId, user.sub, step);
    log.info({ event: 'cognito-idp.totp.verified', userPoolId: user.poolId, sub: user.sub }, 'software token verified');
    return { Status: 'SUCCESS', ...(setup === undefined ? {} : { Session: await this.#next(user, setup, 'respond', now) }) };
  }
}
