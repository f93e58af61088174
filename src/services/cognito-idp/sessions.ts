/**
 * Sign-in sessions and the tokens that belong to them: starting one (tokens plus a refresh
 * token), refreshing, checking access tokens presented to user operations, verifying ID
 * tokens for other services, and revoking (one session, or all of a user's).
 * @module
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { AuthenticationResultType, NewDeviceMetadataType } from './api.generated.js';
import type { IdpContext } from './context.js';
import { decodeJwt, verifyJwtSignature } from './domain/jwt.js';
import { hashRefreshToken, issueTokens, newRefreshToken } from './domain/tokens.js';
import { notAuthorized, passwordResetRequired, userDisabled, userNotConfirmed, userNotFound } from './errors.js';
import type { AppClient, UserPool } from './store/pools.js';
import type { User } from './store/users.js';
import { tokenLifetimes } from './domain/client-config.js';

/** Which check an ID token failed, for callers that must say why. */
export type TokenCheck = 'format' | 'pool' | 'algorithm' | 'signature' | 'issuer' | 'token_use' | 'expired' | 'audience' | 'revoked';

export class TokenVerificationError extends Error {
  constructor(
    readonly check: TokenCheck,
    message: string,
  ) {
    super(message);
    this.name = 'TokenVerificationError';
  }
}

export type Claims = Readonly<Record<string, unknown>>;

/** The ID-token verifier other services use (see index.ts). */
export interface UserPoolTokenVerifier {
  verifyIdToken(userPoolId: string, token: string, options?: { audiences?: readonly string[] }): Promise<Claims>;
}

/** Every this many sign-ins, sessions whose refresh token expired are deleted. */
const PURGE_EVERY = 1000;

export class Sessions implements UserPoolTokenVerifier {
  #started = 0;

  constructor(private readonly ctx: IdpContext) {}

  /**
   * A new sign-in: a session, its refresh token, and ID and access tokens. On a pool that
   * tracks devices the session belongs to a device: `deviceKey` (a confirmed device of the
   * user, checked by the caller) is recorded as used; without one the user meets a new device,
   * unlisted until ConfirmDevice. Either way the refresh token is bound to that device.
   */
  async start(pool: UserPool, client: AppClient, user: User, now: number, deviceKey?: string): Promise<AuthenticationResultType> {
    let device: NewDeviceMetadataType | undefined;
    let key: string | undefined;
    if (pool.config.DeviceConfiguration !== undefined) {
      if (deviceKey !== undefined && (await this.ctx.devices.touch(pool.id, user.sub, deviceKey, now))) key = deviceKey;
      else {
        device = { DeviceKey: `${this.ctx.region}_${randomUUID()}`, DeviceGroupKey: `-${randomBytes(9).toString('base64url').slice(0, 9)}` };
        key = device.DeviceKey;
        await this.ctx.devices.insert({
          poolId: pool.id, deviceKey: key!, sub: user.sub, groupKey: device.DeviceGroupKey!, salt: undefined, verifier: undefined, name: undefined,
          remembered: false, lastIp: undefined, createdAt: now, updatedAt: now, authenticatedAt: now,
        });
      }
    }
    const { session, refreshToken } = await this.#open(pool, client, user, now, Math.floor(now / 1000), undefined, key);
    const result = await this.#issue(pool, client, user, session, now, refreshToken);
    return device === undefined ? result : { ...result, NewDeviceMetadata: device };
  }

  /**
   * A sign-in through the hosted UI (an authorization code exchanged): a session that keeps
   * the granted scopes for its refreshes, and tokens with `scope`, `nonce` and `at_hash`.
   */
  async startOAuth(pool: UserPool, client: AppClient, user: User, now: number, grant: { scopes: readonly string[]; nonce: string | undefined; authTime: number }): Promise<AuthenticationResultType> {
    const { session, refreshToken } = await this.#open(pool, client, user, now, grant.authTime, grant.scopes.join(' '));
    return this.#issue(pool, client, user, session, now, refreshToken, { scopes: grant.scopes, nonce: grant.nonce });
  }

