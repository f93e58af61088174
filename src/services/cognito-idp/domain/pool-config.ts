/**
 * A user pool's settings: what CreateUserPool and UpdateUserPool accept, the defaults AWS
 * fills in, and the UserPoolType that DescribeUserPool returns. UpdateUserPool resets every
 * setting it is not given to its default, as AWS documents; the schema and sign-in options
 * are fixed at creation.
 * @module
 */
import type {
  CreateUserPoolRequest,
  PasswordPolicyType,
  SchemaAttributeType,
  UpdateUserPoolRequest,
  UserPoolType,
} from '../api.generated.js';
import { ServiceError } from '../../../errors.js';
import { invalidParameter } from '../errors.js';
import { STANDARD_ATTRIBUTES, STANDARD_NAMES } from './attributes.js';
import { checkPoolMfa, type MfaFactors } from './mfa-config.js';

/** What is stored for a pool besides id, name and dates. */
export type PoolConfig = Omit<UserPoolType, 'Id' | 'Name' | 'Arn' | 'CreationDate' | 'LastModifiedDate' | 'EstimatedNumberOfUsers' | 'Status'> & {
  SchemaAttributes: SchemaAttributeType[];
  Policies: { PasswordPolicy: Required<Omit<PasswordPolicyType, 'PasswordHistorySize'>> & Pick<PasswordPolicyType, 'PasswordHistorySize'> } & NonNullable<UserPoolType['Policies']>;
  /** The factors SetUserPoolMfaConfig turned on (domain/mfa-config.ts); not shown in UserPoolType. */
  MfaFactors?: MfaFactors;
};

export const DEFAULT_EMAIL_MESSAGE = 'Your verification code is {####}. ';
export const DEFAULT_EMAIL_SUBJECT = 'Your verification code';
export const DEFAULT_SMS_MESSAGE = 'Your verification code is {####}. ';
export const DEFAULT_INVITE_EMAIL = 'Your username is {username} and temporary password is {####}. ';
export const DEFAULT_INVITE_SUBJECT = 'Your temporary password';
export const DEFAULT_INVITE_SMS = 'Your username is {username} and temporary password is {####}. ';

const DEFAULT_PASSWORD_POLICY = {
  MinimumLength: 8,
  RequireUppercase: true,
  RequireLowercase: true,
  RequireNumbers: true,
  RequireSymbols: true,
  TemporaryPasswordValidityDays: 7,
};

type Settable = Omit<UpdateUserPoolRequest, 'UserPoolId' | 'PoolName'>;

