/**
 * The triggers, one function each: the request AWS documents for its trigger sources, and
 * what Cognito takes from the response.
 * @module
 */
import type { AttributeType } from './api.generated.js';
import type { CustomText, Medium } from './domain/messages.js';
import { groupClaims, type ClaimChanges, type TokenOverrides } from './domain/tokens.js';
import type { Group } from './store/groups.js';
import type { IdpContext } from './context.js';
import type { UserPool } from './store/pools.js';
import type { User } from './store/users.js';
import { ServiceError } from '../../errors.js';
import { eventAttributes, flag, text, type TriggerCaller } from './triggers.js';

/** ValidationData as the event has it; clients send null for none (the seed app does). */
const attributeMap = (list: readonly AttributeType[] | null | undefined): Record<string, string> | undefined =>
  Array.isArray(list) ? Object.fromEntries(list.map((a) => [a.Name, a.Value ?? ''])) : undefined;

export interface PreSignUpAnswer {
  autoConfirmUser: boolean;
  autoVerifyEmail: boolean;
  autoVerifyPhone: boolean;
}

/** PreSignUp_SignUp / _AdminCreateUser / _ExternalProvider, before the user exists. */
export async function preSignUp(
  idp: IdpContext,
  pool: UserPool,
  source: 'PreSignUp_SignUp' | 'PreSignUp_AdminCreateUser' | 'PreSignUp_ExternalProvider',
  who: { username: string; attributes: ReadonlyMap<string, string> },
  caller: TriggerCaller & { validationData?: readonly AttributeType[] | null | undefined },
): Promise<PreSignUpAnswer> {
  const attrs = eventAttributes({ attributes: who.attributes }, false);
  delete attrs.sub;
  const request: Record<string, unknown> = { userAttributes: attrs, validationData: attributeMap(caller.validationData) ?? null };
  const r = await idp.triggers.call(pool, 'PreSignUp', source, who.username, caller, request, { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false });
  if (r === undefined) return { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false };
  return { autoConfirmUser: flag(r, 'autoConfirmUser'), autoVerifyEmail: flag(r, 'autoVerifyEmail'), autoVerifyPhone: flag(r, 'autoVerifyPhone') };
}

/** Applies PreSignUp's answer to a user about to be written. */
export function applyPreSignUp(user: User, a: PreSignUpAnswer): void {
  if (a.autoConfirmUser) user.status = 'CONFIRMED';
  if (a.autoVerifyEmail && user.attributes.has('email')) user.attributes.set('email_verified', 'true');
  if (a.autoVerifyPhone && user.attributes.has('phone_number')) user.attributes.set('phone_number_verified', 'true');
}

/** PostConfirmation_ConfirmSignUp / _ConfirmForgotPassword, after the change is stored. */
export async function postConfirmation(
  idp: IdpContext,
  pool: UserPool,
  source: 'PostConfirmation_ConfirmSignUp' | 'PostConfirmation_ConfirmForgotPassword',
  user: User,
  caller: TriggerCaller,
): Promise<void> {
  await idp.triggers.call(pool, 'PostConfirmation', source, user.username, caller, { userAttributes: eventAttributes(user) }, {});
}

/**
 * PreAuthentication_Authentication, once the password is proved and before the account's state
 * or any challenge is looked at (the API's sign-ins and the hosted page's): a failing trigger refuses the sign-in.
 */
export async function preAuthentication(idp: IdpContext, pool: UserPool, clientId: string, user: User): Promise<void> {
  await idp.triggers.call(pool, 'PreAuthentication', 'PreAuthentication_Authentication', user.username, { clientId }, { userAttributes: eventAttributes(user), validationData: null }, {});
}

/**
 * PostAuthentication_Authentication, once every step of a sign-in is proved (the API's, once its tokens
 * are made; the hosted page's, before its session opens): a failing trigger refuses them.
 */
export async function postAuthentication(idp: IdpContext, pool: UserPool, clientId: string, user: User, newDeviceUsed: boolean): Promise<void> {
  await idp.triggers.call(pool, 'PostAuthentication', 'PostAuthentication_Authentication', user.username, { clientId }, { userAttributes: eventAttributes(user), newDeviceUsed }, {});
}

export type CustomMessageSource =
  | 'CustomMessage_SignUp'
  | 'CustomMessage_AdminCreateUser'
  | 'CustomMessage_ResendCode'
  | 'CustomMessage_ForgotPassword'
  | 'CustomMessage_UpdateUserAttribute'
  | 'CustomMessage_VerifyUserAttribute'
  | 'CustomMessage_Authentication';

/** The message text a CustomMessage trigger gives, or undefined (none configured). */
export async function customMessage(
  idp: IdpContext, pool: UserPool, source: CustomMessageSource, user: Pick<User, 'username' | 'attributes' | 'status'>, caller: TriggerCaller,
  mediums: readonly Medium[] = ['EMAIL', 'SMS'],
): Promise<CustomText | undefined> {
  const sender = customSender(idp, pool, source, user, caller);
  // A message a custom sender takes is never worded by Cognito: CustomMessage only for the others.
  const worded = mediums.some((m) => !idp.triggers.hasSender(pool, m === 'EMAIL' ? 'CustomEmailSender' : 'CustomSMSSender'));
  if (idp.triggers.arnOf(pool, 'CustomMessage') === undefined || !worded) return sender;
  const request = {
    userAttributes: eventAttributes(user),
    codeParameter: '{####}',
    linkParameter: '{##Click Here##}',
    usernameParameter: source === 'CustomMessage_AdminCreateUser' ? '{username}' : null,
  };
  const r = await idp.triggers.call(pool, 'CustomMessage', source, user.username, caller, request, { smsMessage: null, emailMessage: null, emailSubject: null });
  if (r === undefined) return sender;
  return { smsMessage: text(r, 'smsMessage'), emailMessage: text(r, 'emailMessage'), emailSubject: text(r, 'emailSubject'), ...sender };
}

