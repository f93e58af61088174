/**
 * A signed-in user's own attributes, with their access token: UpdateUserAttributes,
 * DeleteUserAttributes, GetUserAttributeVerificationCode, VerifyUserAttribute. A changed email
 * or phone number is unverified until the code sent to it comes back; the code goes out at once
 * when the pool auto-verifies that attribute, as on AWS.
 * @module
 */
import type { OperationHandlers } from '../../types.js';
import type { Operations } from '../api.generated.js';
import type { IdpContext } from '../context.js';
import { validateAttributeWrites } from '../domain/attributes.js';
import { caseSensitive } from '../domain/pool-config.js';
import { aliasExists, invalidParameter, notAuthorized } from '../errors.js';
import type { Sessions } from '../sessions.js';
import type { AppClient, UserPool } from '../store/pools.js';
import type { VerifiableAttribute } from '../store/tokens.js';
import type { User } from '../store/users.js';
import { applyAttributeWrites, changedVerifiable, checkCodesDue, codesDue, holdUnverifiedChanges, sendAttributeCode, sendCodesDue, wordCodesDue } from './attribute-updates.js';

function verifiable(name: string): VerifiableAttribute {
  if (name === 'email' || name === 'phone_number') return name;
  throw invalidParameter('Invalid attribute name. Only phone_number and email can be verified');
}

/** The app client's WriteAttributes, when it has a list, bound what its users may change. */
function checkWritable(client: AppClient | undefined, names: Iterable<string>): void {
  const allowed = client?.config.WriteAttributes;
  if (allowed === undefined) return;
  for (const n of names) if (!allowed.includes(n)) throw notAuthorized('A client attempted to write unauthorized attribute');
}

export function userAttributeOperations(idp: IdpContext, sessions: Sessions): OperationHandlers<Operations> {
  const signedIn = async (token: string, now: number): Promise<{ pool: UserPool; user: User; client: AppClient | undefined }> => {
    const { pool, user, claims } = await sessions.accessToken(token, now);
    const client = typeof claims.client_id === 'string' ? await idp.pools.getClient(claims.client_id) : undefined;
    return { pool, user, client };
  };

  return {
    async UpdateUserAttributes(input, ctx) {
      const now = ctx.now();
      const { pool, user, client } = await signedIn(input.AccessToken, now);
      const writes = validateAttributeWrites(pool.config.SchemaAttributes, input.UserAttributes, { admin: false, creating: false });
      checkWritable(client, writes.keys());
      const changed = changedVerifiable(user, writes);
      const held = holdUnverifiedChanges(pool, user, writes);
      // Each change of an auto-verified address sends a code: limited like any request for one.
      const due = codesDue(pool, changed, held, writes);
      await checkCodesDue(idp, pool, user, due, now);
      const words = await wordCodesDue(idp, pool, user, writes, due, { clientId: client?.clientId, clientMetadata: input.ClientMetadata });
      user.updatedAt = now;
      await idp.platform.db.transaction(async (tx) => {
        await applyAttributeWrites(idp, pool, user, writes, tx);
        await idp.users.save(user, caseSensitive(pool.config), tx);
      });
      const deliveries = await sendCodesDue(idp, pool, user, due, now, words);
      return deliveries.length > 0 ? { CodeDeliveryDetailsList: deliveries } : {};
    },

    async DeleteUserAttributes(input, ctx) {
      const now = ctx.now();
      const { pool, user, client } = await signedIn(input.AccessToken, now);
      const schema = new Map((pool.config.SchemaAttributes ?? []).map((s) => [s.Name!, s]));
      for (const name of input.UserAttributeNames) {
        const def = schema.get(name);
        if (def === undefined || def.DeveloperOnlyAttribute === true) throw invalidParameter(`Attributes did not conform to the schema: Type for attribute {${name}} could not be determined`);
        if (def.Required === true) throw invalidParameter(`Attributes did not conform to the schema: ${name}: The attribute ${name} is required`);
        if (def.Mutable === false || name === 'sub') throw invalidParameter(`Cannot modify the non-mutable attribute ${name}`);
      }
      checkWritable(client, input.UserAttributeNames);
      for (const name of input.UserAttributeNames) {
        user.attributes.delete(name);
        if (name === 'email' || name === 'phone_number') user.attributes.delete(`${name}_verified`);
      }
      user.updatedAt = now;
      await idp.platform.db.transaction(async (tx) => {
        await idp.users.save(user, caseSensitive(pool.config), tx);
        for (const name of input.UserAttributeNames) if (name === 'email' || name === 'phone_number') await idp.tokens.voidCodesSentTo(pool.id, user.sub, name, tx);
      });
      return {};
    },

    async GetUserAttributeVerificationCode(input, ctx) {
      const now = ctx.now();
      const { pool, user, client } = await signedIn(input.AccessToken, now);
      const attribute = verifiable(input.AttributeName);
      // A new value still waiting for its code gets a fresh code, sent to it again.
      const waiting = await idp.tokens.getCode(pool.id, user.sub, `Verify:${attribute}`);
      const pending = waiting !== undefined && now <= waiting.expiresAt ? waiting.pendingValue : undefined;
      return { CodeDeliveryDetails: await sendAttributeCode(idp, pool, user, attribute, now, { limited: true, caller: { clientId: client?.clientId, clientMetadata: input.ClientMetadata }, ...(pending === undefined ? {} : { pending }) }) };
    },

    async VerifyUserAttribute(input, ctx) {
      const now = ctx.now();
      const { pool, user } = await signedIn(input.AccessToken, now);
      const attribute = verifiable(input.AttributeName);
      const purpose = `Verify:${attribute}` as const;
      const { pendingValue } = await idp.codes.check(user, purpose, input.Code, now);
      user.updatedAt = now;
      await idp.platform.db.transaction(async (tx) => {
        // A held change takes effect now, checked for uniqueness as any change is.
        if (pendingValue !== undefined) await applyAttributeWrites(idp, pool, user, new Map([[attribute, pendingValue], [`${attribute}_verified`, 'true']]), tx);
        else {
          // A verified email or phone is a sign-in alias: one user may hold it.
          if ((pool.config.AliasAttributes ?? []).includes(attribute)) {
            const value = user.attributes.get(attribute)!;
            const holders = await idp.users.byAlias(pool.id, attribute === 'email' ? 'email_key' : 'phone_key', attribute === 'email' ? value.toLowerCase() : value, tx);
            if (holders.some((h) => h.sub !== user.sub && h.attributes.get(`${attribute}_verified`) === 'true')) throw aliasExists(attribute);
          }
          user.attributes.set(`${attribute}_verified`, 'true');
        }
        await idp.users.save(user, caseSensitive(pool.config), tx);
        await idp.tokens.deleteCode(pool.id, user.sub, purpose, tx);
      });
      return {};
    },
  };
}
