/**
 * Passkeys through the maintained `@simplewebauthn/server` (no hand-written CBOR or COSE): the
 * options a registration or sign-in ceremony starts with, and the checks on what the
 * authenticator answered (challenge, origin, relying party id, signature, counter, user
 * verification). The relying party is the pool's WebAuthnConfiguration.RelyingPartyId, else
 * the host of Gatehouse's public URL. An origin is allowed when its host is the relying party
 * or a subdomain of it, over https (or http for localhost, which browsers treat as secure).
 * @module
 */
import type { AuthenticationResponseJSON, AuthenticatorTransport, RegistrationResponseJSON } from '@simplewebauthn/server';
import { ServiceError } from '../../../errors.js';
import type { WebAuthnCredential } from '../store/webauthn.js';
import type { PoolConfig } from './pool-config.js';

const err = (code: string, message: string): ServiceError => new ServiceError(code, message, 400);

/**
 * The library is loaded on the first passkey ceremony, not at start: it is a quarter of a second
 * of module loading that every start would pay (bench/start.ts), for pools that may never use it.
 */
let library: Promise<typeof import('@simplewebauthn/server')> | undefined;
function simpleWebAuthn(): Promise<typeof import('@simplewebauthn/server')> {
  library ??= import('@simplewebauthn/server');
  return library;
}

export function relyingPartyId(config: PoolConfig, publicUrl: string): string {
  return config.MfaFactors?.WebAuthn?.RelyingPartyId ?? new URL(publicUrl).hostname;
}

export function userVerification(config: PoolConfig): 'required' | 'preferred' {
  return config.MfaFactors?.WebAuthn?.UserVerification === 'required' ? 'required' : 'preferred';
}

/** The origin in a credential's clientDataJSON, if it is one this relying party accepts. */
function allowedOrigin(clientDataJSON: unknown, rpId: string): string {
  let origin: string;
  try {
    const data = JSON.parse(Buffer.from(String(clientDataJSON), 'base64url').toString('utf8')) as { origin?: unknown };
    origin = String(data.origin);
    const u = new URL(origin);
    const hostOk = u.hostname === rpId || u.hostname.endsWith(`.${rpId}`);
    const local = u.hostname === 'localhost' || u.hostname.endsWith('.localhost');
    if (hostOk && (u.protocol === 'https:' || (local && u.protocol === 'http:'))) return origin;
  } catch {
    throw err('InvalidParameterException', 'The credential is not a WebAuthn response.');
  }
  throw err('WebAuthnOriginNotAllowedException', `The origin ${origin.slice(0, 100)} is not allowed for the relying party ${rpId}.`);
}

/** What a credential must look like before the library looks at it (it is client input). */
function shaped<T>(credential: unknown): T & { id: string; response: { clientDataJSON: string } } {
  const c = credential as { id?: unknown; type?: unknown; response?: { clientDataJSON?: unknown } } | undefined;
  if (typeof c?.id !== 'string' || c.type !== 'public-key' || typeof c.response?.clientDataJSON !== 'string') {
    throw err('InvalidParameterException', 'The credential is not a WebAuthn response.');
  }
  return c as T & { id: string; response: { clientDataJSON: string } };
}

export async function registrationOptions(
  rpId: string,
  user: { sub: string; username: string; displayName: string },
  existing: readonly WebAuthnCredential[],
  uv: 'required' | 'preferred',
): Promise<Record<string, unknown>> {
  const options = await (await simpleWebAuthn()).generateRegistrationOptions({
    rpName: rpId,
    rpID: rpId,
    userID: new Uint8Array(Buffer.from(user.sub, 'utf8')),
    userName: user.username,
    userDisplayName: user.displayName,
    attestationType: 'none',
    excludeCredentials: existing.map((c) => ({ id: c.credentialId, transports: c.transports as AuthenticatorTransport[] })),
    authenticatorSelection: { residentKey: 'required', userVerification: uv },
    timeout: 180_000,
  });
  return options as unknown as Record<string, unknown>;
}

export interface VerifiedRegistration {
  credentialId: string;
  publicKey: Uint8Array;
  counter: number;
  transports: string[];
  attachment: string | undefined;
}

export async function verifyRegistration(credential: unknown, challenge: string, rpId: string, uv: 'required' | 'preferred'): Promise<VerifiedRegistration> {
  const response = shaped<RegistrationResponseJSON>(credential);
  const origin = allowedOrigin(response.response.clientDataJSON, rpId);
  let result;
  try {
    result = await (await simpleWebAuthn()).verifyRegistrationResponse({ response, expectedChallenge: challenge, expectedOrigin: origin, expectedRPID: rpId, requireUserVerification: uv === 'required' });
  } catch (e) {
    const message = (e as Error).message;
    if (/RP ID/i.test(message)) throw err('WebAuthnRelyingPartyMismatchException', `The credential is not for the relying party ${rpId}.`);
    if (/challenge/i.test(message)) throw err('WebAuthnChallengeNotFoundException', 'The credential answers no registration this user started.');
    throw err('InvalidParameterException', 'The credential could not be verified.');
  }
  if (!result.verified) throw err('InvalidParameterException', 'The credential could not be verified.');
  const c = result.registrationInfo.credential;
  return {
    credentialId: c.id,
    publicKey: c.publicKey,
    counter: c.counter,
    transports: (c.transports ?? response.response.transports ?? []) as string[],
    attachment: response.authenticatorAttachment ?? undefined,
  };
}

export async function authenticationOptions(rpId: string, credentials: readonly WebAuthnCredential[], uv: 'required' | 'preferred'): Promise<Record<string, unknown>> {
  const options = await (await simpleWebAuthn()).generateAuthenticationOptions({
    rpID: rpId,
    allowCredentials: credentials.map((c) => ({ id: c.credentialId, transports: c.transports as AuthenticatorTransport[] })),
    userVerification: uv,
    timeout: 180_000,
  });
  return options as unknown as Record<string, unknown>;
}

/** The credential id an assertion names (before it is verified against that credential). */
export function assertionCredentialId(credential: unknown): string {
  return shaped<AuthenticationResponseJSON>(credential).id;
}

/** Verifies an assertion against the stored credential; the new counter, or a NotAuthorized error. */
export async function verifyAssertion(credential: unknown, challenge: string, stored: WebAuthnCredential, uv: 'required' | 'preferred'): Promise<number> {
  const response = shaped<AuthenticationResponseJSON>(credential);
  const origin = allowedOrigin(response.response.clientDataJSON, stored.rpId);
  let result;
  try {
    result = await (await simpleWebAuthn()).verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: origin,
      expectedRPID: stored.rpId,
      credential: { id: stored.credentialId, publicKey: stored.publicKey as Uint8Array<ArrayBuffer>, counter: stored.counter, transports: stored.transports as AuthenticatorTransport[] },
      requireUserVerification: uv === 'required',
    });
  } catch {
    throw err('NotAuthorizedException', 'Incorrect username or password.');
  }
  if (!result.verified) throw err('NotAuthorizedException', 'Incorrect username or password.');
  return result.authenticationInfo.newCounter;
}
