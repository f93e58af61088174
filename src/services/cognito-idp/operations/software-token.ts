/**
 * TOTP set-up: AssociateSoftwareToken hands out a new secret and VerifySoftwareToken turns it
 * on once a code from it checks out. Both take a signed-in user's access token, or the Session
 * of an MFA_SETUP challenge (then each answers with the Session for the next step, and the
 * last one goes back to RespondToAuthChallenge). The work is TotpSetup's, which the hosted
 * pages' MFA_SETUP step shares.
 * @module
 */
import type { OperationHandlers } from '../../types.js';
import type { Operations } from '../api.generated.js';
import { invalidParameter } from '../errors.js';
import type { Sessions } from '../sessions.js';
import type { TotpSetup } from '../totp-setup.js';

export function softwareTokenOperations(sessions: Sessions, totp: TotpSetup): OperationHandlers<Operations> {
  /** The user and (for the Session form) the set-up state a call acts for. */
  const whose = async (accessToken: string | undefined, session: string | undefined, step: 'associate' | 'verify', now: number) => {
    if (accessToken !== undefined) return { user: (await sessions.accessToken(accessToken, now)).user, setup: undefined };
    if (session === undefined) throw invalidParameter('Either AccessToken or Session is required.');
    return totp.sessionUser(session, step, now);
  };

  return {
    async AssociateSoftwareToken(input, ctx) {
      const now = ctx.now();
      const { user, setup } = await whose(input.AccessToken, input.Session, 'associate', now);
      return totp.associate(user, setup, now, ctx.log);
    },

    async VerifySoftwareToken(input, ctx) {
      const now = ctx.now();
      const { user, setup } = await whose(input.AccessToken, input.Session, 'verify', now);
      return totp.verify(user, setup, input.UserCode, input.FriendlyDeviceName, now, ctx.log);
    },
  };
}
