/**
 * S3's authorization: AWS's action and resource for each operation, then one decision from
 * the policy engine (identity policies and the bucket policy, via the `Authorizer` seam), with
 * S3's own layers on top: canned-ACL grants to the public groups (only where ACLs are enabled
 * and Block Public Access does not ignore them) and RestrictPublicBuckets for public policies.
 * @module
 */
import type { Principal } from '../../principal.js';
import type { Authorizer } from '../iam/authorizer.js';
import { compileMatcher, matchesIgnoreCase } from '../iam/policy/match.js';
import { S3Errors } from './errors.js';
import type { BucketRow } from './store.js';

type Level = 'service' | 'bucket' | 'object';

/** Operation → [IAM action, resource level], as AWS maps S3 operations to actions. */
export const ACTIONS: Readonly<Record<string, readonly [string, Level]>> = {
  ListBuckets: ['s3:ListAllMyBuckets', 'service'],
  CreateBucket: ['s3:CreateBucket', 'bucket'],
  DeleteBucket: ['s3:DeleteBucket', 'bucket'],
  HeadBucket: ['s3:ListBucket', 'bucket'],
  GetBucketLocation: ['s3:GetBucketLocation', 'bucket'],
  ListObjects: ['s3:ListBucket', 'bucket'],
  ListObjectsV2: ['s3:ListBucket', 'bucket'],
  ListMultipartUploads: ['s3:ListBucketMultipartUploads', 'bucket'],
  GetBucketPolicy: ['s3:GetBucketPolicy', 'bucket'],
  PutBucketPolicy: ['s3:PutBucketPolicy', 'bucket'],
  DeleteBucketPolicy: ['s3:DeleteBucketPolicy', 'bucket'],
  GetBucketPolicyStatus: ['s3:GetBucketPolicyStatus', 'bucket'],
  GetBucketCors: ['s3:GetBucketCORS', 'bucket'],
  PutBucketCors: ['s3:PutBucketCORS', 'bucket'],
  DeleteBucketCors: ['s3:PutBucketCORS', 'bucket'],
  GetBucketWebsite: ['s3:GetBucketWebsite', 'bucket'],
  PutBucketWebsite: ['s3:PutBucketWebsite', 'bucket'],
  DeleteBucketWebsite: ['s3:DeleteBucketWebsite', 'bucket'],
  GetBucketAcl: ['s3:GetBucketAcl', 'bucket'],
  PutBucketAcl: ['s3:PutBucketAcl', 'bucket'],
  GetPublicAccessBlock: ['s3:GetBucketPublicAccessBlock', 'bucket'],
  PutPublicAccessBlock: ['s3:PutBucketPublicAccessBlock', 'bucket'],
  DeletePublicAccessBlock: ['s3:PutBucketPublicAccessBlock', 'bucket'],
  GetBucketOwnershipControls: ['s3:GetBucketOwnershipControls', 'bucket'],
  PutBucketOwnershipControls: ['s3:PutBucketOwnershipControls', 'bucket'],
  DeleteBucketOwnershipControls: ['s3:PutBucketOwnershipControls', 'bucket'],
  GetBucketVersioning: ['s3:GetBucketVersioning', 'bucket'],
  GetObject: ['s3:GetObject', 'object'],
  HeadObject: ['s3:GetObject', 'object'],
  PutObject: ['s3:PutObject', 'object'],
  CopyObject: ['s3:PutObject', 'object'],
  CreateMultipartUpload: ['s3:PutObject', 'object'],
  UploadPart: ['s3:PutObject', 'object'],
  UploadPartCopy: ['s3:PutObject', 'object'],
  CompleteMultipartUpload: ['s3:PutObject', 'object'],
  AbortMultipartUpload: ['s3:AbortMultipartUpload', 'object'],
  ListParts: ['s3:ListMultipartUploadParts', 'object'],
  DeleteObject: ['s3:DeleteObject', 'object'],
  // DeleteObjects is decided key by key as s3:DeleteObject; the request itself needs a bucket.
  DeleteObjects: ['s3:DeleteObject', 'bucket'],
  GetObjectAcl: ['s3:GetObjectAcl', 'object'],
  PutObjectAcl: ['s3:PutObjectAcl', 'object'],
};

