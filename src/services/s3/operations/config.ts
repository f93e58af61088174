/**
 * Bucket and object configuration: bucket policy (and policy status), ACLs (canned, and the
 * canned-equivalent AccessControlPolicy documents), Block Public Access, Object Ownership.
 * CORS and website configuration live in `../cors.ts` and `../website.ts`.
 * @module
 */
import { child, childText, children, el, malformedXml, type XmlNode } from '../../../protocols/rest-xml.js';
import { compileMatcher, matches } from '../../iam/policy/match.js';
import { PolicyDocumentError } from '../../iam/policy/errors.js';
import { parsePolicy } from '../../iam/policy/parse.js';
import { aclsEnabled, isPublicPolicy, PUBLIC_CANNED_ACLS, publicAccessBlockOf, type PublicAccessBlock } from '../authorize.js';
import { bucketOf, doc, keyOf, sendEmpty, sendXml, type S3Call } from '../context.js';
import { S3Errors } from '../errors.js';
import { openBody, readSmallBody } from '../streaming.js';
import { checkSmallBodyDigests, readXml } from './objects.js';
import { OWNERSHIPS } from './buckets.js';
import { cannedAclFrom } from './write.js';

// Bucket policy

const POLICY_LIMIT = 20 * 1024;

function asList(v: unknown): unknown[] {
  return Array.isArray(v) ? v : v === undefined ? [] : [v];
}

/** Validates a bucket policy the way S3 does before storing it. */
export function validateBucketPolicy(text: string, bucket: string): void {
  let doc: unknown;
  try {
    if (!text.trimStart().startsWith('{')) throw new Error('not an object');
    doc = JSON.parse(text);
  } catch {
    throw S3Errors.malformedPolicy("Policies must be valid JSON and the first byte must be '{'");
  }
  const statements = asList((doc as { Statement?: unknown }).Statement);
  if (statements.length === 0) throw S3Errors.malformedPolicy('Missing required field Statement');
  for (const raw of statements) {
    if (raw === null || typeof raw !== 'object') throw S3Errors.malformedPolicy('Statement is not an object');
    const s = raw as Record<string, unknown>;
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny') throw S3Errors.malformedPolicy(`Invalid effect: ${String(s.Effect)}`);
    if (s.Principal === undefined && s.NotPrincipal === undefined) throw S3Errors.malformedPolicy('Missing required field Principal');
    const actions = asList(s.Action ?? s.NotAction);
    if (actions.length === 0) throw S3Errors.malformedPolicy('Missing required field Action');
    for (const a of actions) if (typeof a !== 'string' || !(a === '*' || /^s3:[A-Za-z*?]+$/.test(a))) throw S3Errors.malformedPolicy('Policy has invalid action');
    const resources = asList(s.Resource ?? s.NotResource);
    if (resources.length === 0) throw S3Errors.malformedPolicy('Missing required field Resource');
    for (const r of resources) {
      if (typeof r !== 'string') throw S3Errors.malformedPolicy('Policy has invalid resource');
      if (r === '*') continue;
      const m = /^arn:aws:s3:::([^/]+)(\/.*)?$/.exec(r);
      if (m === null || !wildcardMatch(m[1]!, bucket)) throw S3Errors.malformedPolicy('Policy has invalid resource');
    }
  }
  // Then the policy engine's own parse, so that what is stored is what the engine will apply
  // (a policy it could not read would be skipped silently on every request).
  try {
    parsePolicy(text, 'resource');
  } catch (err) {
    if (!(err instanceof PolicyDocumentError)) throw err;
    throw S3Errors.malformedPolicy(S3_POLICY_MESSAGES[err.reason] ?? err.message);
  }
}

/** S3's MalformedPolicy wording where it differs from IAM's MalformedPolicyDocument. */
const S3_POLICY_MESSAGES: Partial<Record<PolicyDocumentError['reason'], string>> = {
  json: "Policies must be valid JSON and the first byte must be '{'",
  'principal-invalid': 'Invalid principal in policy',
  'principal-missing': 'Missing required field Principal',
  'action-invalid': 'Policy has invalid action',
  'action-missing': 'Missing required field Action',
  'resource-invalid': 'Policy has invalid resource',
  'resource-missing': 'Missing required field Resource',
};

