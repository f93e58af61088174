/**
 * The user a federated sign-in yields, as Cognito makes it: the user an administrator linked
 * to this provider identity (AdminLinkProviderForUser: by its subject, or by a mapped attribute
 * such as `email`, which the first sign-in turns into a subject link, as AWS describes it for
 * AdminDisableProviderForUser), or else `<ProviderName>_<userId>`
 * with status EXTERNAL_PROVIDER, created on the first sign-in and updated on each: the
 * provider's claims through the provider's AttributeMapping, the `identities` attribute (JSON,
 * which the ID token carries as a claim), and membership of the group `<poolId>_<ProviderName>`.
 * @module
 */
import type { IdpContext } from '../context.js';
import { missingRequired, requiredAttributesError } from '../domain/attributes.js';
import { newSub } from '../domain/ids.js';
import { caseSensitive } from '../domain/pool-config.js';
import type { IdentityProvider } from '../store/hosted.js';
import { SUBJECT, type ProviderLink } from '../store/links.js';
import type { UserPool } from '../store/pools.js';
import type { User } from '../store/users.js';
import type { Sql } from '../../../store/database.js';
import { applyPreSignUp, postConfirmation, preSignUp, type PreSignUpAnswer } from '../trigger-events.js';

const MAX_VALUE = 2048;

export interface Identity {
  userId: string;
  providerName: string;
  providerType: string;
  issuer: string | null;
  primary: string;
  dateCreated: string;
}

function claimText(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  const s = typeof v === 'string' ? v : typeof v === 'boolean' || typeof v === 'number' ? String(v) : JSON.stringify(v);
  return s.slice(0, MAX_VALUE);
}

/** The user's `identities` with this one added (or kept), as Cognito writes the attribute. */
export function withIdentity(current: string | undefined, add: Identity): string {
  let list: Identity[] = [];
  try {
    const parsed = current === undefined ? [] : (JSON.parse(current) as unknown);
    if (Array.isArray(parsed)) list = parsed as Identity[];
  } catch {
    list = [];
  }
  if (!list.some((i) => i.providerName === add.providerName && i.userId === add.userId)) list.push(add);
  return JSON.stringify(list);
}

export function withoutIdentity(current: string | undefined, providerName: string, userId: string): string | undefined {
  try {
    const list = (JSON.parse(current ?? '[]') as Identity[]).filter((i) => !(i.providerName === providerName && i.userId === userId));
    return list.length === 0 ? undefined : JSON.stringify(list);
  } catch {
    return current;
  }
}

/** The claim that names a provider's user when AttributeMapping maps none to `username`. */
const USER_ID_CLAIM: Record<string, string> = { Facebook: 'id', LoginWithAmazon: 'user_id' };

/** The provider's user id: the claim AttributeMapping maps to `username` (by default `sub`; Facebook's `id`, Amazon's `user_id`). */
export function providerUserId(p: IdentityProvider, claims: Record<string, unknown>): string | undefined {
  const v = claimText(claims[p.attributeMapping.username ?? USER_ID_CLAIM[p.type] ?? 'sub']);
  return v === undefined || v === '' || v.length > 128 ? undefined : v;
}

/** The user pool attributes the provider's claims map to (AttributeMapping), onto `into`. */
function mapped(p: IdentityProvider, claims: Record<string, unknown>, into: Map<string, string>): Map<string, string> {
  for (const [attribute, claim] of Object.entries(p.attributeMapping)) {
    if (attribute === 'username' || attribute === 'sub' || attribute === 'identities') continue;
    const v = claimText(claims[claim]);
    if (v !== undefined) into.set(attribute, v);
  }
  return into;
}

/**
 * Signs in the provider's user: the linked user, or the federated user created or updated.
 * Throws a ServiceError when the pool refuses it. Creating one runs PreSignUp_ExternalProvider
 * first (the mapped attributes; a refusal creates nothing) and PostConfirmation_ConfirmSignUp
 * after, as Cognito does on a federated user's first sign-in; `clientId` is the app client the
 * triggers' callerContext names. `issuer` goes into `identities` (a SAML provider's entity id;
 * null for OIDC, as Cognito writes it).
 */
export async function federatedUser(
  idp: IdpContext, pool: UserPool, p: IdentityProvider, userId: string, claims: Record<string, unknown>, now: number, clientId?: string, issuer: string | null = null,
): Promise<User> {
  const username = `${p.name}_${userId}`;
  const cs = caseSensitive(pool.config);
  // Not inside the transaction: a trigger may take Cognito's 5 s, and may call the pool itself.
  let answer: PreSignUpAnswer | undefined;
  if (idp.triggers.arnOf(pool, 'PreSignUp') !== undefined && !(await known(idp, pool, p, userId, claims, username, cs))) {
    const attributes = mapped(p, claims, new Map());
    const missing = missingRequired(pool.config.SchemaAttributes, attributes);
    if (missing.length > 0) throw requiredAttributesError(missing);
    answer = await preSignUp(idp, pool, 'PreSignUp_ExternalProvider', { username, attributes }, { clientId, validationData: [] });
  }
  const { user, created, groupCreated } = await write(idp, pool, p, { userId, username, claims, issuer }, now, cs, answer);
  if (groupCreated) await idp.groups.groupsChanged(pool.id);
  if (created) await postConfirmation(idp, pool, 'PostConfirmation_ConfirmSignUp', user, { clientId });
  return user;
}

