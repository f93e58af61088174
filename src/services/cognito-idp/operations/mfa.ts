/**
 * MFA settings: the pool's (SetUserPoolMfaConfig, GetUserPoolMfaConfig) and each user's
 * (SetUserMFAPreference with an access token, AdminSetUserMFAPreference, and the legacy
 * SetUserSettings / AdminSetUserSettings, whose MFAOptions can only turn SMS MFA on or off).
 * @module
 */
import type { OperationHandlers } from '../../types.js';
import type { EmailMfaSettingsType, MFAOptionListType, Operations, SMSMfaSettingsType, SoftwareTokenMfaSettingsType } from '../api.generated.js';
import type { IdpContext } from '../context.js';
import { applyMfaConfig, mfaConfigView, type MfaType } from '../domain/mfa-config.js';
import { invalidParameter, userNotFound } from '../errors.js';
import type { Sessions } from '../sessions.js';
import type { UserMfa } from '../store/mfa.js';
import type { User } from '../store/users.js';

interface Preference {
  SMSMfaSettings?: SMSMfaSettingsType;
  SoftwareTokenMfaSettings?: SoftwareTokenMfaSettingsType;
  EmailMfaSettings?: EmailMfaSettingsType;
}

/** Turns each factor the request names on or off, and moves the preference with it. */
export function applyPreference(user: User, current: UserMfa, input: Preference): UserMfa {
  const next = { ...current };
  const set = (s: { Enabled?: boolean; PreferredMfa?: boolean } | undefined, type: MfaType, key: 'sms' | 'totp' | 'email'): void => {
    if (s === undefined) return;
    const on = s.Enabled === true;
    next[key] = on;
    if (on && s.PreferredMfa === true) next.preferred = type;
    else if (next.preferred === type && (!on || s.PreferredMfa === false)) next.preferred = undefined;
  };
  if (input.SMSMfaSettings?.Enabled === true && !user.attributes.get('phone_number')) {
    throw invalidParameter('User does not have delivery config set to turn on SMS_MFA');
  }
  if (input.EmailMfaSettings?.Enabled === true && !user.attributes.get('email')) {
    throw invalidParameter('User does not have delivery config set to turn on EMAIL_OTP');
  }
  if (input.SoftwareTokenMfaSettings?.Enabled === true && current.totpSecret === undefined) {
    throw invalidParameter(current.pendingSecret === undefined ? 'User has not set up software token mfa' : 'User has not verified software token mfa');
  }
  const preferred = [input.SMSMfaSettings, input.SoftwareTokenMfaSettings, input.EmailMfaSettings].filter((s) => s?.Enabled === true && s.PreferredMfa === true);
  if (preferred.length > 1) throw invalidParameter('Only one MFA method can be set as preferred.');
  set(input.SMSMfaSettings, 'SMS_MFA', 'sms');
  set(input.SoftwareTokenMfaSettings, 'SOFTWARE_TOKEN_MFA', 'totp');
  set(input.EmailMfaSettings, 'EMAIL_OTP', 'email');
  return next;
}

/** The legacy MFAOptions: an SMS entry for phone_number turns SMS MFA on, an empty list off. */
function applyLegacyOptions(user: User, current: UserMfa, options: MFAOptionListType): UserMfa {
  for (const o of options) {
    if (o.DeliveryMedium !== 'SMS' || o.AttributeName !== 'phone_number') {
      throw invalidParameter('Only SMS delivery to phone_number is supported for MFAOptions.');
    }
  }
  const on = options.length > 0;
  if (on && !user.attributes.get('phone_number')) throw invalidParameter('User does not have delivery config set to turn on SMS_MFA');
  return { ...current, sms: on, ...(!on && current.preferred === 'SMS_MFA' ? { preferred: undefined } : {}) };
}

export function mfaOperations(idp: IdpContext, sessions: Sessions): OperationHandlers<Operations> {
  const adminUser = async (poolId: string, username: string): Promise<User> => {
    const pool = await idp.pool(poolId);
    const user = await idp.resolveUser(pool, username);
    if (user === undefined) throw userNotFound();
    return user;
  };
  const update = async (user: User, change: (m: UserMfa) => UserMfa, now: number): Promise<void> => {
    await idp.platform.db.transaction(async (tx) => {
      const next = change(await idp.mfa.get(user.poolId, user.sub, tx));
      await idp.mfa.put(user.poolId, user.sub, next, now, {}, tx);
    });
  };

  return {
    async GetUserPoolMfaConfig(input) {
      return mfaConfigView((await idp.pool(input.UserPoolId)).config);
    },

    async SetUserPoolMfaConfig(input, ctx) {
      const pool = await idp.pool(input.UserPoolId);
      const config = applyMfaConfig(pool.config, input);
      await idp.pools.updatePool(pool.id, pool.name, config, ctx.now());
      ctx.log.info({ event: 'cognito-idp.pool.mfa-config', userPoolId: pool.id, mfa: config.MfaConfiguration }, 'user pool MFA configuration changed');
      return mfaConfigView(config);
    },

    async SetUserMFAPreference(input, ctx) {
      const now = ctx.now();
      const { user } = await sessions.accessToken(input.AccessToken, now);
      await update(user, (m) => applyPreference(user, m, input), now);
      return {};
    },

    async AdminSetUserMFAPreference(input, ctx) {
      const user = await adminUser(input.UserPoolId, input.Username);
      await update(user, (m) => applyPreference(user, m, input), ctx.now());
      return {};
    },

    async SetUserSettings(input, ctx) {
      const now = ctx.now();
      const { user } = await sessions.accessToken(input.AccessToken, now);
      await update(user, (m) => applyLegacyOptions(user, m, input.MFAOptions), now);
      return {};
    },

    async AdminSetUserSettings(input, ctx) {
      const user = await adminUser(input.UserPoolId, input.Username);
      await update(user, (m) => applyLegacyOptions(user, m, input.MFAOptions), ctx.now());
      return {};
    },
  };
}
