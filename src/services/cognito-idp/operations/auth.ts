/**
 * InitiateAuth and RespondToAuthChallenge (USER_SRP_AUTH → PASSWORD_VERIFIER,
 * USER_PASSWORD_AUTH, REFRESH_TOKEN_AUTH, NEW_PASSWORD_REQUIRED, the MFA challenges of
 * mfa-challenges.ts, USER_AUTH's choices of user-auth.ts, and device SRP of device-auth.ts), their admin twins
 * AdminInitiateAuth / AdminRespondToAuthChallenge (ADMIN_USER_PASSWORD_AUTH), and
 * GetTokensFromRefreshToken.
 * @module
 */
import { ServiceError } from '../../../errors.js';
import type { OperationHandlers, RequestContext } from '../../types.js';
import type { ChallengeNameType, InitiateAuthResponse, Operations } from '../api.generated.js';
import type { IdpContext } from '../context.js';
import { allowsFlow, clientSecretMatches, type AuthFlow } from '../domain/client-config.js';
import { parseA } from '../domain/srp.js';
import { expiredSession, invalidParameter, invalidSession, notAuthorized } from '../errors.js';
import type { DeviceAuth } from '../device-auth.js';
import type { MfaChallenges } from '../mfa-challenges.js';
import { setNewPassword } from '../new-password.js';
import type { UserAuth } from '../user-auth.js';
import type { Sessions } from '../sessions.js';
import type { SignIn, SignInCall } from '../sign-in.js';
import type { AppClient, UserPool } from '../store/pools.js';

type Params = Readonly<Record<string, string>>;

function param(params: Params, name: string): string {
  const v = Object.hasOwn(params, name) ? params[name] : undefined;
  if (v === undefined || v === '') throw invalidParameter(`Missing required parameter ${name}`);
  return v;
}

/** Whether the client rotates refresh tokens (RefreshTokenRotation Feature ENABLED). */
function rotates(client: AppClient): boolean {
  return client.config.RefreshTokenRotation?.Feature === 'ENABLED';
}

function requireFlow(client: AppClient, flow: AuthFlow): void {
  if (!allowsFlow(client.config, flow)) throw invalidParameter(`${flow} flow not enabled for this client`);
}

