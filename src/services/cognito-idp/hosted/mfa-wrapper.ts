/**
 * The sealed wrapper that carries an API Session across the hosted MFA pages (hosted/mfa.ts,
 * hosted/mfa-setup.ts): bound to the pool, the app client and this authorization request (a
 * hash of its query), so a form cannot be answered for another client or redirect. It is not
 * single use itself: the API Session inside is, and the API's checks decide.
 * @module
 */
import { createHash } from 'node:crypto';
import { ServiceError } from '../../../errors.js';
import type { InitiateAuthResponse } from '../api.generated.js';
import type { IdpContext } from '../context.js';
import { secretHash } from '../domain/client-config.js';
import { totpUri } from '../domain/totp.js';
import { expiredSession, invalidSession } from '../errors.js';
import type { CodeChallenge } from '../mfa-challenges.js';
import type { SignIn, SignInCall } from '../sign-in.js';
import type { TotpSetup } from '../totp-setup.js';
import type { AuthorizeRequest } from './authorize.js';
import type { DomainRequest } from './routes.js';

/** How long the wrapper opens; the API Session inside keeps its own (shorter) AuthSessionValidity. */
const FORM_MS = 15 * 60_000;

export type MfaChallenge = CodeChallenge | 'SELECT_MFA_TYPE';
/** MFA_SETUP's pages: the choice of factor, the authenticator app's secret, the email address. */
export type SetupPart = 'choose' | 'totp' | 'email';

export interface Wrapped {
  /** The API's Session. */
  m: string;
  c: MfaChallenge | 'MFA_SETUP';
  u: string;
  /** SHA-256 of the authorization request's query. */
  q: string;
  /** Where the code went (masked); for the email set-up, the user's own address to offer. */
  d?: string;
  /** The factors to choose from. */
  o?: string[];
  st?: SetupPart;
  /** The secret AssociateSoftwareToken gave, shown again with an error. */
  k?: string;
}

/** What the TOTP set-up page shows: the secret as text, as an otpauth:// link, and as a QR code (an SVG data: URL). */
export interface TotpView {
  secret: string;
  uri: string;
  qr: string;
}

/** What an MFA page shows. */
export interface MfaStep {
  session: string;
  challenge: MfaChallenge | 'MFA_SETUP';
  destination?: string;
  choices?: string[];
  setup?: SetupPart;
  totp?: TotpView;
}

const queryHash = (a: AuthorizeRequest): string => createHash('sha256').update(a.query).digest('base64url');

/** The page is the client of the API here: the call the API's checks get. */
export function call(idp: IdpContext, d: DomainRequest, a: AuthorizeRequest, now: number): SignInCall {
  return { pool: d.pool, client: a.client, now, hidden: idp.hidesUsers(a.client) };
}

/** The QR code of `text` as an SVG data URL; `qrcode` is loaded with the first set-up page, not at start. */
async function qrCodeSvg(text: string): Promise<string> {
  const { default: QRCode } = await import('qrcode');
  return `data:image/svg+xml;base64,${Buffer.from(await QRCode.toString(text, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' })).toString('base64')}`;
}

/** What the wrapper's step shows (the QR code drawn by `qrcode`). */
export async function view(d: DomainRequest, w: Wrapped, session: string): Promise<MfaStep> {
  const totp = w.k === undefined ? undefined : totpUri(w.k, d.pool.name, w.u);
  return {
    session,
    challenge: w.c,
    ...(w.d === undefined ? {} : { destination: w.d }),
    ...(w.o === undefined ? {} : { choices: w.o }),
    ...(w.st === undefined ? {} : { setup: w.st }),
    ...(totp === undefined
      ? {}
      : { totp: { secret: w.k!, uri: totp, qr: await qrCodeSvg(totp) } }),
  };
}

export async function wrap(idp: IdpContext, d: DomainRequest, a: AuthorizeRequest, w: Omit<Wrapped, 'q'>, now: number): Promise<MfaStep> {
  const full: Wrapped = { ...w, q: queryHash(a) };
  return view(d, full, idp.sealer.seal<Wrapped>('hosted-mfa', d.pool.id, a.client.clientId, full, now + FORM_MS));
}

export function unwrap(idp: IdpContext, d: DomainRequest, a: AuthorizeRequest, form: URLSearchParams, now: number): { w: Wrapped; session: string } {
  const session = form.get('session') ?? '';
  if (session.length > 8192) throw invalidSession();
  const opened = idp.sealer.open<Wrapped>('hosted-mfa', d.pool.id, a.client.clientId, session, now);
  if (opened === 'expired') throw expiredSession();
  if (opened === 'invalid' || opened.data.q !== queryHash(a)) throw invalidSession();
  return { w: opened.data, session };
}

/** What the hosted MFA pages need of the service: the API's sign-in (and its MFA) and TOTP set-up. */
export interface MfaDeps {
  signIn: SignIn;
  totp: TotpSetup;
}

/** The responses an app would send with this user's answer: USERNAME, and the SECRET_HASH the page adds as the client. */
export function responsesFor(a: AuthorizeRequest, username: string): Record<string, string> {
  const out: Record<string, string> = { USERNAME: username };
  if (a.client.secret !== undefined) out.SECRET_HASH = secretHash(a.client.secret, username, a.client.clientId);
  return out;
}

/** The page for a code challenge (or SELECT_MFA_TYPE) the API answered with. */
export function codeStep(idp: IdpContext, d: DomainRequest, a: AuthorizeRequest, username: string, ch: InitiateAuthResponse, now: number): Promise<MfaStep> {
  const name = ch.ChallengeName;
  if (name !== 'SOFTWARE_TOKEN_MFA' && name !== 'SMS_MFA' && name !== 'EMAIL_OTP' && name !== 'SELECT_MFA_TYPE') {
    throw new ServiceError('NotImplementedException', `Gatehouse does not offer ${String(name)} on the hosted UI.`, 400);
  }
  const p = ch.ChallengeParameters ?? {};
  const choices = name === 'SELECT_MFA_TYPE' ? (JSON.parse(p.MFAS_CAN_CHOOSE ?? '[]') as string[]) : undefined;
  return wrap(idp, d, a, {
    m: ch.Session!,
    c: name,
    u: username,
    ...(p.CODE_DELIVERY_DESTINATION === undefined ? {} : { d: p.CODE_DELIVERY_DESTINATION }),
    ...(choices === undefined ? {} : { o: choices }),
  }, now);
}
