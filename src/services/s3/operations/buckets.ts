/**
 * Bucket operations: ListBuckets, CreateBucket (with LocationConstraint, canned ACL and Object
 * Ownership), DeleteBucket, HeadBucket, GetBucketLocation, GetBucketVersioning.
 *
 * New buckets get what AWS gives them since April 2023: Block Public Access fully on and
 * Object Ownership BucketOwnerEnforced (ACLs disabled).
 * @module
 */
import { ServiceError } from '../../../errors.js';
import { childText, el } from '../../../protocols/rest-xml.js';
import { BLOCK_ALL, PUBLIC_CANNED_ACLS } from '../authorize.js';
import { bucketOf, doc, header, requireAccess, sendEmpty, sendXml, type S3Call } from '../context.js';
import { S3Errors } from '../errors.js';
import { openBody, readSmallBody } from '../streaming.js';
import { parseXmlBody } from '../../../protocols/rest-xml.js';
import { checkSmallBodyDigests, xmlTime } from './objects.js';
import { cannedAclFrom } from './write.js';

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IP_ADDRESS = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/;
export const OWNERSHIPS = new Set(['BucketOwnerEnforced', 'BucketOwnerPreferred', 'ObjectWriter']);

/** AWS's general-purpose bucket naming rules. */
export function isValidBucketName(name: string): boolean {
  return (
    BUCKET_NAME.test(name) &&
    !IP_ADDRESS.test(name) &&
    !name.includes('..') &&
    !name.includes('.-') &&
    !name.includes('-.') &&
    !name.startsWith('xn--') &&
    !name.startsWith('sthree-') &&
    !name.startsWith('amzn-s3-demo-') &&
    !name.endsWith('-s3alias') &&
    !name.endsWith('--ol-s3') &&
    !name.endsWith('.mrap') &&
    !name.endsWith('--x-s3')
  );
}

export async function ListBuckets(call: S3Call): Promise<void> {
  await requireAccess(call, 's3:ListAllMyBuckets', 'service');
  const q = call.route.query;
  const prefix = q.get('prefix') ?? '';
  const region = q.get('bucket-region');
  const maxRaw = q.get('max-buckets');
  let max = 10000;
  if (maxRaw !== undefined) {
    max = Number(maxRaw);
    if (!/^\d+$/.test(maxRaw) || max < 1 || max > 10000) throw S3Errors.invalidArgument('Invalid max-buckets value', 'max-buckets', maxRaw);
  }
  let after = '';
  const token = q.get('continuation-token');
  if (token !== undefined) after = Buffer.from(token, 'base64url').toString('utf8');
  const all = (await call.deps.store.listBuckets()).filter((b) => b.name.startsWith(prefix) && b.name > after && (region === undefined || b.region === region));
  const page = all.slice(0, max);
  let buckets = '';
  for (const b of page) buckets += `<Bucket>${el('Name', b.name)}${el('CreationDate', xmlTime(b.created_at))}${el('BucketRegion', b.region)}</Bucket>`;
  const next = all.length > max ? Buffer.from(page[page.length - 1]!.name).toString('base64url') : undefined;
  sendXml(
    call,
    200,
    doc(
      'ListAllMyBucketsResult',
      `<Buckets>${buckets}</Buckets><Owner>${el('DisplayName', 'gatehouse')}${el('ID', call.deps.ownerId)}</Owner>${el('ContinuationToken', next)}${q.has('prefix') ? el('Prefix', prefix) : ''}`,
    ),
  );
}

async function locationConstraint(call: S3Call): Promise<string | undefined> {
  const body = openBody(call.edge.req, call.auth.payload);
  const buf = await readSmallBody(body, 64 * 1024);
  checkSmallBodyDigests(call, buf, body.trailers);
  if (buf.length === 0) return undefined;
  const root = parseXmlBody(buf, 'CreateBucketConfiguration');
  const lc = childText(root, 'LocationConstraint');
  if (lc === undefined || lc === '') return undefined;
  if (lc === 'EU') return 'eu-west-1';
  if (!REGION.test(lc) || lc === 'us-east-1') throw S3Errors.invalidLocationConstraint(lc);
  return lc;
}

export async function CreateBucket(call: S3Call): Promise<void> {
  const name = call.route.bucket!;
  if (!isValidBucketName(name)) throw S3Errors.invalidBucketName(name);
  await requireAccess(call, 's3:CreateBucket', 'bucket');
  const acl = cannedAclFrom(call) ?? 'private';
  const ownership = header(call, 'x-amz-object-ownership') ?? 'BucketOwnerEnforced';
  if (!OWNERSHIPS.has(ownership)) throw S3Errors.invalidArgument('Invalid x-amz-object-ownership header', 'x-amz-object-ownership', ownership);
  if (header(call, 'x-amz-object-ownership') !== undefined) await requireAccess(call, 's3:PutBucketOwnershipControls', 'bucket');
  if (ownership === 'BucketOwnerEnforced' && acl !== 'private' && acl !== 'bucket-owner-full-control') {
    throw new ServiceError('InvalidBucketAclWithObjectOwnership', "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting", 400);
  }
  if (PUBLIC_CANNED_ACLS.has(acl)) {
    // New buckets start with Block Public Access on, so a public ACL cannot be set at creation.
    throw new ServiceError('InvalidBucketAclWithBlockPublicAccessError', 'Bucket cannot have public ACLs set with BlockPublicAccess enabled', 400);
  }
  const region = (await locationConstraint(call)) ?? call.deps.config.region;
  if (header(call, 'x-amz-bucket-object-lock-enabled') === 'true') throw S3Errors.notImplemented('Object Lock');
  const created = await call.deps.store.createBucket({
    name,
    region,
    owner_account: call.deps.config.accountId,
    created_at: call.now,
    acl,
    object_ownership: ownership,
    public_access_block: JSON.stringify(BLOCK_ALL),
    policy: null,
    cors: null,
    website: null,
  });
  if (!created) {
    // AWS, for legacy compatibility: re-creating a bucket you own in N. Virginia succeeds and
    // resets the bucket's ACL; everywhere else it is BucketAlreadyOwnedByYou.
    const existing = await call.deps.store.getBucket(name);
    if (existing === undefined || existing.region !== 'us-east-1' || region !== 'us-east-1') throw S3Errors.bucketAlreadyOwnedByYou(name);
    await call.deps.store.setBucketConfig(name, 'acl', acl);
  }
  sendEmpty(call, 200, { location: `/${name}` });
}

export async function DeleteBucket(call: S3Call): Promise<void> {
  const bucket = bucketOf(call);
  const r = await call.deps.store.deleteBucket(bucket.name);
  if (r === 'not-empty') throw S3Errors.bucketNotEmpty(bucket.name);
  if (r === 'missing') throw S3Errors.noSuchBucket(bucket.name);
  await call.deps.blobs.remove(r);
  sendEmpty(call, 204);
}

export function HeadBucket(call: S3Call): Promise<void> {
  sendEmpty(call, 200, { 'x-amz-bucket-region': bucketOf(call).region, 'x-amz-access-point-alias': 'false' });
  return Promise.resolve();
}

export function GetBucketLocation(call: S3Call): Promise<void> {
  const region = bucketOf(call).region;
  sendXml(call, 200, doc('LocationConstraint', region === 'us-east-1' ? '' : region));
  return Promise.resolve();
}

export function GetBucketVersioning(call: S3Call): Promise<void> {
  // Versioning is never enabled here; AWS answers an empty configuration for such buckets.
  sendXml(call, 200, doc('VersioningConfiguration', ''));
  return Promise.resolve();
}