export function authOperations(idp: IdpContext, sessions: Sessions, signIn: SignIn, mfa: MfaChallenges, userAuth: UserAuth, devices: DeviceAuth): OperationHandlers<Operations> {
  // DEVICE_KEY rides on every step of a sign-in from a device identity-js remembers.
  const call = (pool: UserPool, client: AppClient, ctx: RequestContext, params: Record<string, string> = {}): SignInCall => ({
    pool, client, now: ctx.now(), hidden: idp.hidesUsers(client),
    ...(typeof params.DEVICE_KEY === 'string' && params.DEVICE_KEY.length <= 55 ? { deviceKey: params.DEVICE_KEY } : {}),
  });

  /** The flows InitiateAuth and AdminInitiateAuth share. */
  const initiate = async (c: SignInCall, flow: string, params: Params, admin: boolean, session?: string): Promise<InitiateAuthResponse> => {
    const { pool, client, now } = c;
    switch (flow) {
      case 'USER_SRP_AUTH': {
        requireFlow(client, 'USER_SRP_AUTH');
        const name = param(params, 'USERNAME');
        const A = parseA(param(params, 'SRP_A'));
        if (A === undefined) throw invalidParameter('SRP_A is not a valid SRP public value.');
        const user = await idp.resolveUser(pool, name);
        idp.checkSecret(client, params.SECRET_HASH, [name, user?.username], 'auth');
        return signIn.srpChallenge(c, name, user, A);
      }
      case 'USER_PASSWORD_AUTH':
      case 'ADMIN_USER_PASSWORD_AUTH':
      case 'ADMIN_NO_SRP_AUTH': {
        if ((flow === 'USER_PASSWORD_AUTH') === admin) throw invalidParameter('Initiate Auth method not supported.');
        requireFlow(client, admin ? 'ADMIN_USER_PASSWORD_AUTH' : 'USER_PASSWORD_AUTH');
        const name = param(params, 'USERNAME');
        const password = param(params, 'PASSWORD');
        const user = await idp.resolveUser(pool, name);
        idp.checkSecret(client, params.SECRET_HASH, [name, user?.username], 'auth');
        return signIn.password(c, name, user, password);
      }
      case 'REFRESH_TOKEN_AUTH':
      case 'REFRESH_TOKEN': {
        if (rotates(client)) throw invalidParameter('Refresh token rotation is enabled for this app client: refresh with GetTokensFromRefreshToken.');
        requireFlow(client, 'REFRESH_TOKEN_AUTH');
        const token = param(params, 'REFRESH_TOKEN');
        const username = Object.hasOwn(params, 'USERNAME') ? params.USERNAME : undefined;
        // Clients with a secret hash a username: AWS takes the canonical one (the sub in
        // email-as-username pools) or the one the client sends.
        const result = await sessions.refresh(pool, client, token, now, (user) => idp.checkSecret(client, params.SECRET_HASH, [user.username, user.sub, username], 'auth'), undefined, c.deviceKey);
        return { ChallengeParameters: {}, AuthenticationResult: result };
      }
      case 'USER_AUTH':
        requireFlow(client, 'USER_AUTH');
        return userAuth.initiate(c, params, session);
      case 'CUSTOM_AUTH':
        throw new ServiceError('NotImplementedException', `Gatehouse does not implement the ${flow} flow yet; see the README's compatibility table.`, 501);
      default:
        throw invalidParameter('Initiate Auth method not supported.');
    }
  };

  /** NEW_PASSWORD_REQUIRED: the new password (and any required attributes), then tokens. */
  const newPassword = async (c: SignInCall, session: string | undefined, responses: Params) => {
    const { pool, client, now } = c;
    if (session === undefined) throw invalidParameter('Missing required parameter Session');
    const opened = idp.sealer.open<{ s: string }>('new-password', pool.id, client.clientId, session, now);
    if (opened === 'expired') throw expiredSession();
    if (opened === 'invalid') throw invalidSession();
    const name = param(responses, 'USERNAME');
    const password = param(responses, 'NEW_PASSWORD');
    const user = await idp.users.bySub(pool.id, opened.data.s);
    idp.checkSecret(client, responses.SECRET_HASH, [name, user?.username], 'auth');
    if (user === undefined || (await idp.resolveUser(pool, name))?.sub !== user.sub) throw invalidSession();
    if (user.status !== 'FORCE_CHANGE_PASSWORD') throw invalidSession();
    const updates = Object.entries(responses)
      .filter(([k]) => k.startsWith('userAttributes.'))
      .map(([k, v]) => ({ Name: k.slice('userAttributes.'.length), Value: v }));
    await setNewPassword(idp, c, user, password, updates, (tx) => idp.sealer.consume(opened.nonce, opened.expiresAt, now, tx));
    return signIn.afterPassword(c, user);
  };

  const respond = async (c: SignInCall, name: ChallengeNameType, session: string | undefined, responses: Params) => {
    switch (name) {
      case 'PASSWORD_VERIFIER':
        return signIn.passwordVerifier(c, responses);
      case 'NEW_PASSWORD_REQUIRED':
        return newPassword(c, session, responses);
      case 'SELECT_CHALLENGE':
        return userAuth.select(c, session, responses);
      case 'WEB_AUTHN':
        return userAuth.webAuthn(c, session, responses);
      case 'EMAIL_OTP':
      case 'SMS_OTP':
        userAuth.answerFake(c, session);
        return mfa.respond(c, name, session, responses);
      case 'SMS_MFA':
      case 'SOFTWARE_TOKEN_MFA':
      case 'SELECT_MFA_TYPE':
        return mfa.respond(c, name, session, responses);
      case 'MFA_SETUP':
        return mfa.respondSetup(c, session, responses);
      case 'DEVICE_SRP_AUTH':
        return devices.srpAuth(c, session, responses);
      case 'DEVICE_PASSWORD_VERIFIER':
        return devices.passwordVerifier(c, responses);
      default:
        throw new ServiceError('NotImplementedException', `Gatehouse does not implement the ${name} challenge yet; see the README's compatibility table.`, 501);
    }
  };

  return {
    async InitiateAuth(input, ctx) {
      const { client, pool } = await idp.client(input.ClientId);
      return initiate(call(pool, client, ctx, input.AuthParameters), input.AuthFlow, input.AuthParameters ?? {}, false, input.Session);
    },

    async RespondToAuthChallenge(input, ctx) {
      const { client, pool } = await idp.client(input.ClientId);
      return respond(call(pool, client, ctx, input.ChallengeResponses), input.ChallengeName, input.Session, input.ChallengeResponses ?? {});
    },

    /** The newer refresh call (Amplify v6 uses it): the client secret itself instead of SECRET_HASH. */
    async GetTokensFromRefreshToken(input, ctx) {
      const { client, pool } = await idp.client(input.ClientId);
      // A rotating client refreshes only here, so it need not allow REFRESH_TOKEN_AUTH.
      if (!rotates(client)) requireFlow(client, 'REFRESH_TOKEN_AUTH');
      const authenticate = (): void => {
        if (client.secret === undefined) return;
        if (input.ClientSecret === undefined) throw notAuthorized(`Client ${client.clientId} is configured with secret but ClientSecret was not received`);
        if (!clientSecretMatches(client.secret, input.ClientSecret)) throw notAuthorized(`Unable to verify secret for client ${client.clientId}`);
      };
      const rotation = rotates(client) ? { graceMs: (client.config.RefreshTokenRotation?.RetryGracePeriodSeconds ?? 0) * 1000 } : undefined;
      const result = await sessions.refresh(pool, client, input.RefreshToken, ctx.now(), authenticate, rotation, input.DeviceKey);
      return { AuthenticationResult: result };
    },

    async AdminInitiateAuth(input, ctx) {
      const { client, pool } = await idp.clientIn(input.UserPoolId, input.ClientId);
      return initiate(call(pool, client, ctx, input.AuthParameters), input.AuthFlow, input.AuthParameters ?? {}, true, input.Session);
    },

    async AdminRespondToAuthChallenge(input, ctx) {
      const { client, pool } = await idp.clientIn(input.UserPoolId, input.ClientId);
      return respond(call(pool, client, ctx, input.ChallengeResponses), input.ChallengeName, input.Session, input.ChallengeResponses ?? {});
    },
  };
}

