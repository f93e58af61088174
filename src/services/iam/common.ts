/**
 * What IAM's operation groups share: policy validation with AWS's quotas and messages,
 * Marker/IsTruncated pagination, tags.
 * @module
 */
import type { IamDirectory } from './directory.js';
import { entityAlreadyExists, invalidInput, limitExceeded, malformedPolicy, validationError } from './errors.js';
import { parseRoleArn } from './ids.js';
import { invalidPrincipalMessage, PolicyDocumentError, type CompiledPolicy, type PolicyKind } from './policy/index.js';
import type { Tag } from './repository.js';

/** AWS's default quotas, in characters of the document with white space removed. */
export const QUOTAS = {
  trustPolicySize: 2048,
  inlinePoliciesPerRoleSize: 10_240,
  managedPolicySize: 6144,
  managedPoliciesPerRole: 10,
  versionsPerPolicy: 5,
  clientIdsPerProvider: 100,
  thumbprintsPerProvider: 5,
  tagsPerEntity: 50,
} as const;

/** A document's size as IAM counts it: white space outside strings does not count. */
export function policySize(document: string): number {
  return JSON.stringify(JSON.parse(document)).length;
}

export function compileOrThrow(dir: IamDirectory, document: string, kind: PolicyKind): CompiledPolicy {
  try {
    return dir.policies.compile(document, kind);
  } catch (err) {
    if (err instanceof PolicyDocumentError) throw malformedPolicy(err.message);
    throw err;
  }
}

/**
 * A trust policy: valid grammar, within the size quota, and naming only roles that exist
 * when it names roles of this account (AWS resolves them to role ids on save).
 */
export async function validateTrustPolicy(dir: IamDirectory, document: string): Promise<void> {
  const compiled = compileOrThrow(dir, document, 'trust');
  if (policySize(document) > QUOTAS.trustPolicySize) throw limitExceeded(`Cannot exceed quota for ACLSizePerRole: ${QUOTAS.trustPolicySize}`);
  for (const st of compiled.statements) {
    for (const arn of st.principal?.aws ?? []) {
      const role = parseRoleArn(arn);
      if (role !== undefined && role.account === dir.accountId && (await dir.roleByArn(arn)) === undefined) {
        throw malformedPolicy(invalidPrincipalMessage('AWS', arn));
      }
    }
  }
}

export function checkTags(tags: readonly Tag[] | undefined): Tag[] {
  const list = [...(tags ?? [])];
  const seen = new Set<string>();
  for (const t of list) {
    const k = t.Key.toLowerCase();
    if (seen.has(k)) throw invalidInput('Duplicate tag keys found. Please note that Tag keys are case insensitive.');
    seen.add(k);
  }
  if (list.length > QUOTAS.tagsPerEntity) throw limitExceeded(`Cannot exceed quota for TagsPerRole: ${QUOTAS.tagsPerEntity}`);
  return list;
}

/** Tags after TagX: new keys added, existing keys (case-insensitively) replaced. */
export function mergeTags(existing: readonly Tag[], added: readonly Tag[]): Tag[] {
  checkTags(added);
  const out = existing.filter((t) => !added.some((a) => a.Key.toLowerCase() === t.Key.toLowerCase()));
  out.push(...added);
  if (out.length > QUOTAS.tagsPerEntity) throw limitExceeded(`Cannot exceed quota for TagsPerRole: ${QUOTAS.tagsPerEntity}`);
  return out;
}

export function removeTags(existing: readonly Tag[], keys: readonly string[]): Tag[] {
  const drop = new Set(keys.map((k) => k.toLowerCase()));
  return existing.filter((t) => !drop.has(t.Key.toLowerCase()));
}

/** Opaque pagination markers: the sort key of the last item returned. */
export function encodeMarker(key: string): string {
  return Buffer.from(`gh1:${key}`, 'utf8').toString('base64');
}

export function decodeMarker(marker: string | undefined): string {
  if (marker === undefined) return '';
  const text = Buffer.from(marker, 'base64').toString('utf8');
  if (!text.startsWith('gh1:')) throw validationError('Invalid Marker.');
  return text.slice(4);
}

export interface Page<T> {
  items: T[];
  IsTruncated: boolean;
  Marker?: string;
}

/** One page of `items` (sorted by `key`) after the marker; IAM's default page is 100 items. */
export function paginate<T>(items: readonly T[], key: (t: T) => string, marker: string | undefined, maxItems: number | undefined): Page<T> {
  const after = decodeMarker(marker);
  const max = maxItems ?? 100;
  const rest = after === '' ? items : items.filter((t) => key(t) > after);
  const page = rest.slice(0, max);
  if (rest.length > max) return { items: page, IsTruncated: true, Marker: encodeMarker(key(page.at(-1)!)) };
  return { items: page, IsTruncated: false };
}

export function alreadyExists(kind: 'role' | 'policy', name: string): never {
  throw entityAlreadyExists(kind === 'role' ? `Role with name ${name} already exists.` : `A policy called ${name} already exists. Duplicate names are not allowed.`);
}
