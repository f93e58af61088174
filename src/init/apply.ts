/**
 * Declarative set-up: applies an init document to a running Gatehouse through the AWS
 * operations a user would call (SDK v3 clients with the root key), idempotently — what exists
 * and matches is left alone, so a second apply reports no change. The order follows what refers
 * to what: IAM policies, user pools with their clients, identity pools, roles (a trust policy
 * names its identity pool), the identity pools' roles, groups (a group may name a role) and
 * users, buckets.
 * @module
 */
import fs from 'node:fs';
import path from 'node:path';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { ApplyContext, errorCode, type ApplyTarget, type Change, type Outputs } from './context.js';
import { InitError, loadDocument, type InitDocument } from './document.js';
import { applyBucket, applyIdentityPool, applyIdentityPoolRoles, applyPolicy, applyRole, declareArns } from './resources.js';
import { applyGroupsAndUsers, applyUserPool } from './user-pools.js';

export { InitError } from './document.js';
export type { Change, Outputs } from './context.js';

export interface ApplyOptions extends ApplyTarget {
  /** The website endpoint of a bucket, for the outputs. */
  websiteUrl(bucket: string): string;
  /** Progress lines (what was created or updated). */
  say(line: string): void;
}

export interface ApplyResult {
  changes: Change[];
  outputs: Outputs;
  /** Created or updated. */
  changed: number;
}

export async function applyDocument(doc: InitDocument, baseDir: string, o: ApplyOptions): Promise<ApplyResult> {
  const c = new ApplyContext(o, baseDir, o.say);
  try {
    const who = await c.sts.send(new GetCallerIdentityCommand({}));
    if (who.Arn !== `arn:aws:iam::${who.Account}:root`) throw new InitError(`apply needs the root user's key; these credentials are ${who.Arn}`);
    c.outputs.accountId = who.Account!;
    c.refs.set('accountId', who.Account!);
    c.refs.set('region', o.region);
    const step = async (where: string, fn: () => Promise<void>): Promise<void> => {
      try {
        await fn();
      } catch (err) {
        if (err instanceof InitError) throw err;
        const code = errorCode(err);
        throw new InitError(`${where}: ${code === undefined ? '' : `${code}: `}${(err as Error).message}`);
      }
    };
    declareArns(c, doc.policies ?? [], doc.roles ?? []);
    for (const [i, p] of (doc.policies ?? []).entries()) await step(`policies[${i}] (${p.name})`, () => applyPolicy(c, p, `policies[${i}]`));
    for (const [i, p] of (doc.userPools ?? []).entries()) await step(`userPools[${i}] (${p.name})`, () => applyUserPool(c, p, `userPools[${i}]`));
    for (const [i, p] of (doc.identityPools ?? []).entries()) await step(`identityPools[${i}] (${p.name})`, () => applyIdentityPool(c, p, `identityPools[${i}]`));
    for (const [i, r] of (doc.roles ?? []).entries()) await step(`roles[${i}] (${r.name})`, () => applyRole(c, r, `roles[${i}]`));
    for (const [i, p] of (doc.identityPools ?? []).entries()) await step(`identityPools[${i}].roles`, () => applyIdentityPoolRoles(c, p, `identityPools[${i}]`));
    for (const [i, p] of (doc.userPools ?? []).entries()) await step(`userPools[${i}] (${p.name})`, () => applyGroupsAndUsers(c, p, `userPools[${i}]`));
    for (const [i, b] of (doc.buckets ?? []).entries()) await step(`buckets[${i}] (${b.name})`, () => applyBucket(c, b, `buckets[${i}]`, o.websiteUrl));
    return { changes: c.changes, outputs: c.outputs, changed: c.changes.filter((x) => x.action !== 'unchanged').length };
  } finally {
    c.close();
  }
}

/** Loads `file`, applies it, writes the outputs (ids, ARNs, secrets) to `outputFile` (mode 0600). */
export async function applyFile(file: string, outputFile: string | undefined, o: ApplyOptions): Promise<ApplyResult> {
  const doc = loadDocument(file);
  const result = await applyDocument(doc, path.dirname(path.resolve(file)), o);
  if (outputFile !== undefined) {
    const tmp = `${outputFile}.tmp-${process.pid}`;
    // Client secrets are in it: owner-only, written whole or not at all.
    fs.writeFileSync(tmp, JSON.stringify(result.outputs, null, 2) + '\n', { mode: 0o600 });
    fs.renameSync(tmp, outputFile);
  }
  return result;
}

/** One line for the end of an apply. */
export function summary(r: ApplyResult): string {
  const count = (a: string): number => r.changes.filter((x) => x.action === a).length;
  return r.changed === 0 ? `init: nothing to change (${r.changes.length} resources as declared)` : `init: ${count('created')} created, ${count('updated')} updated, ${count('unchanged')} unchanged`;
}
