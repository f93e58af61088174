/**
 * ListUsers' Filter: `AttributeName Filter-Type "AttributeValue"` with `=` (exact) or `^=`
 * (prefix), backslash-escaped quotes in the value, one attribute at a time, over the
 * attributes AWS lets you search. An empty filter matches everyone.
 * @module
 */
import { invalidParameter } from '../errors.js';
import type { User } from '../store/users.js';

/** Searchable attributes, and whether AWS compares them case-sensitively. */
const SEARCHABLE: Record<string, boolean> = Object.assign(Object.create(null) as Record<string, boolean>, {
  username: true,
  email: false,
  phone_number: false,
  name: false,
  given_name: false,
  family_name: false,
  preferred_username: false,
  'cognito:user_status': true,
  status: false,
  sub: true,
});

const GRAMMAR = /^\s*"?([A-Za-z_:]+)"?\s*(\^=|=)\s*"((?:[^"\\]|\\.)*)"\s*$/s;

export type UserFilter = (user: User) => boolean;

export function parseFilter(filter: string | undefined): UserFilter {
  if (filter === undefined || filter.trim() === '') return () => true;
  const m = GRAMMAR.exec(filter);
  if (m === null) throw invalidParameter('Error while parsing filter.');
  const [, name, op, raw] = m as unknown as [string, string, string, string];
  if (!Object.hasOwn(SEARCHABLE, name)) throw invalidParameter(`Invalid search attribute: ${name}`);
  const sensitive = SEARCHABLE[name]!;
  const wanted = sensitive ? raw.replace(/\\(.)/g, '$1') : raw.replace(/\\(.)/g, '$1').toLowerCase();
  const value = (u: User): string | undefined => {
    switch (name) {
      case 'username':
        return u.username;
      case 'cognito:user_status':
        return u.status;
      case 'status':
        return u.enabled ? 'enabled' : 'disabled';
      case 'sub':
        return u.sub;
      default:
        return u.attributes.get(name);
    }
  };
  return (u) => {
    let v = value(u);
    if (v === undefined) return false;
    if (!sensitive) v = v.toLowerCase();
    return op === '=' ? v === wanted : v.startsWith(wanted);
  };
}
