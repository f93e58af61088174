/**
 * What SignUp and AdminCreateUser share: turning the requested username and attributes into
 * a new user under the pool's sign-in rules (email or phone as username, aliases), and
 * inserting it atomically with AWS's uniqueness errors.
 * @module
 */
import { timingSafeEqual } from 'node:crypto';
import type { AttributeType } from '../api.generated.js';
import type { IdpContext } from '../context.js';
import { isEmail, isPhoneNumber, validateAttributeWrites, type Attributes } from '../domain/attributes.js';
import { newSub, poolShortName } from '../domain/ids.js';
import { caseSensitive } from '../domain/pool-config.js';
import { newSalt, verifierFor } from '../domain/srp.js';
import { aliasExists, invalidParameter, notAuthorized, usernameExists } from '../errors.js';
import type { AppClient, UserPool } from '../store/pools.js';
import type { User } from '../store/users.js';

export interface NewUserInput {
  pool: UserPool;
  /** The client whose WriteAttributes limit what a self-service sign-up may set. */
  client?: AppClient;
  requestedName: string;
  attributes: readonly AttributeType[] | undefined;
  admin: boolean;
}

/** The username to store and the attributes, with the email or phone taken from the username when the pool signs in with it. */
export function newUserIdentity(input: NewUserInput): { username: string; sub: string; attributes: Attributes } {
  const { pool, requestedName } = input;
  const cfg = pool.config;
  const written = validateAttributeWrites(cfg.SchemaAttributes, input.attributes, { admin: input.admin, creating: true });
  const allowed = input.client?.config.WriteAttributes;
  if (allowed !== undefined) {
    for (const name of written.keys()) if (!allowed.includes(name)) throw notAuthorized('A client attempted to write unauthorized attribute');
  }
  const sub = newSub();
  const attributes: Attributes = new Map([['sub', sub]]);
  for (const [k, v] of written) attributes.set(k, v);

  const usernameAttrs = cfg.UsernameAttributes ?? [];
  if (usernameAttrs.length > 0) {
    const email = usernameAttrs.includes('email');
    const phone = usernameAttrs.includes('phone_number');
    if (email && isEmail(requestedName)) attributes.set('email', requestedName);
    else if (phone && isPhoneNumber(requestedName)) attributes.set('phone_number', requestedName);
    else throw invalidParameter(email && phone ? 'Username should be either an email or a phone number.' : email ? 'Username should be an email.' : 'Username should be a phone number.');
    return { username: sub, sub, attributes };
  }
  const aliases = cfg.AliasAttributes ?? [];
  if (aliases.includes('email') && isEmail(requestedName)) throw invalidParameter('Username cannot be of email format, since user pool is configured for email alias.');
  if (aliases.includes('phone_number') && isPhoneNumber(requestedName)) {
    throw invalidParameter('Username cannot be of phone number format, since user pool is configured for phone number alias.');
  }
  return { username: requestedName, sub, attributes };
}

export function passwordVerifier(pool: UserPool, username: string, password: string): { salt: Buffer; verifier: Buffer } {
  const salt = newSalt();
  return { salt, verifier: verifierFor(poolShortName(pool.id), username, password, salt) };
}

/** Whether `password` is the user's: its verifier computed again and compared in constant time. */
export function passwordMatches(pool: UserPool, user: User, password: string): boolean {
  if (user.salt === undefined || user.verifier === undefined) return false;
  const v = verifierFor(poolShortName(pool.id), user.username, password, user.salt);
  return v.length === user.verifier.length && timingSafeEqual(v, user.verifier);
}

/**
 * Inserts a user unless the username (or, where it is the username, the email or phone
 * number) is taken: UsernameExistsException, with `existsMessage` for a taken username.
 */
export async function insertNewUser(idp: IdpContext, pool: UserPool, user: User, existsMessage: string): Promise<void> {
  const cs = caseSensitive(pool.config);
  await idp.platform.db.transaction(async (tx) => {
    if ((await idp.users.byUsername(pool.id, user.username, cs, tx)) !== undefined) throw usernameExists(existsMessage);
    const usernameAttrs = pool.config.UsernameAttributes ?? [];
    const email = user.attributes.get('email');
    if (usernameAttrs.includes('email') && email && (await idp.users.byAlias(pool.id, 'email_key', email.toLowerCase(), tx)).length > 0) {
      throw usernameExists('An account with the given email already exists.');
    }
    const phone = user.attributes.get('phone_number');
    if (usernameAttrs.includes('phone_number') && phone && (await idp.users.byAlias(pool.id, 'phone_key', phone, tx)).length > 0) {
      throw usernameExists('An account with the given phone_number already exists.');
    }
    const preferred = user.attributes.get('preferred_username');
    if ((pool.config.AliasAttributes ?? []).includes('preferred_username') && preferred) {
      const key = cs ? preferred : preferred.toLowerCase();
      if ((await idp.users.byAlias(pool.id, 'preferred_key', key, tx)).length > 0 || (await idp.users.byUsername(pool.id, preferred, cs, tx)) !== undefined) {
        throw aliasExists('preferred_username');
      }
    }
    await idp.users.insert(user, cs, tx);
  });
}
