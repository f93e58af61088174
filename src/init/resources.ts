/**
 * IAM policies and roles, identity pools and S3 buckets, applied through their services' own
 * operations. Roles' and policies' ARNs are known before they exist (they are built from the
 * name), so an identity pool can name its roles and a role's trust policy its identity pool.
 * @module
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  CreateIdentityPoolCommand,
  DescribeIdentityPoolCommand,
  GetIdentityPoolRolesCommand,
  ListIdentityPoolsCommand,
  SetIdentityPoolRolesCommand,
  UpdateIdentityPoolCommand,
} from '@aws-sdk/client-cognito-identity';
import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  PutRolePolicyCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import {
  CreateBucketCommand,
  GetBucketCorsCommand,
  GetBucketPolicyCommand,
  GetBucketWebsiteCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutBucketCorsCommand,
  PutBucketPolicyCommand,
  PutBucketWebsiteCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  type CORSRule,
} from '@aws-sdk/client-s3';
import { ApplyContext, declaredMatches, decodePolicy, findInPages, unlessMissing } from './context.js';
import { InitError, substitute, type InitBucket, type InitIdentityPool, type InitPolicy, type InitRole } from './document.js';

/** An upload directory larger than this is a mistake, not a website. */
const MAX_UPLOAD_FILES = 10_000;

const normalizedPath = (p: string | undefined): string => (p === undefined ? '/' : `/${p.replace(/^\/+|\/+$/g, '')}/`.replace('//', '/'));

/** ARNs of everything the document declares in IAM, known up front. */
export function declareArns(c: ApplyContext, policies: readonly InitPolicy[], roles: readonly InitRole[]): void {
  const acct = c.outputs.accountId;
  for (const p of policies) c.refs.set(`policies.${p.name}.arn`, `arn:aws:iam::${acct}:policy${normalizedPath(p.path)}${p.name}`);
  for (const r of roles) c.refs.set(`roles.${r.name}.arn`, `arn:aws:iam::${acct}:role${normalizedPath(r.path)}${r.name}`);
}

export async function applyPolicy(c: ApplyContext, p: InitPolicy, where: string): Promise<void> {
  const arn = c.refs.get(`policies.${p.name}.arn`)!;
  const document = substitute(p.document, c.refs, `${where}.document`);
  const existing = (await unlessMissing(['NoSuchEntity', 'NoSuchEntityException'], () => c.iam.send(new GetPolicyCommand({ PolicyArn: arn }))))?.Policy;
  if (existing === undefined) {
    await c.iam.send(new CreatePolicyCommand({ PolicyName: p.name, Path: normalizedPath(p.path), Description: p.description, PolicyDocument: JSON.stringify(document) }));
    c.record('policy', p.name, 'created');
  } else {
    const version = await c.iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: existing.DefaultVersionId! }));
    if (declaredMatches(document, decodePolicy(version.PolicyVersion?.Document))) {
      c.record('policy', p.name, 'unchanged');
    } else {
      await c.iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: JSON.stringify(document), SetAsDefault: true }));
      c.record('policy', p.name, 'updated', 'new default version');
    }
  }
  c.outputs.policies[p.name] = { arn };
}

export async function applyRole(c: ApplyContext, r: InitRole, where: string): Promise<void> {
  const arn = c.refs.get(`roles.${r.name}.arn`)!;
  const trust = substitute(r.trust, c.refs, `${where}.trust`);
  const existing = (await unlessMissing(['NoSuchEntity', 'NoSuchEntityException'], () => c.iam.send(new GetRoleCommand({ RoleName: r.name }))))?.Role;
  let action: 'created' | 'updated' | 'unchanged' = 'unchanged';
  if (existing === undefined) {
    await c.iam.send(new CreateRoleCommand({ RoleName: r.name, Path: normalizedPath(r.path), Description: r.description, AssumeRolePolicyDocument: JSON.stringify(trust) }));
    action = 'created';
  } else if (!declaredMatches(trust, decodePolicy(existing.AssumeRolePolicyDocument))) {
    await c.iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: r.name, PolicyDocument: JSON.stringify(trust) }));
    action = 'updated';
  }
  const attached = new Set(existing === undefined ? [] : ((await c.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: r.name }))).AttachedPolicies ?? []).map((p) => p.PolicyArn));
  for (const [i, raw] of (r.managedPolicies ?? []).entries()) {
    const policyArn = substitute(raw, c.refs, `${where}.managedPolicies[${i}]`);
    if (attached.has(policyArn)) continue;
    await c.iam.send(new AttachRolePolicyCommand({ RoleName: r.name, PolicyArn: policyArn }));
    if (action === 'unchanged') action = 'updated';
  }
  for (const [name, raw] of Object.entries(r.inlinePolicies ?? {})) {
    const doc = substitute(raw, c.refs, `${where}.inlinePolicies.${name}`);
    const have = existing === undefined ? undefined : await unlessMissing(['NoSuchEntity', 'NoSuchEntityException'], () => c.iam.send(new GetRolePolicyCommand({ RoleName: r.name, PolicyName: name })));
    if (have !== undefined && declaredMatches(doc, decodePolicy(have.PolicyDocument))) continue;
    await c.iam.send(new PutRolePolicyCommand({ RoleName: r.name, PolicyName: name, PolicyDocument: JSON.stringify(doc) }));
    if (action === 'unchanged') action = 'updated';
  }
  c.record('role', r.name, action);
  c.outputs.roles[r.name] = { arn };
}