export function resourceArn(level: Level, bucket: string | undefined, key: string | undefined): string {
  if (level === 'service' || bucket === undefined) return '*';
  if (level === 'bucket') return `arn:aws:s3:::${bucket}`;
  return `arn:aws:s3:::${bucket}/${key ?? ''}`;
}

export interface PublicAccessBlock {
  BlockPublicAcls: boolean;
  IgnorePublicAcls: boolean;
  BlockPublicPolicy: boolean;
  RestrictPublicBuckets: boolean;
}

const NO_BLOCK: PublicAccessBlock = { BlockPublicAcls: false, IgnorePublicAcls: false, BlockPublicPolicy: false, RestrictPublicBuckets: false };
export const BLOCK_ALL: PublicAccessBlock = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };

const pabCache = new Map<string, PublicAccessBlock>();
const policyPublicCache = new Map<string, boolean>();

function cached<V>(cache: Map<string, V>, key: string, make: () => V): V {
  let v = cache.get(key);
  if (v === undefined) {
    v = make();
    if (cache.size > 1000) cache.clear();
    cache.set(key, v);
  }
  return v;
}

export function publicAccessBlockOf(bucket: BucketRow): PublicAccessBlock {
  if (bucket.public_access_block === null) return NO_BLOCK;
  return cached(pabCache, bucket.public_access_block, () => JSON.parse(bucket.public_access_block!) as PublicAccessBlock);
}

/** ACLs count only where Object Ownership is not BucketOwnerEnforced (AWS's default since April 2023). */
export function aclsEnabled(bucket: BucketRow): boolean {
  return bucket.object_ownership !== 'BucketOwnerEnforced';
}

export const PUBLIC_CANNED_ACLS: ReadonlySet<string> = new Set(['public-read', 'public-read-write', 'authenticated-read']);

/** What a canned ACL grants the public groups, as the actions those grants allow. */
function aclAllows(acl: string, action: string, level: 'bucket' | 'object', principal: Principal | undefined): boolean {
  if (acl === 'private' || acl === 'bucket-owner-full-control' || acl === 'bucket-owner-read') return false;
  if (acl === 'authenticated-read' && principal === undefined) return false;
  const read = acl === 'public-read' || acl === 'public-read-write' || acl === 'authenticated-read';
  const write = acl === 'public-read-write';
  if (level === 'object') return read && action === 's3:GetObject';
  if (read && (action === 's3:ListBucket' || action === 's3:ListBucketMultipartUploads')) return true;
  return write && (action === 's3:PutObject' || action === 's3:DeleteObject');
}

/** Condition keys whose fixed values make a statement non-public (AWS's "meaning of public"). */
const NON_PUBLIC_KEYS = new Set([
  'aws:sourceip', 'aws:sourcevpc', 'aws:sourcevpce', 'aws:sourcearn', 'aws:sourceaccount', 'aws:sourceowner', 'aws:principalorgid',
  'aws:principalaccount', 'aws:principalarn', 'aws:userid', 'aws:principalservicename', 's3:dataaccesspointarn', 's3:dataaccesspointaccount',
]);

interface PolicyStatement {
  Effect?: unknown;
  Principal?: unknown;
  Condition?: unknown;
}

function isPublicPrincipal(p: unknown): boolean {
  if (p === '*') return true;
  if (p === null || typeof p !== 'object') return false;
  const aws = (p as Record<string, unknown>).AWS;
  return aws === '*' || (Array.isArray(aws) && aws.includes('*'));
}

/** Whether a bucket policy grants access to anyone: an Allow to `*` not pinned by a fixed-value condition. */
export function isPublicPolicy(policy: string): boolean {
  return cached(policyPublicCache, policy, () => {
    const doc = JSON.parse(policy) as { Statement?: PolicyStatement | PolicyStatement[] };
    const statements = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement === undefined ? [] : [doc.Statement];
    return statements.some((s) => {
      if (s.Effect !== 'Allow' || !isPublicPrincipal(s.Principal)) return false;
      if (s.Condition === undefined || s.Condition === null || typeof s.Condition !== 'object') return true;
      for (const block of Object.values(s.Condition as Record<string, unknown>)) {
        if (block === null || typeof block !== 'object') continue;
        for (const k of Object.keys(block as Record<string, unknown>)) if (NON_PUBLIC_KEYS.has(k.toLowerCase())) return false;
      }
      return true;
    });
  });
}

