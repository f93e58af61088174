/**
 * Identifiers in AWS's formats: pool ids `<region>_<9 alphanumerics>`, 26-character client
 * ids, 51-character client secrets, UUID subs. All from the CSPRNG, without modulo bias.
 * @module
 */
import { randomInt, randomUUID } from 'node:crypto';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

function randomString(alphabet: string, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += alphabet[randomInt(alphabet.length)];
  return s;
}

export function newUserPoolId(region: string): string {
  return `${region}_${randomString(ALNUM, 9)}`;
}

export function newClientId(): string {
  return randomString(LOWER_ALNUM, 26);
}

export function newClientSecret(): string {
  return randomString(LOWER_ALNUM, 51);
}

export function newSub(): string {
  return randomUUID();
}

export function userPoolArn(region: string, accountId: string, poolId: string): string {
  return `arn:aws:cognito-idp:${region}:${accountId}:userpool/${poolId}`;
}

/** The part of the pool id after `_`: SRP hashes it into every password verifier. */
export function poolShortName(poolId: string): string {
  return poolId.slice(poolId.indexOf('_') + 1);
}