function findIdentityPool(c: ApplyContext, name: string): Promise<string | undefined> {
  return findInPages(
    async (token) => {
      const p = await c.identity.send(new ListIdentityPoolsCommand({ MaxResults: 60, NextToken: token }));
      return { items: p.IdentityPools, next: p.NextToken };
    },
    (pool) => (pool.IdentityPoolName === name ? pool.IdentityPoolId : undefined),
  );
}

export async function applyIdentityPool(c: ApplyContext, p: InitIdentityPool, where: string): Promise<void> {
  const providers = (p.providers ?? []).map((pr, i) => {
    const pool = c.outputs.userPools[pr.userPool];
    const client = pool?.clients[pr.client];
    if (pool === undefined || client === undefined) throw new InitError(`${where}.providers[${i}]: user pool "${pr.userPool}" with client "${pr.client}" is not declared in userPools`);
    return { ProviderName: `cognito-idp.${c.target.region}.amazonaws.com/${pool.id}`, ClientId: client.id, ServerSideTokenCheck: pr.serverSideTokenCheck ?? false };
  });
  const want = { IdentityPoolName: p.name, AllowUnauthenticatedIdentities: p.allowUnauthenticated ?? false, CognitoIdentityProviders: providers };
  const id = await findIdentityPool(c, p.name);
  if (id === undefined) {
    const out = await c.identity.send(new CreateIdentityPoolCommand(want));
    c.outputs.identityPools[p.name] = { id: out.IdentityPoolId! };
    c.record('identity pool', p.name, 'created', out.IdentityPoolId);
  } else {
    const have = await c.identity.send(new DescribeIdentityPoolCommand({ IdentityPoolId: id }));
    if (declaredMatches({ AllowUnauthenticatedIdentities: want.AllowUnauthenticatedIdentities, CognitoIdentityProviders: providers }, { ...have, CognitoIdentityProviders: have.CognitoIdentityProviders ?? [] })) {
      c.record('identity pool', p.name, 'unchanged', id);
    } else {
      await c.identity.send(new UpdateIdentityPoolCommand({ ...want, IdentityPoolId: id }));
      c.record('identity pool', p.name, 'updated', id);
    }
    c.outputs.identityPools[p.name] = { id };
  }
  c.refs.set(`identityPools.${p.name}.id`, c.outputs.identityPools[p.name]!.id);
}

export async function applyIdentityPoolRoles(c: ApplyContext, p: InitIdentityPool, where: string): Promise<void> {
  if (p.roles === undefined) return;
  const id = c.outputs.identityPools[p.name]!.id;
  const roles: Record<string, string> = {};
  for (const [kind, role] of Object.entries(p.roles)) {
    const arn = role.startsWith('arn:') ? role : c.refs.get(`roles.${role}.arn`);
    if (arn === undefined) throw new InitError(`${where}.roles.${kind}: "${role}" is neither a role ARN nor a role this document declares`);
    roles[kind] = arn;
  }
  const have = await c.identity.send(new GetIdentityPoolRolesCommand({ IdentityPoolId: id }));
  if (declaredMatches(roles, have.Roles ?? {}) && Object.keys(have.Roles ?? {}).length === Object.keys(roles).length) return;
  await c.identity.send(new SetIdentityPoolRolesCommand({ IdentityPoolId: id, Roles: roles }));
  c.record('identity pool roles', p.name, 'updated');
}

