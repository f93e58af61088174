/**
 * A user pool's MFA settings: which second factors the pool offers (SMS, TOTP, email), the
 * messages it sends with one-time codes, and the WebAuthn relying party. CreateUserPool and
 * UpdateUserPool can only turn MFA on with SMS (their API has no other factor); the rest comes
 * through SetUserPoolMfaConfig, which AWS validates as a whole: MFA ON or OPTIONAL needs at
 * least one factor, and OFF takes none.
 * @module
 */
import type {
  EmailMfaConfigType,
  GetUserPoolMfaConfigResponse,
  SetUserPoolMfaConfigRequest,
  SmsMfaConfigType,
  UserPoolMfaType,
  WebAuthnConfigurationType,
} from '../api.generated.js';
import { invalidParameter } from '../errors.js';

/** Stored in the pool's config under `MfaFactors`; never part of UserPoolType. */
export interface MfaFactors {
  /** SMS MFA; absent means "as SmsConfiguration says" (pools created before this was stored). */
  Sms?: boolean;
  SoftwareToken: boolean;
  Email?: EmailMfaConfigType;
  WebAuthn?: WebAuthnConfigurationType;
}

/** What of a pool's config the MFA rules read and write. */
export interface MfaSettings {
  MfaConfiguration?: UserPoolMfaType;
  SmsAuthenticationMessage?: string;
  SmsConfiguration?: SmsMfaConfigType['SmsConfiguration'];
  MfaFactors?: MfaFactors;
}

export type MfaType = 'SMS_MFA' | 'SOFTWARE_TOKEN_MFA' | 'EMAIL_OTP';

export const DEFAULT_SMS_AUTHENTICATION_MESSAGE = 'Your authentication code is {####}. ';
export const DEFAULT_EMAIL_MFA_MESSAGE = 'Your authentication code is {####}. ';
export const DEFAULT_EMAIL_MFA_SUBJECT = 'Your authentication code';

/** The factors a pool offers, in the order Cognito lists them in MFAS_CAN_CHOOSE / MFAS_CAN_SETUP. */
export function poolFactors(cfg: MfaSettings): MfaType[] {
  if (cfg.MfaConfiguration === undefined || cfg.MfaConfiguration === 'OFF') return [];
  const f = cfg.MfaFactors;
  const out: MfaType[] = [];
  if (f?.Sms ?? cfg.SmsConfiguration !== undefined) out.push('SMS_MFA');
  if (f?.SoftwareToken === true) out.push('SOFTWARE_TOKEN_MFA');
  if (f?.Email !== undefined) out.push('EMAIL_OTP');
  return out;
}

/**
 * CreateUserPool / UpdateUserPool: MFA ON or OPTIONAL must have a factor. Their only factor is
 * SMS, so AWS's message names the SMS configuration; a pool whose TOTP or email factor was
 * turned on with SetUserPoolMfaConfig keeps it.
 */
export function checkPoolMfa(cfg: MfaSettings): void {
  if (cfg.MfaConfiguration !== undefined && cfg.MfaConfiguration !== 'OFF' && poolFactors(cfg).length === 0) {
    throw invalidParameter('SMS configuration and Auto verification for phone_number are required when MFA is required/optional');
  }
}

/**
 * SetUserPoolMfaConfig: the request describes the whole MFA state; a factor it leaves out is
 * off. Gatehouse sends SMS itself (webhook or outbox), so SMS MFA needs no SNS role here.
 */
export function applyMfaConfig<T extends MfaSettings>(cfg: T, input: SetUserPoolMfaConfigRequest): T {
  const mode = input.MfaConfiguration ?? cfg.MfaConfiguration ?? 'OFF';
  const sms = input.SmsMfaConfiguration;
  const totp = input.SoftwareTokenMfaConfiguration?.Enabled === true;
  const email = input.EmailMfaConfiguration;
  if (mode === 'OFF' && (sms !== undefined || totp || email !== undefined)) {
    throw invalidParameter("Invalid MFA configuration given, can't turn off MFA and configure an MFA together.");
  }
  const next: T = {
    ...cfg,
    MfaConfiguration: mode,
    ...(sms?.SmsConfiguration === undefined ? {} : { SmsConfiguration: sms.SmsConfiguration }),
    ...(sms?.SmsAuthenticationMessage === undefined ? {} : { SmsAuthenticationMessage: sms.SmsAuthenticationMessage }),
    MfaFactors: {
      Sms: sms !== undefined,
      SoftwareToken: totp,
      ...(email === undefined ? {} : { Email: { ...email } }),
      // WebAuthn is a first factor as well as an MFA one, so OFF keeps its relying party.
      ...(input.WebAuthnConfiguration !== undefined
        ? { WebAuthn: input.WebAuthnConfiguration }
        : cfg.MfaFactors?.WebAuthn === undefined
          ? {}
          : { WebAuthn: cfg.MfaFactors.WebAuthn }),
    },
  };
  if (mode !== 'OFF' && poolFactors(next).length === 0) {
    throw invalidParameter("Invalid MFA configuration given, can't disable all MFAs with a required or optional configuration.");
  }
  return next;
}

/** GetUserPoolMfaConfig and SetUserPoolMfaConfig's answer. */
export function mfaConfigView(cfg: MfaSettings): GetUserPoolMfaConfigResponse {
  const factors = poolFactors(cfg);
  const f = cfg.MfaFactors;
  return {
    MfaConfiguration: cfg.MfaConfiguration ?? 'OFF',
    ...(factors.includes('SMS_MFA')
      ? {
          SmsMfaConfiguration: {
            ...(cfg.SmsAuthenticationMessage === undefined ? {} : { SmsAuthenticationMessage: cfg.SmsAuthenticationMessage }),
            ...(cfg.SmsConfiguration === undefined ? {} : { SmsConfiguration: cfg.SmsConfiguration }),
          },
        }
      : {}),
    SoftwareTokenMfaConfiguration: { Enabled: factors.includes('SOFTWARE_TOKEN_MFA') },
    ...(f?.Email === undefined || !factors.includes('EMAIL_OTP') ? {} : { EmailMfaConfiguration: f.Email }),
    ...(f?.WebAuthn === undefined ? {} : { WebAuthnConfiguration: f.WebAuthn }),
  };
}