/** Settings both CreateUserPool and UpdateUserPool take, with defaults for the missing ones. */
function settings(input: Settable): Omit<PoolConfig, 'SchemaAttributes' | 'UsernameAttributes' | 'AliasAttributes' | 'UsernameConfiguration'> {
  const pp = input.Policies?.PasswordPolicy ?? {};
  const passwordPolicy = {
    MinimumLength: pp.MinimumLength ?? DEFAULT_PASSWORD_POLICY.MinimumLength,
    RequireUppercase: pp.RequireUppercase ?? (input.Policies?.PasswordPolicy === undefined),
    RequireLowercase: pp.RequireLowercase ?? (input.Policies?.PasswordPolicy === undefined),
    RequireNumbers: pp.RequireNumbers ?? (input.Policies?.PasswordPolicy === undefined),
    RequireSymbols: pp.RequireSymbols ?? (input.Policies?.PasswordPolicy === undefined),
    TemporaryPasswordValidityDays: pp.TemporaryPasswordValidityDays ?? DEFAULT_PASSWORD_POLICY.TemporaryPasswordValidityDays,
    ...(pp.PasswordHistorySize === undefined ? {} : { PasswordHistorySize: pp.PasswordHistorySize }),
  };

  const t = input.VerificationMessageTemplate ?? {};
  // The legacy top-level fields and the template describe the same message; AWS keeps them equal.
  const emailMessage = t.EmailMessage ?? input.EmailVerificationMessage;
  const emailSubject = t.EmailSubject ?? input.EmailVerificationSubject;
  const smsMessage = t.SmsMessage ?? input.SmsVerificationMessage;
  if (t.DefaultEmailOption === 'CONFIRM_WITH_LINK') {
    throw invalidParameter('Gatehouse does not send confirmation links yet; use DefaultEmailOption CONFIRM_WITH_CODE.');
  }
  const template = {
    ...(smsMessage === undefined ? {} : { SmsMessage: smsMessage }),
    ...(emailMessage === undefined ? {} : { EmailMessage: emailMessage }),
    ...(emailSubject === undefined ? {} : { EmailSubject: emailSubject }),
    ...(t.EmailMessageByLink === undefined ? {} : { EmailMessageByLink: t.EmailMessageByLink }),
    ...(t.EmailSubjectByLink === undefined ? {} : { EmailSubjectByLink: t.EmailSubjectByLink }),
    DefaultEmailOption: t.DefaultEmailOption ?? 'CONFIRM_WITH_CODE',
  };

  const lambda = input.LambdaConfig;
  if ((lambda?.CustomEmailSender !== undefined || lambda?.CustomSMSSender !== undefined) && lambda.KMSKeyID === undefined) {
    // The custom senders get their codes encrypted under this key: without it they could get none.
    throw invalidParameter('KMSKeyID is required when CustomEmailSender or CustomSMSSender is set.');
  }
  const auto = input.AutoVerifiedAttributes;
  const acu = input.AdminCreateUserConfig ?? {};
  return {
    Policies: {
      PasswordPolicy: passwordPolicy,
      SignInPolicy: input.Policies?.SignInPolicy ?? { AllowedFirstAuthFactors: ['PASSWORD'] },
    },
    DeletionProtection: input.DeletionProtection ?? 'INACTIVE',
    LambdaConfig: input.LambdaConfig ?? {},
    ...(auto === undefined || auto.length === 0 ? {} : { AutoVerifiedAttributes: [...new Set(auto)] }),
    ...(smsMessage === undefined ? {} : { SmsVerificationMessage: smsMessage }),
    ...(emailMessage === undefined ? {} : { EmailVerificationMessage: emailMessage }),
    ...(emailSubject === undefined ? {} : { EmailVerificationSubject: emailSubject }),
    VerificationMessageTemplate: template,
    ...(input.SmsAuthenticationMessage === undefined ? {} : { SmsAuthenticationMessage: input.SmsAuthenticationMessage }),
    UserAttributeUpdateSettings: input.UserAttributeUpdateSettings ?? { AttributesRequireVerificationBeforeUpdate: [] },
    MfaConfiguration: input.MfaConfiguration ?? 'OFF',
    ...(input.DeviceConfiguration === undefined ? {} : { DeviceConfiguration: input.DeviceConfiguration }),
    EmailConfiguration: input.EmailConfiguration ?? { EmailSendingAccount: 'COGNITO_DEFAULT' },
    ...(input.SmsConfiguration === undefined ? {} : { SmsConfiguration: input.SmsConfiguration }),
    ...(input.UserPoolTags === undefined ? {} : { UserPoolTags: input.UserPoolTags }),
    AdminCreateUserConfig: {
      AllowAdminCreateUserOnly: acu.AllowAdminCreateUserOnly ?? false,
      UnusedAccountValidityDays: acu.UnusedAccountValidityDays ?? passwordPolicy.TemporaryPasswordValidityDays,
      ...(acu.InviteMessageTemplate === undefined ? {} : { InviteMessageTemplate: acu.InviteMessageTemplate }),
    },
    ...(input.UserPoolAddOns === undefined ? {} : { UserPoolAddOns: input.UserPoolAddOns }),
    ...(input.AccountRecoverySetting === undefined ? {} : { AccountRecoverySetting: input.AccountRecoverySetting }),
    UserPoolTier: input.UserPoolTier ?? 'ESSENTIALS',
  };
}

