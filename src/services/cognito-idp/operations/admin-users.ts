/**
 * Administrative user management (SigV4 as root, or a principal IAM allows): AdminCreateUser,
 * AdminGetUser, ListUsers, AdminConfirmSignUp, AdminSetUserPassword, AdminResetUserPassword,
 * AdminUpdateUserAttributes, AdminDeleteUserAttributes, AdminDisableUser, AdminEnableUser,
 * AdminUserGlobalSignOut, AdminDeleteUser.
 * @module
 */
import type { OperationHandlers } from '../../types.js';
import type { Operations } from '../api.generated.js';
import type { IdpContext } from '../context.js';
import { missingRequired, requiredAttributesError, toAttributeList, validateAttributeWrites } from '../domain/attributes.js';
import { parseFilter } from '../domain/filter.js';
import { recoveryDestination, sentTo, type Medium } from '../domain/messages.js';
import { checkPasswordPolicy, temporaryPassword } from '../domain/password-policy.js';
import { caseSensitive, type PoolConfig } from '../domain/pool-config.js';
import { invalidParameter, notAuthorized, unsupportedUserState, userNotFound } from '../errors.js';
import type { Sessions } from '../sessions.js';
import type { UserPool } from '../store/pools.js';
import type { User } from '../store/users.js';
import { afterToken, nextToken, pageSize, userMfaView, userView } from '../views.js';
import { applyPreSignUp, customMessage, preSignUp } from '../trigger-events.js';
import { applyAttributeWrites, changedVerifiable, codesDue, holdUnverifiedChanges, sendCodesDue, wordCodesDue } from './attribute-updates.js';
import { insertNewUser, newUserIdentity, passwordVerifier } from './new-users.js';

const DAY_MS = 86_400_000;

function temporaryExpiry(config: PoolConfig, now: number): number {
  return now + config.Policies.PasswordPolicy.TemporaryPasswordValidityDays * DAY_MS;
}

