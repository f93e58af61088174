/**
 * The public operations apps call without AWS credentials: GetId, GetCredentialsForIdentity
 * (the enhanced flow: Gatehouse asks STS for the role's credentials itself), GetOpenIdToken
 * (the basic flow's first half) and UnlinkIdentity.
 * @module
 */
import { ServiceError } from '../../errors.js';
import type { RequestContext } from '../types.js';
import type { GetCredentialsForIdentityInput, GetCredentialsForIdentityResponse, GetIdInput, GetIdResponse, GetOpenIdTokenInput, GetOpenIdTokenResponse, UnlinkIdentityInput } from './api.generated.js';
import { poolArn, type IdentityPoolDeps } from './context.js';
import {
  ambiguousRoleDenied,
  classicFlowDisabled,
  classicFlowWithRoleMappings,
  identityNotFound,
  invalidConfiguration,
  loginsDontMatch,
  unauthenticatedNotSupported,
} from './errors.js';
import { checkGuest, checkLoginsFor, checkLoginsForFast, createIdentity, identityForLoginsFast } from './linking.js';
import { amrFor, type VerifiedLogin } from './logins.js';
import { COGNITO_IDENTITY_PROVIDER } from './openid-token.js';
import { RoleAssumptionRefused } from './ports.js';
import { getIdentity, loginsOf, touchIdentity, unlinkLogin, type IdentityRecord, type PoolRecord } from './repository.js';
import { resolveRole } from './roles.js';

/** Enhanced-flow credentials last an hour, as AWS's do. */
const CREDENTIALS_SECONDS = 3600;
/** GetOpenIdToken's token is valid for 10 minutes. */
const OPENID_TOKEN_SECONDS = 600;
const SESSION_NAME = 'CognitoIdentityCredentials';

function hasLogins(logins: Readonly<Record<string, string>> | undefined): logins is Readonly<Record<string, string>> {
  return logins !== undefined && Object.keys(logins).length > 0;
}

async function requireIdentity(deps: IdentityPoolDeps, id: string): Promise<{ identity: IdentityRecord; pool: PoolRecord }> {
  const identity = await getIdentity(deps.db, id);
  if (identity === undefined) throw identityNotFound(id);
  let pool: PoolRecord;
  try {
    pool = await deps.pools.require(identity.poolId);
  } catch (err) {
    // The pool went away after the identity was read (a concurrent DeleteIdentityPool).
    if (err instanceof ServiceError && err.code === 'ResourceNotFoundException') throw identityNotFound(id);
    throw err;
  }
  return { identity, pool };
}

/**
 * Checks the identity against the logins given (linking new ones when `link`), or, with
 * none, that it is a guest of a pool that admits guests. Returns the verified logins.
 */
async function authenticate(
  deps: IdentityPoolDeps,
  pool: PoolRecord,
  identity: IdentityRecord,
  logins: Readonly<Record<string, string>> | undefined,
  ctx: RequestContext,
  link: boolean,
): Promise<VerifiedLogin[]> {
  if (!hasLogins(logins)) {
    await checkGuest(deps.db, identity);
    if (!pool.allowUnauthenticated) throw unauthenticatedNotSupported();
    return [];
  }
  const verified = await deps.logins.verifyAll(pool, logins, ctx.now());
  await checkLoginsForFast(deps.db, pool, identity, verified, ctx.now(), link);
  return verified;
}

/** The login whose provider decides the role: the first with a role mapping, else the first. */
function roleLogin(pool: PoolRecord, logins: readonly VerifiedLogin[]): VerifiedLogin | undefined {
  return logins.find((l) => Object.hasOwn(pool.roleMappings, l.mappingKey)) ?? logins.find((l) => l.kind !== 'cognito-identity') ?? logins[0];
}

