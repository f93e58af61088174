/**
 * Developer-authenticated identities: a backend holding AWS credentials vouches for its own
 * users (`DeveloperProviderName` → developer user identifier) and gets a Cognito Identity
 * OpenID token for them (GetOpenIdTokenForDeveloperIdentity); the app then presents that
 * token as the `cognito-identity.amazonaws.com` login. Plus lookup, unlink and merge.
 * @module
 */
import { ServiceError } from '../../errors.js';
import type { RequestContext } from '../types.js';
import type {
  GetOpenIdTokenForDeveloperIdentityInput,
  GetOpenIdTokenForDeveloperIdentityResponse,
  LookupDeveloperIdentityInput,
  LookupDeveloperIdentityResponse,
  MergeDeveloperIdentitiesInput,
  MergeDeveloperIdentitiesResponse,
  UnlinkDeveloperIdentityInput,
} from './api.generated.js';
import { poolArn, requirePool, type IdentityPoolDeps } from './context.js';
import { developerProviderNotSupported, identityNotFound, invalidParameter, resourceConflict } from './errors.js';
import { checkLoginsFor, identityForLogins } from './linking.js';
import { amrFor, canonicalUserPoolKey, oidcLoginKey, type VerifiedLogin } from './logins.js';
import { COGNITO_IDENTITY_PROVIDER } from './openid-token.js';
import {
  deleteIdentity,
  findLinkedIdentity,
  getIdentity,
  loginsOf,
  moveLogins,
  subjectsOf,
  touchIdentity,
  unlinkLogin,
  type IdentityRecord,
  type PoolRecord,
} from './repository.js';

/** GetOpenIdTokenForDeveloperIdentity's default: 15 minutes. */
const DEFAULT_TOKEN_SECONDS = 900;
/** "The number of linked logins is limited to 20." */
const MAX_LINKED_LOGINS = 20;

function alreadyRegistered(): ServiceError {
  return new ServiceError('DeveloperUserAlreadyRegisteredException', 'The provided developer user identifier is already registered with Cognito under a different identity ID.', 400);
}

function developerUserNotFound(id: string): ServiceError {
  return new ServiceError('ResourceNotFoundException', `DeveloperUserIdentifier '${id}' not found.`, 400);
}

/** Whether a Logins key names a provider other than a developer provider. */
function isPublicProviderKey(deps: IdentityPoolDeps, pool: PoolRecord, key: string): boolean {
  return key === COGNITO_IDENTITY_PROVIDER || canonicalUserPoolKey(key, deps.publicUrl()) !== undefined || pool.providers.openIdConnectProviderArns.some((a) => oidcLoginKey(a) === key) || Object.hasOwn(pool.providers.supportedLoginProviders, key);
}

function requireDeveloperProvider(pool: PoolRecord, name: string): string {
  if (pool.developerProvider === undefined || pool.developerProvider !== name) throw developerProviderNotSupported();
  return pool.developerProvider;
}

async function requireIdentityIn(deps: IdentityPoolDeps, pool: PoolRecord, id: string): Promise<IdentityRecord> {
  const identity = await getIdentity(deps.db, id);
  if (identity === undefined || identity.poolId !== pool.id) throw identityNotFound(id);
  return identity;
}

