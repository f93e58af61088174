/**
 * The messages a pool sends (verification codes, password-reset codes, invitations), built
 * from the pool's templates, delivered through the Mailer (SMTP, else the outbox; SMS always
 * to the outbox), and described to the caller as AWS's masked CodeDeliveryDetails.
 * @module
 */
import type { CodeDeliveryDetailsType } from '../api.generated.js';
import type { Logger } from '../../../log.js';
import type { Mailer } from '../../../mail/mailer.js';
import type { SentTo } from '../store/tokens.js';
import type { User } from '../store/users.js';
import {
  DEFAULT_EMAIL_MESSAGE,
  DEFAULT_EMAIL_SUBJECT,
  DEFAULT_INVITE_EMAIL,
  DEFAULT_INVITE_SMS,
  DEFAULT_INVITE_SUBJECT,
  DEFAULT_SMS_MESSAGE,
  type PoolConfig,
} from './pool-config.js';
import { DEFAULT_EMAIL_MFA_MESSAGE, DEFAULT_EMAIL_MFA_SUBJECT, DEFAULT_SMS_AUTHENTICATION_MESSAGE } from './mfa-config.js';

export type Medium = 'EMAIL' | 'SMS';

/** What a CustomMessage trigger answered (its `{####}` is replaced by the code). */
export interface CustomText {
  emailMessage?: string | undefined;
  emailSubject?: string | undefined;
  smsMessage?: string | undefined;
  /**
   * A custom sender (CustomEmailSender / CustomSMSSender) for the message: given the secret, it
   * answers true when it took the message, which Gatehouse then does not send itself.
   */
  deliver?: ((medium: Medium, secret: string) => Promise<boolean>) | undefined;
}

/** Cognito HTML-escapes a temporary password's reserved characters before a custom sender gets it. */
const htmlEscape = (s: string): string => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');

/** `alice@example.com` → `a***@e***.com`, as Cognito shows it. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  const dot = domain.lastIndexOf('.');
  return `${local.slice(0, 1)}***@${domain.slice(0, 1)}***${dot > 0 ? domain.slice(dot) : ''}`;
}

/** `+15551234567` → `+*******4567`. */
export function maskPhone(phone: string): string {
  return `+${'*'.repeat(Math.max(phone.length - 5, 0))}${phone.slice(-4)}`;
}

export function deliveryDetails(medium: Medium, destination: string): CodeDeliveryDetailsType {
  return medium === 'EMAIL'
    ? { Destination: maskEmail(destination), DeliveryMedium: 'EMAIL', AttributeName: 'email' }
    : { Destination: maskPhone(destination), DeliveryMedium: 'SMS', AttributeName: 'phone_number' };
}

/** The attribute whose value a code delivered by `dest` is bound to. */
export function sentTo(dest: { medium: Medium; to: string }): SentTo {
  return { attribute: dest.medium === 'EMAIL' ? 'email' : 'phone_number', value: dest.to };
}

/** Where a sign-up code goes: phone when it is auto-verified (AWS prefers SMS), else email. */
export function signUpDestination(config: PoolConfig, user: Pick<User, 'attributes'>): { medium: Medium; to: string } | undefined {
  const auto = config.AutoVerifiedAttributes ?? [];
  const phone = user.attributes.get('phone_number');
  const email = user.attributes.get('email');
  if (auto.includes('phone_number') && phone) return { medium: 'SMS', to: phone };
  if (auto.includes('email') && email) return { medium: 'EMAIL', to: email };
  return undefined;
}

/** Where a password-reset code goes: the pool's recovery order, over verified contacts only. */
export function recoveryDestination(config: PoolConfig, user: User): { medium: Medium; to: string } | undefined {
  const email = user.attributes.get('email');
  const phone = user.attributes.get('phone_number');
  const verifiedEmail = email && user.attributes.get('email_verified') === 'true' ? email : undefined;
  const verifiedPhone = phone && user.attributes.get('phone_number_verified') === 'true' ? phone : undefined;
  const order = config.AccountRecoverySetting?.RecoveryMechanisms?.slice().sort((a, b) => a.Priority - b.Priority).map((m) => m.Name) ?? [
    'verified_phone_number',
    'verified_email',
  ];
  for (const name of order) {
    if (name === 'admin_only') return undefined;
    if (name === 'verified_email' && verifiedEmail !== undefined) return { medium: 'EMAIL', to: verifiedEmail };
    if (name === 'verified_phone_number' && verifiedPhone !== undefined) return { medium: 'SMS', to: verifiedPhone };
  }
  return undefined;
}