function contentType(file: string): string {
  const types: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'application/javascript', '.mjs': 'application/javascript', '.css': 'text/css', '.json': 'application/json', '.png': 'image/png', '.jpg': 'image/jpeg', '.svg': 'image/svg+xml', '.ico': 'image/x-icon', '.txt': 'text/plain; charset=utf-8', '.map': 'application/json' };
  return types[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

function filesUnder(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) filesUnder(p, out);
    else if (e.isFile()) out.push(p);
    if (out.length > MAX_UPLOAD_FILES) throw new InitError(`${dir}: more than ${MAX_UPLOAD_FILES} files to upload`);
  }
  return out;
}

export async function applyBucket(c: ApplyContext, b: InitBucket, where: string, websiteUrl: (bucket: string) => string): Promise<void> {
  const missing = ['NotFound', 'NoSuchBucket', 'NoSuchBucketPolicy', 'NoSuchCORSConfiguration', 'NoSuchWebsiteConfiguration', 'NoSuchPublicAccessBlockConfiguration', 'NoSuchKey'];
  let action: 'created' | 'updated' | 'unchanged' = 'unchanged';
  const touch = (): void => {
    if (action === 'unchanged') action = 'updated';
  };
  const exists = (await unlessMissing(missing, () => c.s3.send(new HeadBucketCommand({ Bucket: b.name })))) !== undefined;
  if (!exists) {
    await c.s3.send(new CreateBucketCommand({ Bucket: b.name }));
    action = 'created';
  }
  if (b.publicAccessBlock !== undefined) {
    const have = exists ? await unlessMissing(missing, () => c.s3.send(new GetPublicAccessBlockCommand({ Bucket: b.name }))) : undefined;
    if (!declaredMatches(b.publicAccessBlock, have?.PublicAccessBlockConfiguration)) {
      await c.s3.send(new PutPublicAccessBlockCommand({ Bucket: b.name, PublicAccessBlockConfiguration: b.publicAccessBlock }));
      touch();
    }
  }
  if (b.policy !== undefined) {
    const policy = substitute(b.policy, c.refs, `${where}.policy`);
    const have = exists ? await unlessMissing(missing, () => c.s3.send(new GetBucketPolicyCommand({ Bucket: b.name }))) : undefined;
    if (!declaredMatches(policy, decodePolicy(have?.Policy))) {
      await c.s3.send(new PutBucketPolicyCommand({ Bucket: b.name, Policy: JSON.stringify(policy) }));
      touch();
    }
  }
  if (b.cors !== undefined) {
    const have = exists ? await unlessMissing(missing, () => c.s3.send(new GetBucketCorsCommand({ Bucket: b.name }))) : undefined;
    if (!declaredMatches(b.cors, have?.CORSRules)) {
      await c.s3.send(new PutBucketCorsCommand({ Bucket: b.name, CORSConfiguration: { CORSRules: b.cors as unknown as CORSRule[] } }));
      touch();
    }
  }
  if (b.website !== undefined) {
    const want = { IndexDocument: { Suffix: b.website.indexDocument }, ...(b.website.errorDocument === undefined ? {} : { ErrorDocument: { Key: b.website.errorDocument } }) };
    const have = exists ? await unlessMissing(missing, () => c.s3.send(new GetBucketWebsiteCommand({ Bucket: b.name }))) : undefined;
    if (!declaredMatches(want, have)) {
      await c.s3.send(new PutBucketWebsiteCommand({ Bucket: b.name, WebsiteConfiguration: want }));
      touch();
    }
    c.outputs.buckets[b.name] = { websiteUrl: websiteUrl(b.name) };
  } else {
    c.outputs.buckets[b.name] = {};
  }
  if (b.upload !== undefined) {
    const dir = path.resolve(c.baseDir, b.upload.dir);
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new InitError(`${where}.upload.dir: ${dir} is not a directory`);
    const prefix = b.upload.prefix ?? '';
    let uploaded = 0;
    for (const file of filesUnder(dir)) {
      const key = prefix + path.relative(dir, file).split(path.sep).join('/');
      const body = fs.readFileSync(file);
      const etag = `"${createHash('md5').update(body).digest('hex')}"`;
      const have = exists ? await unlessMissing(missing, () => c.s3.send(new HeadObjectCommand({ Bucket: b.name, Key: key }))) : undefined;
      if (have?.ETag === etag && have.ContentType === contentType(file)) continue;
      await c.s3.send(new PutObjectCommand({ Bucket: b.name, Key: key, Body: body, ContentType: contentType(file) }));
      uploaded++;
    }
    if (uploaded > 0) touch();
    if (uploaded > 0) c.record('objects', `${b.name}/${prefix}`, 'updated', `${uploaded} uploaded`);
  }
  c.record('bucket', b.name, action);
}