export function adminUserOperations(idp: IdpContext, sessions: Sessions): OperationHandlers<Operations> {
  const load = async (poolId: string, username: string): Promise<{ pool: UserPool; user: User }> => {
    const pool = await idp.pool(poolId);
    const user = await idp.resolveUser(pool, username);
    if (user === undefined) throw userNotFound();
    return { pool, user };
  };
  const save = (pool: UserPool, user: User, now: number): Promise<void> => {
    user.updatedAt = now;
    return idp.users.save(user, caseSensitive(pool.config));
  };

  const invite = async (pool: UserPool, user: User, password: string, mediums: readonly Medium[], clientMetadata: Record<string, string> | undefined): Promise<void> => {
    const wanted = mediums.filter((m) => user.attributes.get(m === 'EMAIL' ? 'email' : 'phone_number'));
    const custom = wanted.length === 0 ? undefined : await customMessage(idp, pool, 'CustomMessage_AdminCreateUser', user, { clientMetadata }, wanted);
    for (const medium of wanted) {
      const to = user.attributes.get(medium === 'EMAIL' ? 'email' : 'phone_number')!;
      await idp.messages.sendInvitation(pool.config, { medium, to }, user.username, password, custom);
    }
  };

  return {
    async AdminCreateUser(input, ctx) {
      const pool = await idp.pool(input.UserPoolId);
      const now = ctx.now();
      const mediums = (input.DesiredDeliveryMediums ?? ['SMS']) as Medium[];
      if (input.TemporaryPassword !== undefined) checkPasswordPolicy(pool.config, input.TemporaryPassword);
      const password = input.TemporaryPassword ?? temporaryPassword(pool.config);

      if (input.MessageAction === 'RESEND') {
        const user = await idp.resolveUser(pool, input.Username);
        if (user === undefined) throw userNotFound();
        if (user.status !== 'FORCE_CHANGE_PASSWORD') {
          throw unsupportedUserState(`Resend not possible. ${user.username} status is not FORCE_CHANGE_PASSWORD.`);
        }
        Object.assign(user, passwordVerifier(pool, user.username, password));
        user.passwordExpiresAt = temporaryExpiry(pool.config, now);
        await save(pool, user, now);
        await invite(pool, user, password, mediums, input.ClientMetadata);
        return { User: userView(user) };
      }

      const identity = newUserIdentity({ pool, requestedName: input.Username, attributes: input.UserAttributes, admin: true });
      const missing = missingRequired(pool.config.SchemaAttributes, identity.attributes);
      if (missing.length > 0) throw requiredAttributesError(missing);
      const user: User = {
        poolId: pool.id,
        username: identity.username,
        sub: identity.sub,
        status: 'FORCE_CHANGE_PASSWORD',
        enabled: true,
        attributes: identity.attributes,
        ...passwordVerifier(pool, identity.username, password),
        passwordExpiresAt: temporaryExpiry(pool.config, now),
        tokensRevokedAt: undefined,
        createdAt: now,
        updatedAt: now,
      };
      // PreSignUp may refuse; only its verification flags apply to an invited user (they keep FORCE_CHANGE_PASSWORD).
      const pre = await preSignUp(idp, pool, 'PreSignUp_AdminCreateUser', identity, { clientMetadata: input.ClientMetadata, validationData: input.ValidationData });
      applyPreSignUp(user, { ...pre, autoConfirmUser: false });
      await insertNewUser(idp, pool, user, 'User account already exists');
      if (input.MessageAction !== 'SUPPRESS') await invite(pool, user, password, mediums, input.ClientMetadata);
      ctx.log.info({ event: 'cognito-idp.admin-create-user', userPoolId: pool.id, sub: user.sub }, 'user created by an administrator');
      return { User: userView(user) };
    },

    async AdminGetUser(input) {
      const { user } = await load(input.UserPoolId, input.Username);
      return {
        Username: user.username,
        UserAttributes: toAttributeList(user.attributes),
        UserCreateDate: new Date(user.createdAt),
        UserLastModifiedDate: new Date(user.updatedAt),
        Enabled: user.enabled,
        UserStatus: user.status,
        ...userMfaView(await idp.mfa.get(user.poolId, user.sub)),
      };
    },

    async ListUsers(input) {
      const pool = await idp.pool(input.UserPoolId);
      const matches = parseFilter(input.Filter);
      const only = input.AttributesToGet === undefined ? undefined : new Set(input.AttributesToGet);
      const limit = pageSize(input.Limit);
      const users: User[] = [];
      let after = afterToken(input.PaginationToken);
      let more = true;
      // Scan in key order until the page is full; the filter runs over each batch.
      while (users.length < limit && more) {
        const batch = await idp.users.page(pool.id, after, 200);
        more = batch.length === 200;
        for (const { user, key } of batch) {
          after = key;
          if (matches(user)) users.push(user);
          if (users.length === limit) {
            more = (await idp.users.page(pool.id, after, 1)).length > 0;
            break;
          }
        }
      }
      return { Users: users.map((u) => userView(u, only)), ...(more ? { PaginationToken: nextToken(after) } : {}) };
    },

    async AdminConfirmSignUp(input, ctx) {
      const { pool, user } = await load(input.UserPoolId, input.Username);
      if (user.status !== 'UNCONFIRMED') throw notAuthorized(`User cannot be confirmed. Current status is ${user.status}`);
      user.status = 'CONFIRMED';
      await save(pool, user, ctx.now());
      await idp.tokens.deleteCode(pool.id, user.sub, 'SignUp');
      return {};
    },

    async AdminSetUserPassword(input, ctx) {
      const { pool, user } = await load(input.UserPoolId, input.Username);
      checkPasswordPolicy(pool.config, input.Password);
      const now = ctx.now();
      Object.assign(user, passwordVerifier(pool, user.username, input.Password));
      if (input.Permanent === true) {
        user.status = 'CONFIRMED';
        user.passwordExpiresAt = undefined;
      } else {
        user.status = 'FORCE_CHANGE_PASSWORD';
        user.passwordExpiresAt = temporaryExpiry(pool.config, now);
      }
      await save(pool, user, now);
      // Sessions begun with the old password end with it.
      await sessions.revokeUser(pool, user, now);
      return {};
    },

    async AdminResetUserPassword(input, ctx) {
      const { pool, user } = await load(input.UserPoolId, input.Username);
      const dest = recoveryDestination(pool.config, user);
      if (dest === undefined) throw invalidParameter('Cannot reset password for the user as there is no registered/verified email or phone_number');
      const now = ctx.now();
      await idp.codes.mayIssue(pool.id, { sub: user.sub }, 'ForgotPassword', dest.to, now);
      // Worded before anything changes: a failing trigger leaves the user as it was.
      const custom = await customMessage(idp, pool, 'CustomMessage_ForgotPassword', user, { clientMetadata: input.ClientMetadata }, [dest.medium]);
      user.status = 'RESET_REQUIRED';
      await save(pool, user, now);
      await sessions.revokeUser(pool, user, now);
      const code = await idp.codes.issue(pool.id, user.sub, 'ForgotPassword', now, sentTo(dest));
      await idp.messages.sendCode(pool.config, dest, code, 'AdminResetUserPassword', custom);
      return {};
    },

    async AdminUpdateUserAttributes(input, ctx) {
      const { pool, user } = await load(input.UserPoolId, input.Username);
      const writes = validateAttributeWrites(pool.config.SchemaAttributes, input.UserAttributes, { admin: true, creating: false });
      const changed = changedVerifiable(user, writes);
      const held = holdUnverifiedChanges(pool, user, writes);
      // Not limited: administrators are trusted, and AWS's model gives this call no LimitExceededException.
      const due = codesDue(pool, changed, held, writes);
      const words = await wordCodesDue(idp, pool, user, writes, due, { clientMetadata: input.ClientMetadata });
      user.updatedAt = ctx.now();
      await idp.platform.db.transaction(async (tx) => {
        await applyAttributeWrites(idp, pool, user, writes, tx);
        await idp.users.save(user, caseSensitive(pool.config), tx);
      });
      await sendCodesDue(idp, pool, user, due, ctx.now(), words);
      return {};
    },

    async AdminDeleteUserAttributes(input, ctx) {
      const { pool, user } = await load(input.UserPoolId, input.Username);
      for (const name of input.UserAttributeNames) {
        const def = pool.config.SchemaAttributes.find((s) => s.Name === name);
        if (def === undefined) throw invalidParameter(`Invalid attribute name: ${name}`);
        if (name === 'sub' || def.Required === true || def.Mutable === false) throw invalidParameter(`Cannot delete the required or immutable attribute ${name}`);
        user.attributes.delete(name);
        if (name === 'email' || name === 'phone_number') await idp.tokens.voidCodesSentTo(pool.id, user.sub, name);
      }
      await save(pool, user, ctx.now());
      return {};
    },

    /** Disabling also revokes the user's tokens, as AWS does. */
    async AdminDisableUser(input, ctx) {
      const { pool, user } = await load(input.UserPoolId, input.Username);
      const now = ctx.now();
      user.enabled = false;
      await save(pool, user, now);
      await sessions.revokeUser(pool, user, now);
      return {};
    },

    async AdminEnableUser(input, ctx) {
      const { pool, user } = await load(input.UserPoolId, input.Username);
      user.enabled = true;
      await save(pool, user, ctx.now());
      return {};
    },

    async AdminUserGlobalSignOut(input, ctx) {
      const { pool, user } = await load(input.UserPoolId, input.Username);
      await sessions.revokeUser(pool, user, ctx.now());
      return {};
    },

    async AdminDeleteUser(input, ctx) {
      const { pool, user } = await load(input.UserPoolId, input.Username);
      await idp.platform.db.transaction((tx) => idp.users.delete(pool.id, user.sub, tx));
      ctx.log.info({ event: 'cognito-idp.admin-delete-user', userPoolId: pool.id, sub: user.sub }, 'user deleted by an administrator');
    },
  };
}