export function developerOperations(deps: IdentityPoolDeps) {
  return {
    async GetOpenIdTokenForDeveloperIdentity(input: GetOpenIdTokenForDeveloperIdentityInput, ctx: RequestContext): Promise<GetOpenIdTokenForDeveloperIdentityResponse> {
      const pool = await requirePool(deps.db, input.IdentityPoolId);
      const verified: VerifiedLogin[] = [];
      let developer: VerifiedLogin | undefined;
      for (const [key, value] of Object.entries(input.Logins)) {
        if (isPublicProviderKey(deps, pool, key)) {
          verified.push(await deps.logins.verify(pool, key, value, ctx.now()));
          continue;
        }
        requireDeveloperProvider(pool, key);
        developer = { kind: 'developer', provider: key, subject: value, mappingKey: key, amr: [key, `${key}:${pool.id}:${value}`], claims: Object.create(null) as Record<string, unknown> };
        verified.push(developer);
      }
      const now = ctx.now();
      const identity = await deps.db.transaction(async (tx) => {
        if (input.IdentityId === undefined) return identityForLogins(tx, pool, verified, now);
        const named = await getIdentity(tx, input.IdentityId);
        if (named === undefined || named.poolId !== pool.id) throw identityNotFound(input.IdentityId);
        if (developer !== undefined) {
          const owner = await findLinkedIdentity(tx, pool.id, developer.provider, developer.subject);
          if (owner !== undefined && owner !== named.id) throw alreadyRegistered();
        }
        await checkLoginsFor(tx, pool, named, verified, now, true);
        return named;
      });
      const token = await deps.tokens.issue(
        { sub: identity.id, aud: pool.id, amr: amrFor(verified), poolArn: poolArn(deps, pool.id), ...(input.PrincipalTags === undefined ? {} : { principalTags: input.PrincipalTags }) },
        now,
        input.TokenDuration ?? DEFAULT_TOKEN_SECONDS,
      );
      return { IdentityId: identity.id, Token: token };
    },

    async LookupDeveloperIdentity(input: LookupDeveloperIdentityInput): Promise<LookupDeveloperIdentityResponse> {
      const pool = await requirePool(deps.db, input.IdentityPoolId);
      if (input.IdentityId === undefined && input.DeveloperUserIdentifier === undefined) {
        throw invalidParameter('Either IdentityId or DeveloperUserIdentifier must be specified.');
      }
      if (pool.developerProvider === undefined) throw developerProviderNotSupported();
      let identityId = input.IdentityId;
      if (input.DeveloperUserIdentifier !== undefined) {
        const owner = await findLinkedIdentity(deps.db, pool.id, pool.developerProvider, input.DeveloperUserIdentifier);
        if (owner === undefined || (identityId !== undefined && owner !== identityId)) throw developerUserNotFound(input.DeveloperUserIdentifier);
        identityId = owner;
      }
      const identity = await requireIdentityIn(deps, pool, identityId!);
      let after: string | undefined;
      if (input.NextToken !== undefined) {
        try {
          after = Buffer.from(input.NextToken, 'base64url').toString('utf8');
        } catch {
          throw invalidParameter('Invalid pagination token.');
        }
      }
      const limit = input.MaxResults ?? 60;
      const subjects = await subjectsOf(deps.db, identity.id, pool.developerProvider, after, limit + 1);
      const page = subjects.slice(0, limit);
      return {
        IdentityId: identity.id,
        DeveloperUserIdentifierList: page,
        ...(subjects.length > limit ? { NextToken: Buffer.from(page[page.length - 1]!, 'utf8').toString('base64url') } : {}),
      };
    },

    async UnlinkDeveloperIdentity(input: UnlinkDeveloperIdentityInput, ctx: RequestContext): Promise<void> {
      const pool = await requirePool(deps.db, input.IdentityPoolId);
      const provider = requireDeveloperProvider(pool, input.DeveloperProviderName);
      const identity = await requireIdentityIn(deps, pool, input.IdentityId);
      await deps.db.transaction(async (tx) => {
        const owner = await findLinkedIdentity(tx, pool.id, provider, input.DeveloperUserIdentifier);
        if (owner !== identity.id) throw developerUserNotFound(input.DeveloperUserIdentifier);
        await unlinkLogin(tx, pool.id, { provider, subject: input.DeveloperUserIdentifier });
        await touchIdentity(tx, identity.id, ctx.now(), (await loginsOf(tx, identity.id)).length === 0);
      });
    },

    async MergeDeveloperIdentities(input: MergeDeveloperIdentitiesInput, ctx: RequestContext): Promise<MergeDeveloperIdentitiesResponse> {
      const pool = await requirePool(deps.db, input.IdentityPoolId);
      const provider = requireDeveloperProvider(pool, input.DeveloperProviderName);
      return deps.db.transaction(async (tx) => {
        const source = await findLinkedIdentity(tx, pool.id, provider, input.SourceUserIdentifier);
        if (source === undefined) throw developerUserNotFound(input.SourceUserIdentifier);
        const destination = await findLinkedIdentity(tx, pool.id, provider, input.DestinationUserIdentifier);
        if (destination === undefined) throw developerUserNotFound(input.DestinationUserIdentifier);
        if (source === destination) return { IdentityId: destination };
        const from = await loginsOf(tx, source);
        const to = await loginsOf(tx, destination);
        for (const a of from) {
          if (a.provider === provider) continue;
          if (to.some((b) => b.provider === a.provider && b.subject !== a.subject)) {
            throw resourceConflict(`The identities to merge are linked to different users of ${a.provider}.`);
          }
        }
        if (from.length + to.length > MAX_LINKED_LOGINS) throw invalidParameter(`An identity can have at most ${MAX_LINKED_LOGINS} linked logins.`);
        await moveLogins(tx, source, destination);
        await deleteIdentity(tx, source);
        await touchIdentity(tx, destination, ctx.now(), false);
        return { IdentityId: destination };
      });
    },
  };
}
