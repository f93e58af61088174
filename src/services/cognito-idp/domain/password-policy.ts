/**
 * The pool's password policy, checked with AWS's messages, and temporary passwords that
 * satisfy it.
 * @module
 */
import { randomInt } from 'node:crypto';
import { invalidPassword } from '../errors.js';
import type { PoolConfig } from './pool-config.js';

/** The characters Cognito counts as symbols. */
const SYMBOLS = '^$*.[]{}()?"!@#%&/\\,><\':;|_~`=+- ';

function hasSymbol(p: string): boolean {
  for (const c of p) if (SYMBOLS.includes(c)) return true;
  return false;
}

/** Throws InvalidPasswordException naming the first rule the password breaks. */
export function checkPasswordPolicy(config: PoolConfig, password: string): void {
  const policy = config.Policies.PasswordPolicy;
  const fail = (why: string): never => {
    throw invalidPassword(`Password did not conform with policy: ${why}`);
  };
  if (/^\s|\s$/.test(password)) fail('Password must satisfy regular expression pattern: ^\\S.*\\S$');
  if ([...password].length < policy.MinimumLength) fail('Password not long enough');
  if (policy.RequireLowercase && !/[a-z]/.test(password)) fail('Password must have lowercase characters');
  if (policy.RequireUppercase && !/[A-Z]/.test(password)) fail('Password must have uppercase characters');
  if (policy.RequireNumbers && !/[0-9]/.test(password)) fail('Password must have numeric characters');
  if (policy.RequireSymbols && !hasSymbol(password.trim())) fail('Password must have symbol characters');
}

/** A random password that satisfies the policy (for AdminCreateUser without one). */
export function temporaryPassword(config: PoolConfig): string {
  const sets = ['abcdefghijkmnopqrstuvwxyz', 'ABCDEFGHJKLMNPQRSTUVWXYZ', '23456789', '^$*.[]{}()?!@#%&/,><:;|_~=+-'];
  const length = Math.max(config.Policies.PasswordPolicy.MinimumLength, 12);
  const chars = sets.map((s) => s[randomInt(s.length)]!);
  const all = sets.join('');
  while (chars.length < length) chars.push(all[randomInt(all.length)]!);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}
