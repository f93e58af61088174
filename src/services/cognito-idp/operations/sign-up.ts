/**
 * Self-service registration and recovery: SignUp, ConfirmSignUp, ResendConfirmationCode,
 * ForgotPassword, ConfirmForgotPassword. With PreventUserExistenceErrors ENABLED, unknown
 * users get a simulated code delivery or a code mismatch, never UserNotFoundException.
 * @module
 */
import type { OperationHandlers } from '../../types.js';
import type { CodeDeliveryDetailsType, Operations } from '../api.generated.js';
import type { IdpContext } from '../context.js';
import { isEmail, isPhoneNumber, missingRequired, requiredAttributesError } from '../domain/attributes.js';
import { deliveryDetails, recoveryDestination, sentTo, signUpDestination } from '../domain/messages.js';
import { checkPasswordPolicy } from '../domain/password-policy.js';
import { caseSensitive } from '../domain/pool-config.js';
import { aliasExists, codeMismatch, invalidParameter, notAuthorized, userDisabled, userNotFound } from '../errors.js';
import type { AppClient, UserPool } from '../store/pools.js';
import type { User } from '../store/users.js';
import { insertNewUser, newUserIdentity, passwordVerifier } from './new-users.js';

const NOT_FOUND = 'Username/client id combination not found.';

/** What AWS answers for a user that does not exist when existence errors are hidden. */
function simulatedDelivery(pool: UserPool, name: string): CodeDeliveryDetailsType {
  if (isPhoneNumber(name)) return deliveryDetails('SMS', name);
  const byPhone = (pool.config.AutoVerifiedAttributes ?? []).includes('phone_number') && !(pool.config.AutoVerifiedAttributes ?? []).includes('email');
  if (byPhone) return deliveryDetails('SMS', '+10000000000');
  return deliveryDetails('EMAIL', isEmail(name) ? name : `${name.slice(0, 1)}@e.com`);
}

export function signUpOperations(idp: IdpContext): OperationHandlers<Operations> {
  /** The user a self-service call names, or AWS's answer for an unknown one. */
  const userFor = async (pool: UserPool, client: AppClient, name: string, hidden: () => never): Promise<User> => {
    const user = await idp.resolveUser(pool, name);
    if (user !== undefined) return user;
    if (idp.hidesUsers(client)) return hidden();
    throw userNotFound(NOT_FOUND);
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
      await insertNewUser(idp, pool, user, 'User already exists');
      ctx.log.info({ event: 'cognito-idp.sign-up', userPoolId: pool.id, sub: user.sub }, 'user signed up');
      const dest = signUpDestination(pool.config, user);
      if (dest === undefined) return { UserConfirmed: false, UserSub: user.sub };
      const code = await idp.codes.issue(pool.id, user.sub, 'SignUp', now, sentTo(dest));
      const details = await idp.messages.sendCode(pool.config, dest, code, 'SignUp');
      return { UserConfirmed: false, UserSub: user.sub, CodeDeliveryDetails: details };
    },

    async ConfirmSignUp(input, ctx) {
      const { client, pool } = await idp.client(input.ClientId);
      const user = await userFor(pool, client, input.Username, () => {
        throw codeMismatch();
      });
      idp.checkSecret(client, input.SecretHash, [input.Username, user.username], 'other');
      if (user.status !== 'UNCONFIRMED') throw notAuthorized(`User cannot be confirmed. Current status is ${user.status}`);
      const now = ctx.now();
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
      return {};
    },

    async ResendConfirmationCode(input, ctx) {
      const { client, pool } = await idp.client(input.ClientId);
      const user = await idp.resolveUser(pool, input.Username);
      idp.checkSecret(client, input.SecretHash, [input.Username, user?.username], 'other');
      if (user === undefined) {
        if (idp.hidesUsers(client)) return { CodeDeliveryDetails: simulatedDelivery(pool, input.Username) };
        throw userNotFound(NOT_FOUND);
      }
      if (user.status !== 'UNCONFIRMED') throw invalidParameter('User is already confirmed.');
      const dest = signUpDestination(pool.config, user);
      if (dest === undefined) throw invalidParameter('Auto verification not turned on.');
      idp.codes.limitRequests(pool.id, user.sub, 'SignUp', ctx.now());
      const code = await idp.codes.issue(pool.id, user.sub, 'SignUp', ctx.now(), sentTo(dest));
      return { CodeDeliveryDetails: await idp.messages.sendCode(pool.config, dest, code, 'ResendConfirmationCode') };
    },

    async ForgotPassword(input, ctx) {
      const { client, pool } = await idp.client(input.ClientId);
      const hidden = idp.hidesUsers(client);
      const user = await idp.resolveUser(pool, input.Username);
      idp.checkSecret(client, input.SecretHash, [input.Username, user?.username], 'other');
      if (user === undefined) {
        if (hidden) return { CodeDeliveryDetails: simulatedDelivery(pool, input.Username) };
        throw userNotFound(NOT_FOUND);
      }
      if (!user.enabled) {
        if (hidden) return { CodeDeliveryDetails: simulatedDelivery(pool, input.Username) };
        throw userDisabled();
      }
      // An invited user must sign in with the temporary password and choose one there.
      if (user.status === 'FORCE_CHANGE_PASSWORD') throw notAuthorized('User password cannot be reset in the current state.');
      const dest = recoveryDestination(pool.config, user);
      if (dest === undefined) {
        if (hidden) return { CodeDeliveryDetails: simulatedDelivery(pool, input.Username) };
        throw invalidParameter('Cannot reset password for the user as there is no registered/verified email or phone_number');
      }
      idp.codes.limitRequests(pool.id, user.sub, 'ForgotPassword', ctx.now());
      const code = await idp.codes.issue(pool.id, user.sub, 'ForgotPassword', ctx.now(), sentTo(dest));
      return { CodeDeliveryDetails: await idp.messages.sendCode(pool.config, dest, code, 'ForgotPassword') };
    },

    async ConfirmForgotPassword(input, ctx) {
      const { client, pool } = await idp.client(input.ClientId);
      const user = await userFor(pool, client, input.Username, () => {
        throw codeMismatch();
      });
      idp.checkSecret(client, input.SecretHash, [input.Username, user.username], 'other');
      const now = ctx.now();
      await idp.codes.check(user, 'ForgotPassword', input.ConfirmationCode, now);
      checkPasswordPolicy(pool.config, input.Password);
      Object.assign(user, passwordVerifier(pool, user.username, input.Password));
      if (user.status === 'RESET_REQUIRED' || user.status === 'FORCE_CHANGE_PASSWORD') user.status = 'CONFIRMED';
      user.passwordExpiresAt = undefined;
      user.updatedAt = now;
      await idp.platform.db.transaction(async (tx) => {
        await idp.users.save(user, caseSensitive(pool.config), tx);
        await idp.tokens.deleteCode(pool.id, user.sub, 'ForgotPassword', tx);
      });
      ctx.log.info({ event: 'cognito-idp.password-reset', userPoolId: pool.id, sub: user.sub }, 'password reset with a code');
      return {};
    },
  };
}
