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

/** The provider's user id: the claim AttributeMapping maps to `username` (by default `sub`). */
export function providerUserId(p: IdentityProvider, claims: Record<string, unknown>): string | undefined {
  const v = claimText(claims[p.attributeMapping.username ?? 'sub']);
  return v === undefined || v === '' || v.length > 128 ? undefined : v;
}

/**
 * Signs in the provider's user: the linked user, or the federated user created or updated.
 * `issuer` goes into `identities` (a SAML provider's entity id; null for OIDC, as Cognito writes
 * it). Throws a ServiceError when the pool refuses it.
 */
export async function federatedUser(idp: IdpContext, pool: UserPool, p: IdentityProvider, userId: string, claims: Record<string, unknown>, now: number, issuer: string | null = null): Promise<User> {
  const identity: Identity = { userId, providerName: p.name, providerType: p.type, issuer, primary: 'true', dateCreated: String(now) };
  const cs = caseSensitive(pool.config);
  return idp.platform.db.transaction(async (tx) => {
    let link = await idp.links.get(pool.id, p.name, SUBJECT, userId, tx);
    if (link === undefined) {
      // A link by a mapped attribute (SourceUser's ProviderAttributeName `email`): looked up per mapped attribute, each one indexed read.
      for (const [attribute, claim] of Object.entries(p.attributeMapping)) {
        const v = attribute === 'username' ? undefined : claimText(claims[claim]);
        const byAttribute: ProviderLink | undefined = v === undefined || v === '' ? undefined : await idp.links.get(pool.id, p.name, attribute, v, tx);
        if (byAttribute === undefined) continue;
        // From now on the identity is linked by its subject, as AWS keeps it after the first sign-in.
        await idp.links.delete(pool.id, p.name, attribute, byAttribute.providerUserId, tx);
        link = { ...byAttribute, attributeName: SUBJECT, providerUserId: userId };
        await idp.links.insert(link, tx);
        break;
      }
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
        return linked;
      }
    }
    const username = `${p.name}_${userId}`;
    const existing = await idp.users.byUsername(pool.id, username, cs, tx);
    const attributes = existing?.attributes ?? new Map<string, string>();
    for (const [attribute, claim] of Object.entries(p.attributeMapping)) {
      if (attribute === 'username' || attribute === 'sub' || attribute === 'identities') continue;
      const v = claimText(claims[claim]);
      if (v !== undefined) attributes.set(attribute, v);
    }
    const sub = existing?.sub ?? newSub();
    attributes.set('sub', sub);
    attributes.set('identities', withIdentity(existing?.attributes.get('identities'), identity));
    if (existing !== undefined) {
      existing.updatedAt = now;
      await idp.users.save(existing, cs, tx);
      return existing;
    }
    const missing = missingRequired(pool.config.SchemaAttributes, attributes);
    if (missing.length > 0) throw requiredAttributesError(missing);
    const user: User = {
      poolId: pool.id, username, sub, status: 'EXTERNAL_PROVIDER', enabled: true, attributes,
      salt: undefined, verifier: undefined, passwordExpiresAt: undefined, tokensRevokedAt: undefined, createdAt: now, updatedAt: now,
    };
    await idp.users.insert(user, cs, tx);
    const group = `${pool.id}_${p.name}`;
    if ((await idp.groups.get(pool.id, group, tx)) === undefined) {
      await idp.groups.insert({ poolId: pool.id, name: group, description: `Autogenerated group for users who sign in using ${p.name}`, roleArn: undefined, precedence: undefined, createdAt: now, updatedAt: now }, tx);
    }
    await idp.groups.addMember(pool.id, group, sub, tx);
    return user;
  });
}
