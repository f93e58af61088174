/**
 * Self-service registration and recovery: SignUp, ConfirmSignUp, ResendConfirmationCode,
 * ForgotPassword, ConfirmForgotPassword. With PreventUserExistenceErrors ENABLED, unknown
 * users get a simulated code delivery or a code mismatch, never UserNotFoundException, and
 * so do users whose state would otherwise show (disabled, already confirmed, invited), with
 * the same limits, counted by the name given: no answer tells them apart from unknown names.
 * (UsernameExistsException from SignUp stays, as on AWS.)
 * @module
 */
import type { OperationHandlers } from '../../types.js';
import type { CodeDeliveryDetailsType, Operations } from '../api.generated.js';
import type { IdpContext } from '../context.js';
import { isEmail, isPhoneNumber, missingRequired, requiredAttributesError } from '../domain/attributes.js';
import { deliveryDetails, recoveryDestination, sentTo, signUpDestination } from '../domain/messages.js';
import { allowsFlow } from '../domain/client-config.js';
import { checkPasswordPolicy } from '../domain/password-policy.js';
import { caseSensitive } from '../domain/pool-config.js';
import { aliasExists, invalidParameter, notAuthorized, userDisabled, userNotFound } from '../errors.js';
import type { AppClient, UserPool } from '../store/pools.js';
import { foldUsername, type User } from '../store/users.js';
import type { CodePurpose } from '../store/tokens.js';
import { insertNewUser, newUserIdentity, passwordVerifier } from './new-users.js';
import { migrateUser } from '../migration.js';
import { applyPreSignUp, customMessage, postConfirmation, preSignUp } from '../trigger-events.js';

const NOT_FOUND = 'Username/client id combination not found.';

/** ConfirmSignUp's Session: whose sign-up it confirmed (pool and client are in the seal). */
export interface SignUpSession {
  s: string;
}

/** What AWS answers for a user that does not exist when existence errors are hidden. */
function simulatedDelivery(pool: UserPool, name: string): CodeDeliveryDetailsType {
  if (isPhoneNumber(name)) return deliveryDetails('SMS', name);
  const byPhone = (pool.config.AutoVerifiedAttributes ?? []).includes('phone_number') && !(pool.config.AutoVerifiedAttributes ?? []).includes('email');
  if (byPhone) return deliveryDetails('SMS', '+10000000000');
  return deliveryDetails('EMAIL', isEmail(name) ? name : `${name.slice(0, 1)}@e.com`);
}

