/**
 * What every step of an apply shares: the SDK clients (the same operations an app or the AWS CLI
 * calls), the references resolved so far, the outputs written at the end, and the list of
 * changes that tells a second apply "nothing to do".
 * @module
 */
import { CognitoIdentityClient } from '@aws-sdk/client-cognito-identity';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import { isDeepStrictEqual } from 'node:util';
import type { References } from './document.js';

export type Action = 'created' | 'updated' | 'unchanged';

export interface Change {
  kind: string;
  name: string;
  action: Action;
  detail?: string;
}

export interface Outputs {
  accountId: string;
  region: string;
  userPools: Record<string, { id: string; arn?: string; clients: Record<string, { id: string; secret?: string }> }>;
  identityPools: Record<string, { id: string }>;
  roles: Record<string, { arn: string }>;
  policies: Record<string, { arn: string }>;
  buckets: Record<string, { websiteUrl?: string }>;
}

export interface ApplyTarget {
  url: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

export class ApplyContext {
  readonly idp: CognitoIdentityProviderClient;
  readonly identity: CognitoIdentityClient;
  readonly iam: IAMClient;
  readonly s3: S3Client;
  readonly sts: STSClient;
  readonly refs: References = new Map();
  readonly changes: Change[] = [];
  readonly outputs: Outputs;

  constructor(
    readonly target: ApplyTarget,
    /** The init file's directory: upload dirs are relative to it. */
    readonly baseDir: string,
    private readonly say: (line: string) => void,
  ) {
    const common = { endpoint: target.url, region: target.region, credentials: target.credentials, maxAttempts: 1 };
    this.idp = new CognitoIdentityProviderClient(common);
    this.identity = new CognitoIdentityClient(common);
    this.iam = new IAMClient(common);
    this.s3 = new S3Client({ ...common, forcePathStyle: true });
    this.sts = new STSClient(common);
    this.outputs = { accountId: '', region: target.region, userPools: {}, identityPools: {}, roles: {}, policies: {}, buckets: {} };
  }

  record(kind: string, name: string, action: Action, detail?: string): void {
    this.changes.push({ kind, name, action, ...(detail === undefined ? {} : { detail }) });
    if (action !== 'unchanged') this.say(`${action} ${kind} ${name}${detail === undefined ? '' : ` (${detail})`}`);
  }

  close(): void {
    for (const c of [this.idp, this.identity, this.iam, this.s3, this.sts]) c.destroy();
  }
}

/** Pages through a List operation until `find` picks an item; its id, or undefined. */
export async function findInPages<T>(page: (token: string | undefined) => Promise<{ items: T[] | undefined; next: string | undefined }>, find: (item: T) => string | undefined): Promise<string | undefined> {
  let token: string | undefined;
  do {
    const p = await page(token);
    for (const item of p.items ?? []) {
      const id = find(item);
      if (id !== undefined) return id;
    }
    token = p.next;
  } while (token !== undefined);
  return undefined;
}

/** Whether every member `declared` names has the same value in `actual` (arrays: same members, same order). */
export function declaredMatches(declared: unknown, actual: unknown): boolean {
  if (declared === null || typeof declared !== 'object') return isDeepStrictEqual(declared, actual) || (typeof declared !== 'object' && String(declared) === String(actual ?? ''));
  if (Array.isArray(declared)) {
    return Array.isArray(actual) && actual.length === declared.length && declared.every((d, i) => declaredMatches(d, actual[i]));
  }
  if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false;
  return Object.entries(declared).every(([k, v]) => declaredMatches(v, (actual as Record<string, unknown>)[k]));
}

/** The members of `o` named in `keys`. */
export function pick(o: Record<string, unknown> | undefined, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (o?.[k] !== undefined) out[k] = o[k];
  return out;
}

/** An SDK error's AWS code. */
export function errorCode(err: unknown): string | undefined {
  const e = err as { name?: unknown; Code?: unknown };
  return typeof e.Code === 'string' ? e.Code : typeof e.name === 'string' ? e.name : undefined;
}

/** Runs `fn`, turning "does not exist" (the codes given) into undefined. */
export async function unlessMissing<T>(codes: readonly string[], fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    const c = errorCode(err);
    if (c !== undefined && codes.includes(c)) return undefined;
    throw err;
  }
}

/** A policy document as IAM returns it (URL-encoded JSON), parsed. */
export function decodePolicy(doc: string | undefined): unknown {
  if (doc === undefined) return undefined;
  try {
    return JSON.parse(doc.startsWith('%7B') || doc.startsWith('%7b') ? decodeURIComponent(doc) : doc);
  } catch {
    return undefined;
  }
}

/** Adds a signed request header to one SDK command (the fixed-id extension). */
export function withHeader<C extends { middlewareStack: { add: (...a: never[]) => unknown } }>(command: C, name: string, value: string | undefined): C {
  if (value === undefined) return command;
  (command.middlewareStack as unknown as { add: (mw: unknown, o: unknown) => void }).add(
    (next: (args: unknown) => Promise<unknown>) => async (args: { request: { headers: Record<string, string> } }) => {
      args.request.headers[name] = value;
      return next(args);
    },
    { step: 'build', name: `gatehouse-${name}` },
  );
  return command;
}