/** Whether a message of the pool may be worded or sent by a trigger (CustomMessage or a custom sender). */
export function messageTriggered(idp: IdpContext, pool: UserPool): boolean {
  return idp.triggers.arnOf(pool, 'CustomMessage') !== undefined || idp.triggers.hasSender(pool, 'CustomEmailSender') || idp.triggers.hasSender(pool, 'CustomSMSSender');
}

/**
 * The custom sender for a message, if the pool has one: CustomEmailSender_<event> for mail,
 * CustomSMSSender_<event> for texts, the event named as CustomMessage's source names it.
 */
function customSender(idp: IdpContext, pool: UserPool, source: CustomMessageSource, user: Pick<User, 'username' | 'attributes' | 'status'>, caller: TriggerCaller): CustomText | undefined {
  if (!idp.triggers.hasSender(pool, 'CustomEmailSender') && !idp.triggers.hasSender(pool, 'CustomSMSSender')) return undefined;
  const event = source.slice('CustomMessage_'.length);
  return {
    deliver: async (medium, secret) => {
      const kind = medium === 'EMAIL' ? 'CustomEmailSender' : 'CustomSMSSender';
      if (!idp.triggers.hasSender(pool, kind)) return false;
      await idp.triggers.send(pool, kind, `${kind}_${event}`, user, caller, secret);
      return true;
    },
  };
}

const garbage = (): ServiceError => new ServiceError('InvalidLambdaResponseException', 'Unrecognizable lambda output', 400);
const obj = (v: unknown): Record<string, unknown> | undefined => {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw garbage();
  return v as Record<string, unknown>;
};
const strings = (v: unknown): string[] | undefined => {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw garbage();
  return v as string[];
};

function claimChanges(v: unknown, stringsOnly: boolean): ClaimChanges | undefined {
  const o = obj(v);
  if (o === undefined) return undefined;
  const add = obj(o.claimsToAddOrOverride);
  if (stringsOnly && add !== undefined && Object.values(add).some((x) => typeof x !== 'string')) throw garbage();
  const suppress = strings(o.claimsToSuppress);
  return { ...(add === undefined ? {} : { add }), ...(suppress === undefined ? {} : { suppress }) };
}

/**
 * PreTokenGeneration (event version 1: `claimsOverrideDetails` on the ID token; versions 2 and
 * 3: `claimsAndScopeOverrideDetails` on both tokens and the access token's scopes), with group
 * overrides in every version.
 */
export async function preTokenGeneration(
  idp: IdpContext,
  pool: UserPool,
  source: string,
  user: User,
  groups: readonly Group[],
  clientId: string,
  scopes: readonly string[],
): Promise<TokenOverrides | undefined> {
  if (idp.triggers.arnOf(pool, 'PreTokenGeneration') === undefined) return undefined;
  const lv = pool.config.LambdaConfig?.PreTokenGenerationConfig?.LambdaVersion;
  const version = lv === 'V2_0' ? '2' : lv === 'V3_0' ? '3' : '1';
  const g = groupClaims(groups);
  const request: Record<string, unknown> = {
    userAttributes: eventAttributes(user),
    groupConfiguration: { groupsToOverride: g.groups, iamRolesToOverride: g.roles, preferredRole: g.preferredRole ?? null },
    ...(version === '1' ? {} : { scopes: [...scopes] }),
  };
  const key = version === '1' ? 'claimsOverrideDetails' : 'claimsAndScopeOverrideDetails';
  const r = await idp.triggers.call(pool, 'PreTokenGeneration', source, user.username, { clientId }, request, { [key]: null }, version);
  const details = obj(r?.[key]);
  if (details === undefined) return undefined;
  const out: TokenOverrides = {};
  const go = obj(details.groupOverrideDetails);
  if (go !== undefined) {
    const preferred = go.preferredRole;
    if (preferred !== undefined && preferred !== null && typeof preferred !== 'string') throw garbage();
    out.groups = { groups: strings(go.groupsToOverride), roles: strings(go.iamRolesToOverride), ...(typeof preferred === 'string' ? { preferredRole: preferred } : {}) };
  }
  if (version === '1') {
    const id = claimChanges(details, true);
    if (id !== undefined) out.id = id;
    return out;
  }
  const id = claimChanges(details.idTokenGeneration, false);
  if (id !== undefined) out.id = id;
  const at = obj(details.accessTokenGeneration);
  if (at !== undefined) {
    out.access = { ...claimChanges(at, false) };
    const add = strings(at.scopesToAdd);
    const suppress = strings(at.scopesToSuppress);
    if (add !== undefined) out.access.scopesToAdd = add;
    if (suppress !== undefined) out.access.scopesToSuppress = suppress;
  }
  return out;
}
