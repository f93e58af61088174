/**
 * UserMigration: a sign-in (UserMigration_Authentication, USER_PASSWORD_AUTH only, as at AWS:
 * the function needs the password) or a password reset (UserMigration_ForgotPassword) for a
 * name the pool does not know asks the trigger, which may return the user's attributes from
 * an old system; the user is then created with them and the password given (or none, for a
 * reset) and the status the trigger chose.
 * @module
 */
import type { AttributeType } from './api.generated.js';
import type { IdpContext } from './context.js';
import { insertNewUser, newUserIdentity, passwordVerifier } from './operations/new-users.js';
import type { AppClient, UserPool } from './store/pools.js';
import type { User } from './store/users.js';
import { ServiceError } from '../../errors.js';

const garbage = (): ServiceError => new ServiceError('InvalidLambdaResponseException', 'Unrecognizable lambda output', 400);

/** The migrated user, or undefined when the pool has no UserMigration trigger or the function returned no user. */
export async function migrateUser(
  idp: IdpContext,
  pool: UserPool,
  client: AppClient,
  name: string,
  password: string | undefined,
  now: number,
  clientMetadata?: Record<string, string>,
): Promise<User | undefined> {
  if (idp.triggers.arnOf(pool, 'UserMigration') === undefined) return undefined;
  const source = password === undefined ? 'UserMigration_ForgotPassword' : 'UserMigration_Authentication';
  const request: Record<string, unknown> = { ...(password === undefined ? {} : { password }), validationData: null, userAttributes: null };
  const r = await idp.triggers.call(pool, 'UserMigration', source, name, { clientId: client.clientId, clientMetadata }, request, {
    userAttributes: null, forceAliasCreation: null, enableSMSMFA: null, finalUserStatus: null, messageAction: null, desiredDeliveryMediums: null,
  });
  if (r === undefined) return undefined;
  const attrs = r.userAttributes;
  if (attrs === undefined || attrs === null) return undefined;
  if (typeof attrs !== 'object' || Array.isArray(attrs) || Object.values(attrs).some((v) => typeof v !== 'string')) throw garbage();
  const status = r.finalUserStatus ?? 'RESET_REQUIRED';
  if (status !== 'CONFIRMED' && status !== 'RESET_REQUIRED') throw garbage();
  const list: AttributeType[] = Object.entries(attrs as Record<string, string>)
    .filter(([k]) => k !== 'sub' && k !== 'username')
    .map(([Name, Value]) => ({ Name, Value }));
  const identity = newUserIdentity({ pool, requestedName: name, attributes: list, admin: true });
  const user: User = {
    poolId: pool.id,
    username: identity.username,
    sub: identity.sub,
    // A reset migration has no password yet: the user must set one with the code.
    status: password === undefined ? 'RESET_REQUIRED' : status,
    enabled: true,
    attributes: identity.attributes,
    ...(password === undefined ? { salt: undefined, verifier: undefined } : passwordVerifier(pool, identity.username, password)),
    passwordExpiresAt: undefined,
    tokensRevokedAt: undefined,
    createdAt: now,
    updatedAt: now,
  } as User;
  await insertNewUser(idp, pool, user, 'User already exists');
  idp.platform.log.info({ event: 'cognito-idp.user-migrated', userPoolId: pool.id, sub: user.sub, source }, 'user migrated by the UserMigration trigger');
  return user;
}