/** The policy engine's glob matcher: linear, where a regular expression of many `*` backtracks for minutes. */
function wildcardMatch(pattern: string, value: string): boolean {
  return matches(compileMatcher(pattern, { variables: false }), value);
}

export async function PutBucketPolicy(call: S3Call): Promise<void> {
  const bucket = bucketOf(call);
  const body = openBody(call.edge.req, call.auth.payload);
  const buf = await readSmallBody(body, POLICY_LIMIT);
  checkSmallBodyDigests(call, buf, body.trailers);
  const text = buf.toString('utf8');
  validateBucketPolicy(text, bucket.name);
  if (publicAccessBlockOf(bucket).BlockPublicPolicy && isPublicPolicy(text)) throw S3Errors.accessDenied();
  await call.deps.store.setBucketConfig(bucket.name, 'policy', text);
  sendEmpty(call, 204);
}

export function GetBucketPolicy(call: S3Call): Promise<void> {
  const bucket = bucketOf(call);
  if (bucket.policy === null) throw S3Errors.noSuchPolicy(bucket.name);
  const buf = Buffer.from(bucket.policy, 'utf8');
  call.edge.res.writeHead(200, { 'content-type': 'application/json', 'content-length': buf.length });
  call.edge.res.end(buf);
  return Promise.resolve();
}

export async function DeleteBucketPolicy(call: S3Call): Promise<void> {
  await call.deps.store.setBucketConfig(bucketOf(call).name, 'policy', null);
  sendEmpty(call, 204);
}

export function GetBucketPolicyStatus(call: S3Call): Promise<void> {
  const bucket = bucketOf(call);
  if (bucket.policy === null) throw S3Errors.noSuchPolicy(bucket.name);
  sendXml(call, 200, doc('PolicyStatus', el('IsPublic', isPublicPolicy(bucket.policy))));
  return Promise.resolve();
}

// ACLs

const XSI = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';
const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';
const AUTHENTICATED_USERS = 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers';

function aclXml(call: S3Call, acl: string): string {
  const owner = `${el('ID', call.deps.ownerId)}${el('DisplayName', 'gatehouse')}`;
  const group = (uri: string, permission: string): string => `<Grant><Grantee ${XSI} xsi:type="Group">${el('URI', uri)}</Grantee>${el('Permission', permission)}</Grant>`;
  let grants = `<Grant><Grantee ${XSI} xsi:type="CanonicalUser">${owner}</Grantee><Permission>FULL_CONTROL</Permission></Grant>`;
  if (acl === 'public-read' || acl === 'public-read-write') grants += group(ALL_USERS, 'READ');
  if (acl === 'public-read-write') grants += group(ALL_USERS, 'WRITE');
  if (acl === 'authenticated-read') grants += group(AUTHENTICATED_USERS, 'READ');
  return doc('AccessControlPolicy', `<Owner>${owner}</Owner><AccessControlList>${grants}</AccessControlList>`);
}

/** The canned ACL an AccessControlPolicy document amounts to; other grant sets are not supported. */
function cannedFromPolicy(call: S3Call, root: XmlNode): string {
  const grants = children(child(root, 'AccessControlList'), 'Grant');
  const set = new Set<string>();
  for (const g of grants) {
    const grantee = child(g, 'Grantee');
    const permission = childText(g, 'Permission');
    const uri = childText(grantee, 'URI');
    const id = childText(grantee, 'ID');
    if (permission === undefined || grantee === undefined) throw malformedXml();
    if (id === call.deps.ownerId && permission === 'FULL_CONTROL') continue;
    if (uri === ALL_USERS && (permission === 'READ' || permission === 'WRITE')) set.add(`all:${permission}`);
    else if (uri === AUTHENTICATED_USERS && permission === 'READ') set.add('auth:READ');
    else throw S3Errors.notImplemented('ACL grants other than the canned ACLs (owner FULL_CONTROL, AllUsers READ/WRITE, AuthenticatedUsers READ)');
  }
  const key = [...set].sort().join(',');
  switch (key) {
    case '':
      return 'private';
    case 'all:READ':
      return 'public-read';
    case 'all:READ,all:WRITE':
      return 'public-read-write';
    case 'auth:READ':
      return 'authenticated-read';
    default:
      throw S3Errors.notImplemented('this combination of ACL grants');
  }
}

