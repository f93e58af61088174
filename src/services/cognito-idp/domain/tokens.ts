/**
 * Issuing tokens: ID and access tokens as RS256 JWTs with Cognito's claims, and opaque
 * refresh tokens. Each sign-in opens a session (a refresh-token row) whose origin_jti every
 * token minted from it carries; revoking the session (RevokeToken, GlobalSignOut) kills them.
 * Groups become `cognito:groups`, and their roles `cognito:roles` and
 * `cognito:preferred_role` (the role of the lowest-Precedence group, unless two groups tie
 * there with different roles).
 * @module
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { AuthenticationResultType } from '../api.generated.js';
import type { Group } from '../store/groups.js';
import type { AppClient, UserPool } from '../store/pools.js';
import type { RefreshSession } from '../store/tokens.js';
import type { User } from '../store/users.js';
import { tokenLifetimes } from './client-config.js';
import { signJwt, type PoolSigningKey } from './jwt.js';

export const ACCESS_SCOPE = 'aws.cognito.signin.user.admin';

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export function newRefreshToken(): string {
  return randomBytes(48).toString('base64url');
}

/** Groups in token order (by Precedence, unset last, then name), and the role claims. */
export function groupClaims(groups: readonly Group[]): { groups: string[]; roles: string[]; preferredRole: string | undefined } {
  const sorted = [...groups].sort((a, b) => (a.precedence ?? Infinity) - (b.precedence ?? Infinity) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const roles = [...new Set(sorted.flatMap((g) => (g.roleArn === undefined ? [] : [g.roleArn])))];
  const withRole = sorted.filter((g) => g.roleArn !== undefined);
  let preferredRole: string | undefined;
  if (withRole.length > 0) {
    const best = withRole[0]!.precedence ?? Infinity;
    const tied = new Set(withRole.filter((g) => (g.precedence ?? Infinity) === best).map((g) => g.roleArn!));
    preferredRole = tied.size === 1 ? [...tied][0] : undefined;
  }
  return { groups: sorted.map((g) => g.name), roles, preferredRole };
}

/** User attributes as ID-token claims: booleans and numbers typed, address as an object. */
function attributeClaims(user: User, readable: readonly string[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of user.attributes) {
    if (name === 'sub' || name.startsWith('dev:')) continue;
    if (readable !== undefined && !readable.includes(name)) continue;
    if (name === 'email_verified' || name === 'phone_number_verified') out[name] = value === 'true';
    else if (name === 'updated_at') out[name] = Number(value);
    else if (name === 'address') out[name] = { formatted: value };
    else if (name === 'identities') {
      try {
        out[name] = JSON.parse(value) as unknown;
      } catch {
        out[name] = value;
      }
    } else out[name] = value;
  }
  return out;
}

export interface IssueInput {
  issuer: string;
  key: PoolSigningKey;
  pool: UserPool;
  client: AppClient;
  user: User;
  groups: readonly Group[];
  /** The session the tokens belong to (new sign-in or the refreshed one). */
  session: Pick<RefreshSession, 'originJti' | 'authTime' | 'deviceKey'>;
  now: number;
  /** Set for a new sign-in: the refresh token to hand out with the others. */
  refreshToken?: string;
  /** Tokens for the OAuth 2.0 endpoints: the granted scopes, and the authorization request's nonce. */
  oauth?: { scopes: readonly string[]; nonce?: string | undefined };
}

/** OIDC's at_hash: the left half of the access token's SHA-256, base64url. */
export function atHash(accessToken: string): string {
  return createHash('sha256').update(accessToken).digest().subarray(0, 16).toString('base64url');
}

export function issueTokens(input: IssueInput): AuthenticationResultType {
  const { issuer, key, client, user, session, now } = input;
  const life = tokenLifetimes(client.config);
  const iat = Math.floor(now / 1000);
  const eventId = randomUUID();
  const revocable = client.config.EnableTokenRevocation !== false;
  const g = groupClaims(input.groups);

  const idClaims: Record<string, unknown> = { sub: user.sub };
  if (g.groups.length > 0) idClaims['cognito:groups'] = g.groups;
  Object.assign(idClaims, attributeClaims(user, client.config.ReadAttributes));
  if (g.preferredRole !== undefined) idClaims['cognito:preferred_role'] = g.preferredRole;
  idClaims.iss = issuer;
  idClaims['cognito:username'] = user.username;
  if (revocable) idClaims.origin_jti = session.originJti;
  if (g.roles.length > 0) idClaims['cognito:roles'] = g.roles;
  Object.assign(idClaims, { aud: client.clientId, event_id: eventId, token_use: 'id', auth_time: session.authTime, exp: iat + life.id, iat, jti: randomUUID() });

  const accessClaims: Record<string, unknown> = { sub: user.sub };
  // Cognito names the device of a device-tracked sign-in in its access tokens.
  if (session.deviceKey !== undefined) accessClaims.device_key = session.deviceKey;
  if (g.groups.length > 0) accessClaims['cognito:groups'] = g.groups;
  accessClaims.iss = issuer;
  accessClaims.client_id = client.clientId;
  if (revocable) accessClaims.origin_jti = session.originJti;
  Object.assign(accessClaims, {
    event_id: eventId,
    token_use: 'access',
    scope: input.oauth === undefined ? ACCESS_SCOPE : input.oauth.scopes.join(' '),
    auth_time: session.authTime,
    exp: iat + life.access,
    iat,
    ...(input.oauth === undefined ? {} : { version: 2 }),
    jti: randomUUID(),
    username: user.username,
  });
  const accessToken = signJwt(key, accessClaims);
  if (input.oauth !== undefined) {
    idClaims.at_hash = atHash(accessToken);
    if (input.oauth.nonce !== undefined) idClaims.nonce = input.oauth.nonce;
  }

  return {
    AccessToken: accessToken,
    ExpiresIn: life.access,
    TokenType: 'Bearer',
    ...(input.refreshToken === undefined ? {} : { RefreshToken: input.refreshToken }),
    // The OAuth endpoints give an ID token only for the openid scope, as Cognito.
    ...(input.oauth !== undefined && !input.oauth.scopes.includes('openid') ? {} : { IdToken: signJwt(key, idClaims) }),
  };
}
