/**
 * Attribute changes on an existing user, shared by AdminUpdateUserAttributes and the
 * attributes a user supplies when answering NEW_PASSWORD_REQUIRED: a new email or phone number
 * is unverified unless the same call verifies it, and the values other users sign in with
 * (email / phone number as username, preferred_username as alias) stay unique.
 * @module
 */
import type { Sql } from '../../../store/database.js';
import type { CodeDeliveryDetailsType } from '../api.generated.js';
import type { IdpContext } from '../context.js';
import type { Attributes } from '../domain/attributes.js';
import type { CustomText, Medium } from '../domain/messages.js';
import { caseSensitive } from '../domain/pool-config.js';
import { aliasExists, invalidParameter } from '../errors.js';
import type { UserPool } from '../store/pools.js';
import type { VerifiableAttribute } from '../store/tokens.js';
import type { User } from '../store/users.js';
import { customMessage, messageTriggered } from '../trigger-events.js';
import type { TriggerCaller } from '../triggers.js';

const MEDIUM: Record<VerifiableAttribute, Medium> = { email: 'EMAIL', phone_number: 'SMS' };

/** The email or phone number `writes` change to a new, non-empty value. */
export function changedVerifiable(user: User, writes: Attributes): VerifiableAttribute[] {
  return (['email', 'phone_number'] as const).filter((a) => writes.has(a) && writes.get(a) !== '' && writes.get(a) !== user.attributes.get(a));
}

/**
 * Issues a code and sends it to the attribute's current value, or to `pending`, the new value
 * the code will confirm (valid 24 h). `limited` checks the hourly sending limits first; a
 * change that sends codes checks them before it is saved (checkCodesDue), or it would be saved
 * and reported as failed.
 */
export async function sendAttributeCode(
  idp: IdpContext,
  pool: UserPool,
  user: User,
  attribute: VerifiableAttribute,
  now: number,
  opts: { limited: boolean; pending?: string; custom?: CustomText | undefined; caller?: TriggerCaller },
): Promise<CodeDeliveryDetailsType> {
  const to = opts.pending ?? user.attributes.get(attribute);
  if (to === undefined || to === '') throw invalidParameter(`The user has no ${attribute} to verify.`);
  const purpose = `Verify:${attribute}` as const;
  if (opts.limited) await idp.codes.mayIssue(pool.id, { sub: user.sub }, purpose, to, now);
  // A code asked for (GetUserAttributeVerificationCode): worded by CustomMessage_VerifyUserAttribute.
  const custom = opts.caller === undefined ? opts.custom : await customMessage(idp, pool, 'CustomMessage_VerifyUserAttribute', user, opts.caller, [MEDIUM[attribute]]);
  const code = await idp.codes.issue(pool.id, user.sub, purpose, now, { attribute, value: to }, opts.pending);
  return { ...(await idp.messages.sendCode(pool.config, { medium: MEDIUM[attribute], to }, code, purpose, custom)), AttributeName: attribute };
}

/**
 * With AttributesRequireVerificationBeforeUpdate, a verified email or phone number stays until
 * the new value is confirmed with the code sent to it (unless the same call, by an
 * administrator, marks the new value verified). Takes those changes out of `writes` and returns
 * them, to be sent codes once the rest is saved.
 */
export function holdUnverifiedChanges(pool: UserPool, user: User, writes: Attributes): Map<VerifiableAttribute, string> {
  const held = new Map<VerifiableAttribute, string>();
  const keep = pool.config.UserAttributeUpdateSettings?.AttributesRequireVerificationBeforeUpdate ?? [];
  for (const a of changedVerifiable(user, writes)) {
    if (!keep.includes(a) || writes.get(`${a}_verified`) === 'true' || user.attributes.get(`${a}_verified`) !== 'true') continue;
    held.set(a, writes.get(a)!);
    writes.delete(a);
    writes.delete(`${a}_verified`);
  }
  return held;
}

/** A code a change will send: to the new value, which is held until verified when `held`. */
export interface CodeDue {
  attribute: VerifiableAttribute;
  to: string;
  held: boolean;
}

/**
 * The codes a change sends, worked out before it is applied: one to each new email or phone
 * number the pool auto-verifies, unless the same call sets it verified (administrators may),
 * and one to each value held for verification.
 */