export function signUpOperations(idp: IdpContext): OperationHandlers<Operations> {
  /** Limits count a name no user has as given (folded as the pool compares names). */
  const unknownName = (pool: UserPool, name: string): { name: string } => ({ name: foldUsername(name, caseSensitive(pool.config)) });

  /**
   * The user a code-checking call names, after the client's secret hash; an unknown one gets
   * UserNotFoundException, or with hidden existence the answers (and limit) a wrong code gets,
   * as does a user `usable` refuses.
   */
  const userFor = async (
    c: { pool: UserPool; client: AppClient },
    input: { Username: string; SecretHash?: string | undefined },
    purpose: CodePurpose,
    now: number,
    usable: (user: User) => boolean,
  ): Promise<User> => {
    const user = await idp.resolveUser(c.pool, input.Username);
    idp.checkSecret(c.client, input.SecretHash, [input.Username, user?.username], 'other');
    const hidden = idp.hidesUsers(c.client);
    if (hidden && (user === undefined || !usable(user))) return idp.codes.refuseUnknown(c.pool.id, unknownName(c.pool, input.Username).name, purpose, now);
    if (user === undefined) throw userNotFound(NOT_FOUND);
    return user;
  };

  /** A simulated delivery for a name no user has, limited as a real one is. */
  const simulated = async (pool: UserPool, name: string, purpose: CodePurpose, now: number): Promise<{ CodeDeliveryDetails: CodeDeliveryDetailsType }> => {
    await idp.codes.mayIssue(pool.id, unknownName(pool, name), purpose, undefined, now);
    await idp.codes.countRequest(pool.id, unknownName(pool, name), purpose, now);
    return { CodeDeliveryDetails: simulatedDelivery(pool, name) };
  };

  return {
    async SignUp(input, ctx) {
      const { client, pool } = await idp.client(input.ClientId);
      idp.checkSecret(client, input.SecretHash, [input.Username], 'other');
      if (pool.config.AdminCreateUserConfig?.AllowAdminCreateUserOnly === true) throw notAuthorized('SignUp is not permitted for this user pool');
      if (input.Password === undefined) {
        throw invalidParameter("1 validation error detected: Value null at 'password' failed to satisfy constraint: Member must not be null");
      }
      const identity = newUserIdentity({ pool, client, requestedName: input.Username, attributes: input.UserAttributes, admin: false });
      const missing = missingRequired(pool.config.SchemaAttributes, identity.attributes);
      if (missing.length > 0) throw requiredAttributesError(missing);
      checkPasswordPolicy(pool.config, input.Password);
      const now = ctx.now();
      const caller = { clientId: client.clientId, clientMetadata: input.ClientMetadata };
      // Before anything is written: a refusal leaves no user behind.
      const pre = await preSignUp(idp, pool, 'PreSignUp_SignUp', identity, { ...caller, validationData: input.ValidationData });
      // Sign-ups under many names must not flood one mailbox.
      const to = pre.autoConfirmUser ? undefined : signUpDestination(pool.config, { attributes: identity.attributes })?.to;
      if (to !== undefined) await idp.codes.mayIssue(pool.id, { sub: identity.sub }, 'SignUp', to, now);
      const user: User = {
        poolId: pool.id,
        username: identity.username,
        sub: identity.sub,
        status: 'UNCONFIRMED',
        enabled: true,
        attributes: identity.attributes,
        ...passwordVerifier(pool, identity.username, input.Password),
        passwordExpiresAt: undefined,
        tokensRevokedAt: undefined,
        createdAt: now,
        updatedAt: now,
      };
      applyPreSignUp(user, pre);
      await insertNewUser(idp, pool, user, 'User already exists');
      ctx.log.info({ event: 'cognito-idp.sign-up', userPoolId: pool.id, sub: user.sub }, 'user signed up');
      if (pre.autoConfirmUser) return { UserConfirmed: true, UserSub: user.sub };
      const dest = signUpDestination(pool.config, user);
      if (dest === undefined) return { UserConfirmed: false, UserSub: user.sub };
      const custom = await customMessage(idp, pool, 'CustomMessage_SignUp', user, caller, [dest.medium]);
      const code = await idp.codes.issue(pool.id, user.sub, 'SignUp', now, sentTo(dest));
      const details = await idp.messages.sendCode(pool.config, dest, code, 'SignUp', custom);
      return { UserConfirmed: false, UserSub: user.sub, CodeDeliveryDetails: details };
    },

    async ConfirmSignUp(input, ctx) {
      const { client, pool } = await idp.client(input.ClientId);
      const now = ctx.now();
      const user = await userFor({ pool, client }, input, 'SignUp', now, (u) => u.enabled && u.status === 'UNCONFIRMED');
      if (user.status !== 'UNCONFIRMED') throw notAuthorized(`User cannot be confirmed. Current status is ${user.status}`);
      await idp.codes.check(user, 'SignUp', input.ConfirmationCode, now);
      const dest = signUpDestination(pool.config, user);
      const attribute = dest?.medium === 'SMS' ? 'phone_number' : dest?.medium === 'EMAIL' ? 'email' : undefined;
      const cs = caseSensitive(pool.config);
      await idp.platform.db.transaction(async (tx) => {
        if (attribute !== undefined) {
          // A verified email or phone is an alias; only one user may hold it.
          if ((pool.config.AliasAttributes ?? []).includes(attribute)) {
            const value = user.attributes.get(attribute)!;
            const holders = await idp.users.byAlias(pool.id, attribute === 'email' ? 'email_key' : 'phone_key', attribute === 'email' ? value.toLowerCase() : value, tx);
            for (const other of holders) {
              if (other.sub === user.sub || other.attributes.get(`${attribute}_verified`) !== 'true') continue;
              if (input.ForceAliasCreation !== true) throw aliasExists(attribute);
              other.attributes.set(`${attribute}_verified`, 'false');
              other.updatedAt = now;
              await idp.users.save(other, cs, tx);
            }
          }
          user.attributes.set(`${attribute}_verified`, 'true');
        }
        user.status = 'CONFIRMED';
        user.updatedAt = now;
        await idp.users.save(user, cs, tx);
        await idp.tokens.deleteCode(pool.id, user.sub, 'SignUp', tx);
      });
      ctx.log.info({ event: 'cognito-idp.confirm-sign-up', userPoolId: pool.id, sub: user.sub }, 'user confirmed');
      // After the confirmation is stored, as at AWS: a failing trigger is reported, the user stays confirmed.
      await postConfirmation(idp, pool, 'PostConfirmation_ConfirmSignUp', user, { clientId: client.clientId, clientMetadata: input.ClientMetadata });
      // For a client that signs in with USER_AUTH: a Session with which InitiateAuth signs the
      // user in at once, the code just checked standing as the first factor (single use).
      if (!allowsFlow(client.config, 'USER_AUTH')) return {};
      return { Session: idp.sealer.seal<SignUpSession>('sign-up', pool.id, client.clientId, { s: user.sub }, now + (client.config.AuthSessionValidity ?? 3) * 60_000) };
    },

    async ResendConfirmationCode(input, ctx) {
      const { client, pool } = await idp.client(input.ClientId);
      const user = await idp.resolveUser(pool, input.Username);
      idp.checkSecret(client, input.SecretHash, [input.Username, user?.username], 'other');
      const now = ctx.now();
      const hidden = idp.hidesUsers(client);
      const dest = user === undefined ? undefined : signUpDestination(pool.config, user);
      if (hidden && (user === undefined || !user.enabled || user.status !== 'UNCONFIRMED' || dest === undefined)) return simulated(pool, input.Username, 'SignUp', now);
      if (user === undefined) throw userNotFound(NOT_FOUND);
      if (user.status !== 'UNCONFIRMED') throw invalidParameter('User is already confirmed.');
      if (dest === undefined) throw invalidParameter('Auto verification not turned on.');
      await idp.codes.mayIssue(pool.id, { sub: user.sub }, 'SignUp', dest.to, now);
      const custom = await customMessage(idp, pool, 'CustomMessage_ResendCode', user, { clientId: client.clientId, clientMetadata: input.ClientMetadata }, [dest.medium]);
      const code = await idp.codes.issue(pool.id, user.sub, 'SignUp', now, sentTo(dest));
      return { CodeDeliveryDetails: await idp.messages.sendCode(pool.config, dest, code, 'ResendConfirmationCode', custom) };
    },

    async ForgotPassword(input, ctx) {
      const { client, pool } = await idp.client(input.ClientId);
      const hidden = idp.hidesUsers(client);
      const found = await idp.resolveUser(pool, input.Username);
      idp.checkSecret(client, input.SecretHash, [input.Username, found?.username], 'other');
      const now = ctx.now();
      const user = found ?? (await migrateUser(idp, pool, client, input.Username, undefined, now, input.ClientMetadata));
      if (user === undefined) {
        if (hidden) return simulated(pool, input.Username, 'ForgotPassword', now);
        throw userNotFound(NOT_FOUND);
      }
      if (!user.enabled) {
        if (hidden) return simulated(pool, input.Username, 'ForgotPassword', now);
        throw userDisabled();
      }
      // An invited user must sign in with the temporary password and choose one there.
      if (user.status === 'FORCE_CHANGE_PASSWORD') {
        if (hidden) return simulated(pool, input.Username, 'ForgotPassword', now);
        throw notAuthorized('User password cannot be reset in the current state.');
      }
      const dest = recoveryDestination(pool.config, user);
      if (dest === undefined) {
        if (hidden) return simulated(pool, input.Username, 'ForgotPassword', now);
        throw invalidParameter('Cannot reset password for the user as there is no registered/verified email or phone_number');
      }
      await idp.codes.mayIssue(pool.id, { sub: user.sub }, 'ForgotPassword', dest.to, now);
      const custom = await customMessage(idp, pool, 'CustomMessage_ForgotPassword', user, { clientId: client.clientId, clientMetadata: input.ClientMetadata }, [dest.medium]);
      const code = await idp.codes.issue(pool.id, user.sub, 'ForgotPassword', now, sentTo(dest));
      return { CodeDeliveryDetails: await idp.messages.sendCode(pool.config, dest, code, 'ForgotPassword', custom) };
    },

    async ConfirmForgotPassword(input, ctx) {
      const { client, pool } = await idp.client(input.ClientId);
      const now = ctx.now();
      const user = await userFor({ pool, client }, input, 'ForgotPassword', now, (u) => u.enabled);
      if (!user.enabled) throw userDisabled();
      await idp.codes.check(user, 'ForgotPassword', input.ConfirmationCode, now);
      checkPasswordPolicy(pool.config, input.Password);
      Object.assign(user, passwordVerifier(pool, user.username, input.Password));
      if (user.status === 'RESET_REQUIRED' || user.status === 'FORCE_CHANGE_PASSWORD') user.status = 'CONFIRMED';
      user.passwordExpiresAt = undefined;
      user.updatedAt = now;
      // Whoever knew the old password is signed out with it, as on AWS.
      user.tokensRevokedAt = now;
      await idp.platform.db.transaction(async (tx) => {
        await idp.users.save(user, caseSensitive(pool.config), tx);
        await idp.tokens.deleteCode(pool.id, user.sub, 'ForgotPassword', tx);
        await idp.tokens.revokeUserSessions(pool.id, user.sub, now, tx);
      });
      ctx.log.info({ event: 'cognito-idp.password-reset', userPoolId: pool.id, sub: user.sub }, 'password reset with a code');
      await postConfirmation(idp, pool, 'PostConfirmation_ConfirmForgotPassword', user, { clientId: client.clientId, clientMetadata: input.ClientMetadata });
      return {};
    },
  };
}