export function federationOperations(deps: IdentityPoolDeps) {
  return {
    async GetId(input: GetIdInput, ctx: RequestContext): Promise<GetIdResponse> {
      const pool = await deps.pools.require(input.IdentityPoolId);
      if (!hasLogins(input.Logins)) {
        if (!pool.allowUnauthenticated) throw unauthenticatedNotSupported();
        const identity = await deps.db.transaction((tx) => createIdentity(tx, pool, ctx.now()));
        return { IdentityId: identity.id };
      }
      const verified = await deps.logins.verifyAll(pool, input.Logins, ctx.now());
      const identity = await identityForLoginsFast(deps.db, pool, verified, ctx.now());
      return { IdentityId: identity.id };
    },

    async GetCredentialsForIdentity(input: GetCredentialsForIdentityInput, ctx: RequestContext): Promise<GetCredentialsForIdentityResponse> {
      const { identity, pool } = await requireIdentity(deps, input.IdentityId);
      const verified = await authenticate(deps, pool, identity, input.Logins, ctx, true);
      const login = roleLogin(pool, verified);
      const decision = resolveRole({
        roles: pool.roles,
        roleMappings: pool.roleMappings,
        login: login === undefined ? undefined : { mappingKey: login.mappingKey, providerName: login.provider, claims: login.claims },
        customRoleArn: input.CustomRoleArn,
      });
      if (decision.kind === 'no-role') throw invalidConfiguration();
      if (decision.kind === 'denied') throw ambiguousRoleDenied(decision.providerName);
      const sts = deps.ports.sts;
      if (sts === undefined) throw new ServiceError('InternalErrorException', 'STS is not available in this Gatehouse.', 500);
      const amr = verified.length === 0 ? ['unauthenticated'] : amrFor(verified);
      try {
        const c = await sts.assumeRoleWithWebIdentity(
          { roleArn: decision.roleArn, roleSessionName: SESSION_NAME, provider: COGNITO_IDENTITY_PROVIDER, claims: { aud: pool.id, sub: identity.id, amr }, durationSeconds: CREDENTIALS_SECONDS },
          ctx,
        );
        return {
          IdentityId: identity.id,
          Credentials: { AccessKeyId: c.accessKeyId, SecretKey: c.secretAccessKey, SessionToken: c.sessionToken, Expiration: new Date(c.expiration) },
        };
      } catch (err) {
        if (err instanceof RoleAssumptionRefused) {
          ctx.log.info({ requestId: ctx.requestId, identityPoolId: pool.id, roleArn: decision.roleArn, reason: err.reason }, 'identity pool role not assumable');
          throw invalidConfiguration();
        }
        throw err;
      }
    },

    async GetOpenIdToken(input: GetOpenIdTokenInput, ctx: RequestContext): Promise<GetOpenIdTokenResponse> {
      const { identity, pool } = await requireIdentity(deps, input.IdentityId);
      if (pool.allowClassicFlow === false) throw classicFlowDisabled();
      if (Object.keys(pool.roleMappings).length > 0) throw classicFlowWithRoleMappings();
      const verified = await authenticate(deps, pool, identity, input.Logins, ctx, true);
      const amr = verified.length === 0 ? ['unauthenticated'] : amrFor(verified);
      const token = await deps.tokens.issue({ sub: identity.id, aud: pool.id, amr, poolArn: poolArn(deps, pool.id) }, ctx.now(), OPENID_TOKEN_SECONDS);
      return { IdentityId: identity.id, Token: token };
    },

    async UnlinkIdentity(input: UnlinkIdentityInput, ctx: RequestContext): Promise<void> {
      const { identity, pool } = await requireIdentity(deps, input.IdentityId);
      const verified = await deps.logins.verifyAll(pool, input.Logins, ctx.now());
      const remove = new Set(input.LoginsToRemove);
      await deps.db.transaction(async (tx) => {
        await checkLoginsFor(tx, pool, identity, verified, ctx.now(), false);
        // A guest has nothing to unlink, and no login proves the caller is that guest.
        const linked = await loginsOf(tx, identity.id);
        if (linked.length === 0) throw loginsDontMatch();
        for (const l of linked) if (remove.has(l.provider)) await unlinkLogin(tx, pool.id, l);
        // Removing the last linked login makes the identity inaccessible, as AWS documents.
        await touchIdentity(tx, identity.id, ctx.now(), (await loginsOf(tx, identity.id)).length === 0);
      });
    },
  };
}