function schemaFor(input: CreateUserPoolRequest): SchemaAttributeType[] {
  const standard = STANDARD_ATTRIBUTES.map((a) => ({ ...a }));
  const custom: SchemaAttributeType[] = [];
  const seen = new Set<string>();
  for (const s of input.Schema ?? []) {
    const name = s.Name;
    if (name === undefined) throw invalidParameter('Attribute name is required in schema.');
    if (seen.has(name)) throw invalidParameter(`Duplicate attribute names in schema: ${name}`);
    seen.add(name);
    if (STANDARD_NAMES.has(name)) {
      const std = standard.find((a) => a.Name === name)!;
      if (s.AttributeDataType !== undefined && s.AttributeDataType !== std.AttributeDataType) {
        throw invalidParameter(`${name} has an incorrect data type: the standard attribute is of type ${std.AttributeDataType}.`);
      }
      if (name === 'sub' && (s.Required === false || s.Mutable === true)) throw invalidParameter('sub is a required, immutable attribute.');
      if (s.Required !== undefined) std.Required = s.Required;
      if (s.Mutable !== undefined) std.Mutable = s.Mutable;
      if (s.StringAttributeConstraints !== undefined && std.AttributeDataType === 'String') std.StringAttributeConstraints = { ...s.StringAttributeConstraints };
      continue;
    }
    if (s.Required === true) throw invalidParameter('Required custom attributes are not supported currently.');
    const type = s.AttributeDataType ?? 'String';
    custom.push({
      Name: s.DeveloperOnlyAttribute === true ? `dev:custom:${name}` : `custom:${name}`,
      AttributeDataType: type,
      DeveloperOnlyAttribute: s.DeveloperOnlyAttribute ?? false,
      Mutable: s.Mutable ?? true,
      Required: false,
      ...(type === 'String' ? { StringAttributeConstraints: s.StringAttributeConstraints ?? {} } : {}),
      ...(type === 'Number' ? { NumberAttributeConstraints: s.NumberAttributeConstraints ?? {} } : {}),
    });
  }
  if (custom.length > 50) throw invalidParameter('A user pool can have at most 50 custom attributes.');
  return [...standard, ...custom];
}

export function createPoolConfig(input: CreateUserPoolRequest): PoolConfig {
  const config = createConfig(input);
  checkPoolMfa(config);
  checkSignInPolicy(config);
  return config;
}

/**
 * SignInPolicy as Cognito takes it: the password is always a first factor (one-time codes and
 * passkeys come beside it, never instead), and choice-based sign-in beyond the password is a
 * feature of the Essentials and Plus tiers.
 */
function checkSignInPolicy(config: PoolConfig): void {
  const factors = config.Policies.SignInPolicy?.AllowedFirstAuthFactors ?? ['PASSWORD'];
  if (!factors.includes('PASSWORD')) throw invalidParameter('AllowedFirstAuthFactors must include PASSWORD.');
  if (config.UserPoolTier === 'LITE' && factors.some((f) => f !== 'PASSWORD')) {
    throw new ServiceError('FeatureUnavailableInTierException', 'SignInPolicy with first authentication factors other than PASSWORD is not available in the LITE tier.', 400);
  }
}

function createConfig(input: CreateUserPoolRequest): PoolConfig {
  if (input.UsernameAttributes !== undefined && input.AliasAttributes !== undefined && input.UsernameAttributes.length > 0 && input.AliasAttributes.length > 0) {
    throw invalidParameter('Only one of the aliasAttributes or usernameAttributes can be set in a User Pool.');
  }
  return {
    ...settings(input),
    SchemaAttributes: schemaFor(input),
    ...(input.UsernameAttributes === undefined || input.UsernameAttributes.length === 0 ? {} : { UsernameAttributes: [...new Set(input.UsernameAttributes)] }),
    ...(input.AliasAttributes === undefined || input.AliasAttributes.length === 0 ? {} : { AliasAttributes: [...new Set(input.AliasAttributes)] }),
    ...(input.UsernameConfiguration === undefined ? {} : { UsernameConfiguration: { CaseSensitive: input.UsernameConfiguration.CaseSensitive } }),
  } as PoolConfig;
}

/** UpdateUserPool: everything settable is replaced (defaults when absent); the rest is kept. */
export function updatePoolConfig(current: PoolConfig, input: UpdateUserPoolRequest): PoolConfig {
  const config = {
    ...settings(input),
    // UpdateUserPool cannot express TOTP, email or WebAuthn settings, so it keeps them.
    ...(current.MfaFactors === undefined ? {} : { MfaFactors: { ...current.MfaFactors, Sms: input.SmsConfiguration !== undefined } }),
    SchemaAttributes: current.SchemaAttributes,
    ...(current.UsernameAttributes === undefined ? {} : { UsernameAttributes: current.UsernameAttributes }),
    ...(current.AliasAttributes === undefined ? {} : { AliasAttributes: current.AliasAttributes }),
    ...(current.UsernameConfiguration === undefined ? {} : { UsernameConfiguration: current.UsernameConfiguration }),
  } as PoolConfig;
  checkPoolMfa(config);
  checkSignInPolicy(config);
  return config;
}

/** Usernames are case-sensitive unless the pool says otherwise (AWS's API default). */
export function caseSensitive(config: PoolConfig): boolean {
  return config.UsernameConfiguration?.CaseSensitive ?? true;
}