/** A CustomMessage trigger's text is used only when it carries the code, as Cognito requires. */
const own = (s: string | undefined): string | undefined => (s !== undefined && s.includes('{####}') ? s : undefined);

export class Messages {
  constructor(
    private readonly mailer: Mailer,
    private readonly log: Logger,
  ) {}

  /** Sends a verification or reset code with the pool's verification template. */
  async sendCode(config: PoolConfig, dest: { medium: Medium; to: string }, code: string, purpose: string, custom?: CustomText): Promise<CodeDeliveryDetailsType> {
    if (await custom?.deliver?.(dest.medium, code)) return deliveryDetails(dest.medium, dest.to);
    const t = config.VerificationMessageTemplate ?? {};
    if (dest.medium === 'EMAIL') {
      const text = (own(custom?.emailMessage) ?? t.EmailMessage ?? config.EmailVerificationMessage ?? DEFAULT_EMAIL_MESSAGE).replaceAll('{####}', code);
      const subject = (own(custom?.emailMessage) === undefined ? undefined : custom?.emailSubject) ?? t.EmailSubject ?? config.EmailVerificationSubject ?? DEFAULT_EMAIL_SUBJECT;
      await this.#deliver({ channel: 'email', to: dest.to, subject, text, purpose });
    } else {
      const text = (own(custom?.smsMessage) ?? t.SmsMessage ?? config.SmsVerificationMessage ?? DEFAULT_SMS_MESSAGE).replaceAll('{####}', code);
      await this.#deliver({ channel: 'sms', to: dest.to, text, purpose });
    }
    return deliveryDetails(dest.medium, dest.to);
  }

  /** A sign-in code (SMS_MFA, EMAIL_OTP) with the pool's MFA message templates. */
  async sendMfaCode(config: PoolConfig, dest: { medium: Medium; to: string }, code: string, custom?: CustomText): Promise<CodeDeliveryDetailsType> {
    if (await custom?.deliver?.(dest.medium, code)) return deliveryDetails(dest.medium, dest.to);
    if (dest.medium === 'EMAIL') {
      const e = config.MfaFactors?.Email ?? {};
      const mine = own(custom?.emailMessage);
      const subject = (mine === undefined ? undefined : custom?.emailSubject) ?? e.Subject ?? DEFAULT_EMAIL_MFA_SUBJECT;
      await this.#deliver({ channel: 'email', to: dest.to, subject, text: (mine ?? e.Message ?? DEFAULT_EMAIL_MFA_MESSAGE).replaceAll('{####}', code), purpose: 'MFA' });
    } else {
      await this.#deliver({ channel: 'sms', to: dest.to, text: (own(custom?.smsMessage) ?? config.SmsAuthenticationMessage ?? DEFAULT_SMS_AUTHENTICATION_MESSAGE).replaceAll('{####}', code), purpose: 'MFA' });
    }
    return deliveryDetails(dest.medium, dest.to);
  }

  /** AdminCreateUser's invitation with the username and temporary password. */
  async sendInvitation(config: PoolConfig, dest: { medium: Medium; to: string }, username: string, password: string, custom?: CustomText): Promise<void> {
    if (await custom?.deliver?.(dest.medium, htmlEscape(password))) return;
    const t = config.AdminCreateUserConfig?.InviteMessageTemplate ?? {};
    const fill = (s: string): string => s.replaceAll('{username}', username).replaceAll('{####}', password);
    if (dest.medium === 'EMAIL') {
      const subject = (own(custom?.emailMessage) === undefined ? undefined : custom?.emailSubject) ?? t.EmailSubject ?? DEFAULT_INVITE_SUBJECT;
      await this.#deliver({ channel: 'email', to: dest.to, subject, text: fill(own(custom?.emailMessage) ?? t.EmailMessage ?? DEFAULT_INVITE_EMAIL), purpose: 'AdminCreateUser' });
    } else {
      await this.#deliver({ channel: 'sms', to: dest.to, text: fill(own(custom?.smsMessage) ?? t.SMSMessage ?? DEFAULT_INVITE_SMS), purpose: 'AdminCreateUser' });
    }
  }

  /**
   * Delivery failures are logged, not thrown: the account change stands and the user can ask
   * for the code again, as with a bounced mail at AWS.
   */
  async #deliver(message: { channel: 'email' | 'sms'; to: string; subject?: string; text: string; purpose: string }): Promise<void> {
    try {
      await this.mailer.send(message);
    } catch (err) {
      this.log.error({ err, event: 'mail.failed', to: message.to, purpose: message.purpose }, 'could not deliver a user pool message');
    }
  }
}