export function codesDue(pool: UserPool, changed: readonly VerifiableAttribute[], held: ReadonlyMap<VerifiableAttribute, string>, writes: Attributes): CodeDue[] {
  const autoVerified = pool.config.AutoVerifiedAttributes ?? [];
  const out: CodeDue[] = [];
  for (const a of changed) {
    const pending = held.get(a);
    if (pending !== undefined) out.push({ attribute: a, to: pending, held: true });
    else if (autoVerified.includes(a) && writes.get(`${a}_verified`) !== 'true') out.push({ attribute: a, to: writes.get(a)!, held: false });
  }
  return out;
}

/** LimitExceededException, before anything is saved, when a due code may not be sent now. */
export async function checkCodesDue(idp: IdpContext, pool: UserPool, user: User, due: readonly CodeDue[], now: number): Promise<void> {
  for (const d of due) await idp.codes.mayIssue(pool.id, { sub: user.sub }, `Verify:${d.attribute}`, d.to, now);
}

/**
 * Before the change is saved: the CustomMessage_UpdateUserAttribute text for each due code (one
 * invocation per message, as Cognito sends them), the event showing the attributes as the change
 * leaves them. A trigger that fails refuses the change, which is then not saved.
 */
export async function wordCodesDue(idp: IdpContext, pool: UserPool, user: User, writes: Attributes, due: readonly CodeDue[], caller: TriggerCaller): Promise<(CustomText | undefined)[]> {
  if (due.length === 0 || !messageTriggered(idp, pool)) return due.map(() => undefined);
  const after = { username: user.username, status: user.status, attributes: new Map(user.attributes) };
  for (const [k, v] of writes) after.attributes.set(k, v);
  const out: (CustomText | undefined)[] = [];
  for (let i = 0; i < due.length; i++) out.push(await customMessage(idp, pool, 'CustomMessage_UpdateUserAttribute', after, caller, [MEDIUM[due[i]!.attribute]]));
  return out;
}

/** After the change is saved: sends the codes it made due, in the words wordCodesDue got. */
export async function sendCodesDue(idp: IdpContext, pool: UserPool, user: User, due: readonly CodeDue[], now: number, words: readonly (CustomText | undefined)[] = []): Promise<CodeDeliveryDetailsType[]> {
  const out: CodeDeliveryDetailsType[] = [];
  for (const [i, d] of due.entries()) out.push(await sendAttributeCode(idp, pool, user, d.attribute, now, { limited: false, custom: words[i], ...(d.held ? { pending: d.to } : {}) }));
  return out;
}

/**
 * Applies validated `writes` to `user` in memory, after checking inside `tx` that no other
 * user holds a value that must be unique (AliasExistsException). The caller saves the user.
 */
export async function applyAttributeWrites(idp: IdpContext, pool: UserPool, user: User, writes: Attributes, tx: Sql): Promise<void> {
  const usernameAttrs = pool.config.UsernameAttributes ?? [];
  const cs = caseSensitive(pool.config);
  const takenByOther = (holders: readonly User[]): boolean => holders.some((h) => h.sub !== user.sub);
  for (const [k, v] of writes) {
    if ((k === 'email' || k === 'phone_number') && user.attributes.get(k) !== v) {
      if (usernameAttrs.includes(k) && takenByOther(await idp.users.byAlias(pool.id, k === 'email' ? 'email_key' : 'phone_key', k === 'email' ? v.toLowerCase() : v, tx))) {
        throw aliasExists(k);
      }
      if (!writes.has(`${k}_verified`)) user.attributes.set(`${k}_verified`, 'false');
      // A code sent to the old value must not verify the new one (nor reset a password).
      await idp.tokens.voidCodesSentTo(pool.id, user.sub, k, tx);
    }
    if (k === 'preferred_username' && v !== '' && (pool.config.AliasAttributes ?? []).includes('preferred_username')) {
      const other = await idp.users.byUsername(pool.id, v, cs, tx);
      if (takenByOther(await idp.users.byAlias(pool.id, 'preferred_key', cs ? v : v.toLowerCase(), tx)) || (other !== undefined && other.sub !== user.sub)) {
        throw aliasExists('preferred_username');
      }
    }
    user.attributes.set(k, v);
  }
}