  /** A new session and its refresh token, stored (with the granted scopes of a hosted sign-in). */
  async #open(
    pool: UserPool,
    client: AppClient,
    user: User,
    now: number,
    authTime: number,
    scopes: string | undefined,
    deviceKey?: string,
  ): Promise<{ session: { originJti: string; authTime: number; deviceKey?: string }; refreshToken: string }> {
    const refreshToken = newRefreshToken();
    const session = { originJti: randomUUID(), authTime, ...(deviceKey === undefined ? {} : { deviceKey }) };
    await this.ctx.tokens.insertRefresh({
      tokenHash: hashRefreshToken(refreshToken),
      ...session,
      poolId: pool.id,
      clientId: client.clientId,
      sub: user.sub,
      createdAt: now,
      expiresAt: now + tokenLifetimes(client.config).refresh * 1000,
      revokedAt: undefined,
      ...(scopes === undefined ? {} : { scopes }),
    });
    if (++this.#started % PURGE_EVERY === 0) await this.ctx.tokens.purgeExpired(now);
    return { session, refreshToken };
  }

  async #issue(
    pool: UserPool,
    client: AppClient,
    user: User,
    session: { originJti: string; authTime: number; deviceKey?: string | undefined },
    now: number,
    refreshToken?: string,
    oauth?: { scopes: readonly string[]; nonce?: string | undefined },
  ): Promise<AuthenticationResultType> {
    const key = await this.ctx.pools.signingKey(pool.id);
    if (key === undefined) throw new Error(`user pool ${pool.id} has no signing key`);
    const groups = await this.ctx.groups.forUser(pool.id, user.sub);
    return issueTokens({
      issuer: this.ctx.issuer(pool.id), key, pool, client, user, groups, session, now,
      ...(refreshToken === undefined ? {} : { refreshToken }),
      ...(oauth === undefined ? {} : { oauth }),
    });
  }

  /**
   * REFRESH_TOKEN_AUTH and GetTokensFromRefreshToken: new ID and access tokens in the same
   * session. `authenticateClient` checks the client's secret (SECRET_HASH over the user's
   * name, or the secret itself) once the token's user is known. A session of a tracked device
   * refreshes only with that device's key, while the device is still the user's confirmed
   * device (so ForgetDevice ends what was signed in from it), as Cognito does.
   */
  async refresh(
    pool: UserPool,
    client: AppClient,
    refreshToken: string,
    now: number,
    authenticateClient: (user: User) => void,
    rotate?: { graceMs: number },
    deviceKey?: string,
  ): Promise<AuthenticationResultType> {
    const s = await this.ctx.tokens.refreshByHash(hashRefreshToken(refreshToken));
    if (s === undefined || s.clientId !== client.clientId || s.poolId !== pool.id) throw notAuthorized('Invalid Refresh Token');
    // A rotated-out token works only during the client's retry grace period.
    if (s.matchedPrevious === true && (s.prevValidUntil === undefined || now > s.prevValidUntil)) throw notAuthorized('Invalid Refresh Token');
    const user = await this.ctx.users.bySub(pool.id, s.sub);
    if (user === undefined) throw notAuthorized('Invalid Refresh Token');
    authenticateClient(user);
    if (s.revokedAt !== undefined) throw notAuthorized('Refresh Token has been revoked');
    if (now >= s.expiresAt) throw notAuthorized('Refresh Token has expired');
    if (!user.enabled) throw userDisabled();
    // A password reset (or an administrator's temporary password) ends what the old one began.
    if (user.status === 'RESET_REQUIRED') throw passwordResetRequired();
    if (user.status === 'UNCONFIRMED') throw userNotConfirmed();
    if (user.status !== 'CONFIRMED') throw notAuthorized('Refresh Token has been revoked');
    if (s.deviceKey !== undefined) {
      const d = deviceKey === s.deviceKey ? await this.ctx.devices.get(pool.id, user.sub, s.deviceKey) : undefined;
      if (d === undefined || d.verifier === undefined) throw notAuthorized('Invalid Refresh Token');
    }
    // A hosted-UI session keeps its scopes (no nonce on refresh, as OIDC says).
    const grant = s.scopes === undefined ? undefined : { scopes: s.scopes.split(' ') };
    if (rotate === undefined) return this.#issue(pool, client, user, s, now, undefined, grant);
    // Rotation: a new token for the same session. A retry with the old one inside the grace
    // period rotates again; the original old token keeps its deadline, never a longer one.
    const next = newRefreshToken();
    const prevHash = s.matchedPrevious === true ? s.prevTokenHash! : s.tokenHash;
    const prevValidUntil = s.matchedPrevious === true ? s.prevValidUntil! : now + rotate.graceMs;
    await this.ctx.tokens.rotate(s.originJti, hashRefreshToken(next), prevHash, prevValidUntil);
    return this.#issue(pool, client, user, s, now, next, grant);
  }

  /**
   * Checks an access token presented to a user operation (GetUser, ChangePassword, …) with
   * AWS's NotAuthorizedException messages, and returns its pool, user and claims.
   */
  async accessToken(token: string, now: number): Promise<{ pool: UserPool; user: User; claims: Claims }> {
    const invalid = (): Error => notAuthorized('Invalid Access Token');
    const jwt = decodeJwt(token);
    if (jwt === undefined) throw invalid();
    const iss = jwt.claims.iss;
    if (typeof iss !== 'string') throw invalid();
    const poolId = iss.slice(iss.lastIndexOf('/') + 1);
    if (iss !== this.ctx.issuer(poolId)) throw invalid();
    const pool = await this.ctx.pools.getPool(poolId);
    const key = pool === undefined ? undefined : await this.ctx.pools.signingKey(poolId);
    if (pool === undefined || key === undefined || !verifyJwtSignature(key, jwt)) throw invalid();
    const c = jwt.claims;
    if (c.token_use !== 'access' || typeof c.sub !== 'string' || typeof c.exp !== 'number') throw invalid();
    if (now >= c.exp * 1000) throw notAuthorized('Access Token has expired');
    // Before the revocation check: deleting a user also deletes their sessions, and AWS
    // answers a deleted user's still-valid token with UserNotFoundException.
    const user = await this.ctx.users.bySub(poolId, c.sub);
    if (user === undefined) throw userNotFound();
    if (await this.#revoked(poolId, c)) throw notAuthorized('Access Token has been revoked');
    if (!user.enabled) throw userDisabled();
    return { pool, user, claims: c };
  }

  /** True when the token's session was revoked or is gone, or the user signed out everywhere since. */
  async #revoked(poolId: string, c: Claims): Promise<boolean> {
    if (typeof c.origin_jti === 'string') {
      const s = await this.ctx.tokens.refreshByOrigin(c.origin_jti);
      return s === undefined || s.poolId !== poolId || s.revokedAt !== undefined;
    }
    const user = typeof c.sub === 'string' ? await this.ctx.users.bySub(poolId, c.sub) : undefined;
    return user === undefined || (user.tokensRevokedAt !== undefined && Number(c.iat) * 1000 <= user.tokensRevokedAt);
  }

  async verifyIdToken(userPoolId: string, token: string, options: { audiences?: readonly string[] } = {}): Promise<Claims> {
    const fail = (check: TokenCheck, message: string): never => {
      throw new TokenVerificationError(check, message);
    };
    const jwt = decodeJwt(token) ?? fail('format', 'The token is not a JWT.');
    const pool = await this.ctx.pools.getPool(userPoolId);
    const key = pool === undefined ? undefined : await this.ctx.pools.signingKey(userPoolId);
    if (key === undefined) return fail('pool', `User pool ${userPoolId} does not exist.`);
    if (jwt.header.alg !== 'RS256') fail('algorithm', `Token algorithm ${String(jwt.header.alg)} is not RS256.`);
    if (!verifyJwtSignature(key, jwt)) fail('signature', 'Invalid token signature.');
    const c = jwt.claims;
    if (c.iss !== this.ctx.issuer(userPoolId)) fail('issuer', `Token issuer ${String(c.iss)} is not ${this.ctx.issuer(userPoolId)}.`);
    if (c.token_use !== 'id') fail('token_use', 'Token is not an ID token.');
    if (typeof c.exp !== 'number' || this.ctx.platform.clock.now() >= c.exp * 1000) fail('expired', 'Token expired.');
    if (options.audiences !== undefined && (typeof c.aud !== 'string' || !options.audiences.includes(c.aud))) {
      fail('audience', `Token audience ${String(c.aud)} is not among the allowed client ids.`);
    }
    if (await this.#revoked(userPoolId, c)) fail('revoked', 'Token has been revoked.');
    return c;
  }

  /** GlobalSignOut: every session of the user ends; tokens issued before now stop working. */
  async revokeUser(pool: UserPool, user: User, now: number): Promise<void> {
    await this.ctx.platform.db.transaction(async (tx) => {
      await this.ctx.tokens.revokeUserSessions(pool.id, user.sub, now, tx);
      await this.ctx.users.markTokensRevoked(pool.id, user.sub, now, tx);
    });
    user.tokensRevokedAt = now;
  }
}
