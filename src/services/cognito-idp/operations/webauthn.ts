/**
 * A signed-in user's passkeys: StartWebAuthnRegistration (the creation options, whose
 * challenge is remembered for five minutes), CompleteWebAuthnRegistration (the
 * authenticator's answer, verified in domain/webauthn.ts), ListWebAuthnCredentials and
 * DeleteWebAuthnCredential. The pool must allow WEB_AUTHN as a first factor.
 * @module
 */
import { ServiceError } from '../../../errors.js';
import type { OperationHandlers } from '../../types.js';
import type { Operations } from '../api.generated.js';
import type { IdpContext } from '../context.js';
import { registrationOptions, relyingPartyId, userVerification, verifyRegistration } from '../domain/webauthn.js';
import { invalidParameter, resourceNotFound } from '../errors.js';
import type { Sessions } from '../sessions.js';
import type { UserPool } from '../store/pools.js';

/** AWS's limit of passkeys per user. */
const MAX_CREDENTIALS = 20;
const CHALLENGE_MS = 5 * 60_000;

function requireWebAuthn(pool: UserPool): void {
  if (!(pool.config.Policies.SignInPolicy?.AllowedFirstAuthFactors ?? []).includes('WEB_AUTHN')) {
    throw new ServiceError('WebAuthnNotEnabledException', 'Passkey sign-in is not enabled for this user pool: add WEB_AUTHN to SignInPolicy.AllowedFirstAuthFactors.', 400);
  }
}

export function webAuthnOperations(idp: IdpContext, sessions: Sessions): OperationHandlers<Operations> {
  return {
    async StartWebAuthnRegistration(input, ctx) {
      const now = ctx.now();
      const { pool, user } = await sessions.accessToken(input.AccessToken, now);
      requireWebAuthn(pool);
      const existing = await idp.webauthn.forUser(pool.id, user.sub);
      if (existing.length >= MAX_CREDENTIALS) throw new ServiceError('LimitExceededException', `A user can have at most ${MAX_CREDENTIALS} passkeys.`, 400);
      const rpId = relyingPartyId(pool.config, idp.platform.config.publicUrl);
      const displayName = user.attributes.get('name') ?? user.attributes.get('email') ?? user.username;
      const options = await registrationOptions(rpId, { sub: user.sub, username: user.username, displayName }, existing, userVerification(pool.config));
      // One registration at a time per user, as a browser runs them; a new Start replaces the last.
      await idp.tokens.putPendingRegistration(pool.id, user.sub, String(options.challenge), rpId, now + CHALLENGE_MS, now);
      return { CredentialCreationOptions: options as never };
    },

    async CompleteWebAuthnRegistration(input, ctx) {
      const now = ctx.now();
      const { pool, user } = await sessions.accessToken(input.AccessToken, now);
      requireWebAuthn(pool);
      const started = await idp.tokens.takePendingRegistration(pool.id, user.sub, now);
      if (started === undefined) {
        throw new ServiceError('WebAuthnChallengeNotFoundException', 'No passkey registration is waiting for this user; call StartWebAuthnRegistration first.', 400);
      }
      const verified = await verifyRegistration(input.Credential, started.challenge, started.rpId, userVerification(pool.config));
      if ((await idp.webauthn.get(pool.id, verified.credentialId)) !== undefined) throw invalidParameter('This passkey is already registered.');
      await idp.webauthn.insert({
        poolId: pool.id,
        credentialId: verified.credentialId,
        sub: user.sub,
        publicKey: verified.publicKey,
        counter: verified.counter,
        transports: verified.transports,
        attachment: verified.attachment,
        name: `${user.username}'s passkey`.slice(0, 256),
        rpId: started.rpId,
        createdAt: now,
      });
      ctx.log.info({ event: 'cognito-idp.webauthn.registered', userPoolId: pool.id, sub: user.sub }, 'passkey registered');
      return {};
    },

    async ListWebAuthnCredentials(input, ctx) {
      const { pool, user } = await sessions.accessToken(input.AccessToken, ctx.now());
      const all = await idp.webauthn.forUser(pool.id, user.sub);
      const limit = input.MaxResults ?? 10;
      const start = input.NextToken === undefined ? 0 : Math.max(0, all.findIndex((c) => c.credentialId === Buffer.from(input.NextToken!, 'base64').toString('utf8')) + 1);
      const page = all.slice(start, start + limit);
      return {
        Credentials: page.map((c) => ({
          CredentialId: c.credentialId,
          FriendlyCredentialName: c.name,
          RelyingPartyId: c.rpId,
          ...(c.attachment === undefined ? {} : { AuthenticatorAttachment: c.attachment }),
          AuthenticatorTransports: c.transports,
          CreatedAt: new Date(c.createdAt),
        })),
        ...(start + limit < all.length ? { NextToken: Buffer.from(page[page.length - 1]!.credentialId, 'utf8').toString('base64') } : {}),
      };
    },

    async DeleteWebAuthnCredential(input, ctx) {
      const { pool, user } = await sessions.accessToken(input.AccessToken, ctx.now());
      if (!(await idp.webauthn.delete(pool.id, user.sub, input.CredentialId))) throw resourceNotFound('Credential not found.');
      return {};
    },
  };
}