function actionPatterns(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function matchesAction(pattern: string, action: string): boolean {
  return matchesIgnoreCase(compileMatcher(pattern, { variables: false, lowerCase: true }), action);
}

/**
 * Whether anything could allow `action` on some object of `bucket` to an anonymous caller:
 * only the bucket's canned ACL (public-read-write, where ACLs count) or a bucket-policy Allow
 * to a public principal can. Conservative (NotAction, any condition: maybe), so a `false`
 * is certain and a request can be refused before its body is read.
 */
export function anonymousMayEver(bucket: BucketRow, action: string): boolean {
  const pab = publicAccessBlockOf(bucket);
  if (aclsEnabled(bucket) && !pab.IgnorePublicAcls && aclAllows(bucket.acl, action, 'bucket', undefined)) return true;
  if (bucket.policy === null) return false;
  const doc = JSON.parse(bucket.policy) as { Statement?: unknown };
  const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  return statements.some((st) => {
    if (st === null || typeof st !== 'object') return false;
    const s = st as Record<string, unknown>;
    if (s.Effect !== 'Allow' || !isPublicPrincipal(s.Principal)) return false;
    if (s.NotAction !== undefined) return true;
    return actionPatterns(s.Action).some((p) => matchesAction(p, action));
  });
}

export interface AccessRequest {
  principal: Principal | undefined;
  action: string;
  resource: string;
  /** Undefined for requests that name no bucket (ListBuckets) or create one. */
  bucket: BucketRow | undefined;
  /** The object's canned ACL, for object-level reads of an existing object. */
  objectAcl?: string | undefined;
  context: Readonly<Record<string, string | readonly string[]>>;
}

export type Decision = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';

/** One decision: the engine first (identity + bucket policy), then public ACL grants, then BPA. */
export async function decide(authorizer: Authorizer, r: AccessRequest): Promise<Decision> {
  const bucket = r.bucket;
  const policy = bucket?.policy ?? null;
  const d = await authorizer.authorize({
    principal: r.principal,
    action: r.action,
    resource: r.resource,
    context: r.context,
    ...(policy === null ? {} : { resourcePolicies: [policy] }),
    ...(bucket === undefined ? {} : { resourceAccount: bucket.owner_account }),
  });
  if (d.decision === 'ExplicitDeny') return 'ExplicitDeny';
  if (bucket === undefined) return d.decision;
  const pab = publicAccessBlockOf(bucket);
  if (d.decision === 'Allow') {
    // An anonymous caller can only have been allowed by the bucket policy.
    if (r.principal === undefined && pab.RestrictPublicBuckets && policy !== null && isPublicPolicy(policy)) return 'ImplicitDeny';
    return 'Allow';
  }
  if (!aclsEnabled(bucket) || pab.IgnorePublicAcls) return 'ImplicitDeny';
  const level = r.resource.indexOf('/') >= 0 ? 'object' : 'bucket';
  const acl = level === 'object' ? r.objectAcl : bucket.acl;
  if (acl !== undefined && aclAllows(acl, r.action, level, r.principal)) return 'Allow';
  return 'ImplicitDeny';
}

export function denied(r: Pick<AccessRequest, 'principal' | 'action' | 'resource'>, decision: Decision): Error {
  if (r.principal === undefined) return S3Errors.accessDenied();
  const why = decision === 'ExplicitDeny' ? 'with an explicit deny in a resource-based policy or an identity-based policy' : `because no identity-based policy allows the ${r.action} action`;
  return S3Errors.accessDenied(`User: ${r.principal.arn} is not authorized to perform: ${r.action} on resource: "${r.resource}" ${why}`);
}
