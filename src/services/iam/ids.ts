/**
 * IAM's identifiers and names: unique ids (`AROA…` roles, `ANPA…` policies: a 4-letter prefix
 * and 17 base32 characters, as AWS's), ARNs with paths, and the URL-encoding IAM applies to
 * every policy document it returns (botocore decodes it; the JavaScript SDKs hand it over as is).
 * @module
 */
import { randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function newUniqueId(prefix: 'AROA' | 'ANPA'): string {
  let s = prefix;
  for (const b of randomBytes(17)) s += ALPHABET[b & 31];
  return s;
}

export function roleArn(accountId: string, path: string, name: string): string {
  return `arn:aws:iam::${accountId}:role${path}${name}`;
}

export function policyArn(accountId: string, path: string, name: string): string {
  return `arn:aws:iam::${accountId}:policy${path}${name}`;
}

export function oidcProviderArn(accountId: string, urlKey: string): string {
  return `arn:aws:iam::${accountId}:oidc-provider/${urlKey}`;
}

/** `arn:aws:sts::<acct>:assumed-role/<name>/<session>` (the role's path is not part of it). */
export function assumedRoleArn(accountId: string, roleName: string, sessionName: string): string {
  return `arn:aws:sts::${accountId}:assumed-role/${roleName}/${sessionName}`;
}

/** IAM returns policy documents URL-encoded (RFC 3986, spaces as %20). */
export function encodePolicyDocument(document: string): string {
  return encodeURIComponent(document);
}

export interface ParsedPolicyArn {
  /** `aws` for AWS-managed policies, else the account id. */
  account: string;
  path: string;
  name: string;
}

const POLICY_ARN = /^arn:aws:iam::(aws|\d{12}):policy(\/(?:[^/]+\/)*)([\w+=,.@-]+)$/;

export function parsePolicyArn(arn: string): ParsedPolicyArn | undefined {
  const m = POLICY_ARN.exec(arn);
  return m === null ? undefined : { account: m[1]!, path: m[2]!, name: m[3]! };
}

const ROLE_ARN = /^arn:aws:iam::(\d{12}):role(\/(?:[^/]+\/)*)([\w+=,.@-]+)$/;

export function parseRoleArn(arn: string): { account: string; path: string; name: string } | undefined {
  const m = ROLE_ARN.exec(arn);
  return m === null ? undefined : { account: m[1]!, path: m[2]!, name: m[3]! };
}

/**
 * The key an OIDC provider is known by: its URL without the scheme, host lower-cased, no
 * trailing slash (`https://Example.com/path/` → `example.com/path`). It is also the prefix of
 * the provider's condition keys (`example.com/path:aud`).
 */
export function oidcUrlKey(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if ((u.protocol !== 'https:' && u.protocol !== 'http:') || u.hostname === '' || u.search !== '' || u.hash !== '' || u.username !== '') return undefined;
  const path = u.pathname.replace(/\/+$/, '');
  return `${u.host.toLowerCase()}${path}`;
}

/** IAM and STS report times to the second. */
export function wholeSeconds(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}