async function requestedAcl(call: S3Call): Promise<string> {
  const canned = cannedAclFrom(call);
  if (canned !== undefined) return canned;
  const root = await readXml(call, 'AccessControlPolicy', 64 * 1024);
  return cannedFromPolicy(call, root);
}

function checkAclAllowed(call: S3Call, acl: string): void {
  const bucket = bucketOf(call);
  if (!aclsEnabled(bucket) && acl !== 'private' && acl !== 'bucket-owner-full-control') throw S3Errors.aclNotSupported();
  if (PUBLIC_CANNED_ACLS.has(acl) && publicAccessBlockOf(bucket).BlockPublicAcls) throw S3Errors.accessDenied();
}

export function GetBucketAcl(call: S3Call): Promise<void> {
  const bucket = bucketOf(call);
  sendXml(call, 200, aclXml(call, aclsEnabled(bucket) ? bucket.acl : 'private'));
  return Promise.resolve();
}

export async function PutBucketAcl(call: S3Call): Promise<void> {
  const acl = await requestedAcl(call);
  checkAclAllowed(call, acl);
  await call.deps.store.setBucketConfig(bucketOf(call).name, 'acl', acl);
  sendEmpty(call, 200);
}

export async function GetObjectAcl(call: S3Call): Promise<void> {
  const bucket = bucketOf(call);
  const row = await call.deps.store.getObject(bucket.name, keyOf(call));
  if (row === undefined) throw S3Errors.noSuchKey(keyOf(call));
  sendXml(call, 200, aclXml(call, aclsEnabled(bucket) ? row.acl : 'private'));
}

export async function PutObjectAcl(call: S3Call): Promise<void> {
  const acl = await requestedAcl(call);
  checkAclAllowed(call, acl);
  if (!(await call.deps.store.setObjectAcl(bucketOf(call).name, keyOf(call), acl))) throw S3Errors.noSuchKey(keyOf(call));
  sendEmpty(call, 200);
}

// Block Public Access

const PAB_FIELDS = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'] as const;

export async function PutPublicAccessBlock(call: S3Call): Promise<void> {
  const root = await readXml(call, 'PublicAccessBlockConfiguration', 64 * 1024);
  const pab: Record<string, boolean> = {};
  for (const f of PAB_FIELDS) {
    const v = childText(root, f);
    if (v !== undefined && v !== 'true' && v !== 'false') throw malformedXml();
    pab[f] = v === 'true';
  }
  await call.deps.store.setBucketConfig(bucketOf(call).name, 'public_access_block', JSON.stringify(pab as unknown as PublicAccessBlock));
  sendEmpty(call, 200);
}

export function GetPublicAccessBlock(call: S3Call): Promise<void> {
  const bucket = bucketOf(call);
  if (bucket.public_access_block === null) throw S3Errors.noSuchPublicAccessBlock(bucket.name);
  const pab = publicAccessBlockOf(bucket);
  sendXml(call, 200, doc('PublicAccessBlockConfiguration', PAB_FIELDS.map((f) => el(f, pab[f])).join('')));
  return Promise.resolve();
}

export async function DeletePublicAccessBlock(call: S3Call): Promise<void> {
  await call.deps.store.setBucketConfig(bucketOf(call).name, 'public_access_block', null);
  sendEmpty(call, 204);
}

// Object Ownership

export async function PutBucketOwnershipControls(call: S3Call): Promise<void> {
  const root = await readXml(call, 'OwnershipControls', 64 * 1024);
  const rules = children(root, 'Rule');
  if (rules.length !== 1) throw malformedXml();
  const ownership = childText(rules[0], 'ObjectOwnership');
  if (ownership === undefined || !OWNERSHIPS.has(ownership)) throw malformedXml();
  await call.deps.store.setBucketConfig(bucketOf(call).name, 'object_ownership', ownership);
  sendEmpty(call, 200);
}

export function GetBucketOwnershipControls(call: S3Call): Promise<void> {
  const bucket = bucketOf(call);
  if (bucket.object_ownership === null) throw S3Errors.noOwnershipControls(bucket.name);
  sendXml(call, 200, doc('OwnershipControls', `<Rule>${el('ObjectOwnership', bucket.object_ownership)}</Rule>`));
  return Promise.resolve();
}

export async function DeleteBucketOwnershipControls(call: S3Call): Promise<void> {
  await call.deps.store.setBucketConfig(bucketOf(call).name, 'object_ownership', null);
  sendEmpty(call, 204);
}
