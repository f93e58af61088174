/**
 * TOTP set-up: AssociateSoftwareToken hands out a new secret and VerifySoftwareToken turns it
 * on once a code from it checks out. Both take a signed-in user's access token, or the Session
 * of an MFA_SETUP challenge (then each answers with the Session for the next step, and the
 * last one goes back to RespondToAuthChallenge). A new secret replaces only the pending one:
 * the verified secret keeps working until its replacement is verified.
 * @module
 */
import { ServiceError } from '../../../errors.js';
import type { OperationHandlers } from '../../types.js';
import type { Operations } from '../api.generated.js';
import type { IdpContext } from '../context.js';
import { newTotpSecret, totpStep } from '../domain/totp.js';
import { invalidParameter, invalidSession } from '../errors.js';
import type { MfaChallenges, SetupState } from '../mfa-challenges.js';
import type { Sessions } from '../sessions.js';
import type { User } from '../store/users.js';

const verifyMismatch = (): ServiceError => new ServiceError('EnableSoftwareTokenMFAException', 'Code mismatch and fail enable Software Token MFA', 400);

export function softwareTokenOperations(idp: IdpContext, sessions: Sessions, challenges: MfaChallenges): OperationHandlers<Operations> {
  /** The user and (for the Session form) the set-up state a call acts for. */
  const whose = async (accessToken: string | undefined, session: string | undefined, step: SetupState['st'], now: number) => {
    if (accessToken !== undefined) return { user: (await sessions.accessToken(accessToken, now)).user, setup: undefined };
    if (session === undefined) throw invalidParameter('Either AccessToken or Session is required.');
    const setup = challenges.openSetup(session, now);
    if (setup.data.st !== step) throw invalidSession();
    const user = await idp.users.bySub(setup.data.p, setup.data.s);
    if (user === undefined || !user.enabled) throw invalidSession();
    return { user, setup };
  };
  const next = async (user: User, setup: { data: SetupState; nonce: string; expiresAt: number }, st: SetupState['st'], now: number): Promise<string> => {
    const client = await idp.pools.getClient(setup.data.c);
    if (client === undefined) throw invalidSession();
    if (!(await idp.sealer.consume(setup.nonce, setup.expiresAt, now))) throw invalidSession();
    return challenges.sealSetup(client, { ...setup.data, s: user.sub, st }, now);
  };

  return {
    async AssociateSoftwareToken(input, ctx) {
      const now = ctx.now();
      const { user, setup } = await whose(input.AccessToken, input.Session, 'associate', now);
      const secret = newTotpSecret();
      await idp.platform.db.transaction(async (tx) => {
        const mfa = await idp.mfa.get(user.poolId, user.sub, tx);
        await idp.mfa.put(user.poolId, user.sub, { ...mfa, pendingSecret: secret }, now, {}, tx);
      });
      ctx.log.info({ event: 'cognito-idp.totp.associated', userPoolId: user.poolId, sub: user.sub }, 'software token associated');
      return { SecretCode: secret, ...(setup === undefined ? {} : { Session: await next(user, setup, 'verify', now) }) };
    },

    async VerifySoftwareToken(input, ctx) {
      const now = ctx.now();
      const { user, setup } = await whose(input.AccessToken, input.Session, 'verify', now);
      const mfa = await idp.mfa.get(user.poolId, user.sub);
      if (mfa.pendingSecret === undefined) {
        throw new ServiceError('SoftwareTokenMFANotFoundException', 'Software Token MFA has not been associated with the user.', 400);
      }
      const onRecord = await challenges.lockout.check(user.poolId, user.sub, now);
      const step = totpStep(mfa.pendingSecret, input.UserCode, now);
      if (step === undefined) {
        await challenges.lockout.failed(user.poolId, user.sub, now);
        if (setup !== undefined) await idp.sealer.failed(setup.nonce, setup.expiresAt, now, 5);
        throw verifyMismatch();
      }
      await challenges.lockout.succeeded(user.poolId, user.sub, onRecord);
      await idp.mfa.put(
        user.poolId,
        user.sub,
        { ...mfa, totp: true, totpSecret: mfa.pendingSecret, pendingSecret: undefined, deviceName: input.FriendlyDeviceName?.slice(0, 256) },
        now,
        { newSecret: true },
      );
      // The code that proved the secret cannot sign in a second time.
      await idp.mfa.takeTotpStep(user.poolId, user.sub, step);
      ctx.log.info({ event: 'cognito-idp.totp.verified', userPoolId: user.poolId, sub: user.sub }, 'software token verified');
      return { Status: 'SUCCESS', ...(setup === undefined ? {} : { Session: await next(user, setup, 'respond', now) }) };
    },
  };
}