/**
 * The identity's link: by its subject, else by one of its mapped attributes (SourceUser's
 * ProviderAttributeName `email`), each an indexed read.
 */
async function findLink(idp: IdpContext, pool: UserPool, p: IdentityProvider, userId: string, claims: Record<string, unknown>, tx?: Sql): Promise<ProviderLink | undefined> {
  const bySubject = await idp.links.get(pool.id, p.name, SUBJECT, userId, tx);
  if (bySubject !== undefined) return bySubject;
  for (const [attribute, v] of mapped(p, claims, new Map())) {
    const byAttribute = v === '' ? undefined : await idp.links.get(pool.id, p.name, attribute, v, tx);
    if (byAttribute !== undefined) return byAttribute;
  }
  return undefined;
}

/** Whether the provider identity already has a user (linked, or made by an earlier sign-in). */
async function known(idp: IdpContext, pool: UserPool, p: IdentityProvider, userId: string, claims: Record<string, unknown>, username: string, cs: boolean): Promise<boolean> {
  const link = await findLink(idp, pool, p, userId, claims);
  if (link !== undefined && (await idp.users.bySub(pool.id, link.sub)) !== undefined) return true;
  return (await idp.users.byUsername(pool.id, username, cs)) !== undefined;
}

async function write(
  idp: IdpContext, pool: UserPool, p: IdentityProvider, who: { userId: string; username: string; claims: Record<string, unknown>; issuer: string | null },
  now: number, cs: boolean, answer: PreSignUpAnswer | undefined,
): Promise<{ user: User; created: boolean; groupCreated?: boolean }> {
  const { userId, username, claims } = who;
  const identity: Identity = { userId, providerName: p.name, providerType: p.type, issuer: who.issuer, primary: 'true', dateCreated: String(now) };
  return idp.platform.db.transaction(async (tx) => {
    let link = await findLink(idp, pool, p, userId, claims, tx);
    if (link !== undefined && link.attributeName !== SUBJECT) {
      // From now on the identity is linked by its subject, as AWS keeps it after the first sign-in.
      await idp.links.delete(pool.id, p.name, link.attributeName, link.providerUserId, tx);
      link = { ...link, attributeName: SUBJECT, providerUserId: userId };
      await idp.links.insert(link, tx);
    }
    if (link !== undefined) {
      const linked = await idp.users.bySub(pool.id, link.sub, tx);
      if (linked !== undefined) {
        const identities = withIdentity(linked.attributes.get('identities'), { ...identity, dateCreated: String(link.createdAt) });
        if (identities !== linked.attributes.get('identities')) {
          linked.attributes.set('identities', identities);
          linked.updatedAt = now;
          await idp.users.save(linked, cs, tx);
        }
        return { user: linked, created: false };
      }
    }
    const existing = await idp.users.byUsername(pool.id, username, cs, tx);
    const attributes = mapped(p, claims, existing?.attributes ?? new Map<string, string>());
    const sub = existing?.sub ?? newSub();
    attributes.set('sub', sub);
    attributes.set('identities', withIdentity(existing?.attributes.get('identities'), identity));
    if (existing !== undefined) {
      existing.updatedAt = now;
      await idp.users.save(existing, cs, tx);
      return { user: existing, created: false };
    }
    const missing = missingRequired(pool.config.SchemaAttributes, attributes);
    if (missing.length > 0) throw requiredAttributesError(missing);
    const user: User = {
      poolId: pool.id, username, sub, status: 'EXTERNAL_PROVIDER', enabled: true, attributes,
      salt: undefined, verifier: undefined, passwordExpiresAt: undefined, tokensRevokedAt: undefined, createdAt: now, updatedAt: now,
    };
    // autoVerifyEmail / autoVerifyPhone mark the mapped address verified; the status stays
    // EXTERNAL_PROVIDER whatever autoConfirmUser says (a federated user is never UNCONFIRMED).
    if (answer !== undefined) applyPreSignUp(user, { ...answer, autoConfirmUser: false });
    await idp.users.insert(user, cs, tx);
    const group = `${pool.id}_${p.name}`;
    const groupCreated = (await idp.groups.get(pool.id, group, tx)) === undefined;
    if (groupCreated) {
      await idp.groups.insert({ poolId: pool.id, name: group, description: `Autogenerated group for users who sign in using ${p.name}`, roleArn: undefined, precedence: undefined, createdAt: now, updatedAt: now }, tx);
    }
    await idp.groups.addMember(pool.id, group, sub, tx);
    // The caller tells the groups cache once this committed (a pool that had none has one now).
    return { user, created: true, groupCreated };
  });
}
