/**
 * The IamAuthorizer as S3 will use it: principals from sessions, resource-based policies (a
 * bucket policy) passed as JSON, condition context from the request plus keys the principal
 * implies, anonymous callers, root, and a log line naming the statement behind every deny.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log.js';
import type { AssumedRolePrincipal, Principal } from '../../../src/principal.js';
import { createIam, iamSchema, type Iam } from '../../../src/services/iam/index.js';
import type { RequestContext } from '../../../src/services/types.js';
import { migrateSqlite, SqliteDatabase } from '../../../src/store/sqlite.js';

const ACCT = '111122223333';
let db: SqliteDatabase;
let iam: Iam;
const lines: Record<string, unknown>[] = [];
const ctx = { now: () => Date.now(), accountId: ACCT, region: 'us-east-1' } as unknown as RequestContext;

async function op(name: string, input: object): Promise<unknown> {
  const handler = iam.service.operations[name] as unknown as (i: object, c: RequestContext) => Promise<unknown>;
  return handler(input, ctx);
}

let roleId: string;
function session(extra: Partial<AssumedRolePrincipal> = {}): AssumedRolePrincipal {
  return {
    kind: 'assumed-role',
    accountId: ACCT,
    arn: `arn:aws:sts::${ACCT}:assumed-role/Cognito_Auth/CognitoIdentityCredentials`,
    userId: `${roleId}:CognitoIdentityCredentials`,
    accessKeyId: 'ASIAEXAMPLE000000000',
    roleArn: `arn:aws:iam::${ACCT}:role/Cognito_Auth`,
    roleId,
    roleName: 'Cognito_Auth',
    sessionName: 'CognitoIdentityCredentials',
    expiration: Date.now() + 3600_000,
    contextKeys: { 'cognito-identity.amazonaws.com:sub': 'us-east-1:aaaa', 'aws:FederatedProvider': 'cognito-identity.amazonaws.com' },
    ...extra,
  };
}
const root: Principal = { kind: 'root', accountId: ACCT, arn: `arn:aws:iam::${ACCT}:root`, userId: ACCT, accessKeyId: 'AKIAROOT' };

beforeAll(async () => {
  db = new SqliteDatabase(':memory:');
  migrateSqlite(db, [iamSchema]);
  const sink = new Writable({ write(c: Buffer, _e, cb) { for (const l of c.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>); cb(); } });
  iam = createIam({ db, accountId: ACCT, log: createLogger('info', sink) });
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: 'cognito-identity.amazonaws.com' }, Action: 'sts:AssumeRoleWithWebIdentity' }] });
  const out = (await op('CreateRole', { RoleName: 'Cognito_Auth', AssumeRolePolicyDocument: trust })) as { Role: { RoleId: string } };
  roleId = out.Role.RoleId;
  await op('PutRolePolicy', {
    RoleName: 'Cognito_Auth',
    PolicyName: 'per-user',
    PolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'OwnPrefix', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: 'arn:aws:s3:::photos/private/${cognito-identity.amazonaws.com:sub}/*' },
        { Sid: 'NoPlainHttp', Effect: 'Deny', Action: 's3:*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' }, NotIpAddress: { 'aws:SourceIp': '127.0.0.0/8' } } },
      ],
    }),
  });
});
afterAll(async () => {
  await db.close();
});

const bucketPolicy = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Sid: 'PublicRead', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::photos/public/*' },
    { Sid: 'LockSecrets', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: 'arn:aws:s3:::photos/secret/*' },
  ],
});
const net = { 'aws:SourceIp': '203.0.113.9', 'aws:SecureTransport': 'true' };

describe('IamAuthorizer', () => {
  it('allows a session its own prefix through ${cognito-identity.amazonaws.com:sub}', async () => {
    const d = await iam.authorizer.authorize({ principal: session(), action: 's3:GetObject', resource: 'arn:aws:s3:::photos/private/us-east-1:aaaa/cat.jpg', context: net });
    expect(d).toEqual({ decision: 'Allow', decidedBy: 'role/Cognito_Auth/per-user#OwnPrefix', policyType: 'identity-based' });
    const other = await iam.authorizer.authorize({ principal: session(), action: 's3:GetObject', resource: 'arn:aws:s3:::photos/private/us-east-1:bbbb/cat.jpg', context: net });
    expect(other).toEqual({ decision: 'ImplicitDeny', policyType: 'identity-based' });
  });

  it('applies the Deny with conditions, and logs the deciding statement', async () => {
    const d = await iam.authorizer.authorize({ principal: session(), action: 's3:GetObject', resource: 'arn:aws:s3:::photos/private/us-east-1:aaaa/cat.jpg', context: { ...net, 'aws:SecureTransport': 'false' } });
    expect(d).toEqual({ decision: 'ExplicitDeny', decidedBy: 'role/Cognito_Auth/per-user#NoPlainHttp', policyType: 'identity-based' });
    expect(lines.at(-1)).toMatchObject({ msg: 'policy deny', decision: 'ExplicitDeny', decidedBy: 'role/Cognito_Auth/per-user#NoPlainHttp', action: 's3:GetObject' });
  });

  it('combines a bucket policy: public reads for anyone, an explicit Deny for everyone including root', async () => {
    expect(await iam.authorizer.authorize({ principal: undefined, action: 's3:GetObject', resource: 'arn:aws:s3:::photos/public/a.jpg', context: net, resourcePolicies: [bucketPolicy] })).toEqual({
      decision: 'Allow',
      decidedBy: 'resource-policy[0]#PublicRead',
      policyType: 'resource-based',
    });
    expect((await iam.authorizer.authorize({ principal: undefined, action: 's3:PutObject', resource: 'arn:aws:s3:::photos/public/a.jpg', context: net, resourcePolicies: [bucketPolicy] })).decision).toBe('ImplicitDeny');
    expect((await iam.authorizer.authorize({ principal: undefined, action: 's3:GetObject', resource: 'arn:aws:s3:::photos/private/x', context: net })).decision).toBe('ImplicitDeny');
    expect((await iam.authorizer.authorize({ principal: root, action: 's3:DeleteObject', resource: 'arn:aws:s3:::photos/secret/x', context: net, resourcePolicies: [bucketPolicy] })).decision).toBe('ExplicitDeny');
    expect((await iam.authorizer.authorize({ principal: root, action: 's3:DeleteObject', resource: 'arn:aws:s3:::photos/public/x', context: net, resourcePolicies: [bucketPolicy] })).decision).toBe('Allow');
    expect((await iam.authorizer.authorize({ principal: session(), action: 's3:GetObject', resource: 'arn:aws:s3:::photos/public/x', context: net, resourcePolicies: [bucketPolicy] })).decision).toBe('Allow');
  });

  it('ignores (and grants nothing by) a resource policy that does not compile', async () => {
    const d = await iam.authorizer.authorize({ principal: undefined, action: 's3:GetObject', resource: 'arn:aws:s3:::photos/public/a.jpg', context: net, resourcePolicies: ['{broken'] });
    expect(d.decision).toBe('ImplicitDeny');
  });

  it('grants nothing to a session whose role was deleted and re-created', async () => {
    const stale = session({ roleId: 'AROAOLDROLEIDXXXXXXXX' });
    expect((await iam.authorizer.authorize({ principal: stale, action: 's3:GetObject', resource: 'arn:aws:s3:::photos/private/us-east-1:aaaa/cat.jpg', context: net })).decision).toBe('ImplicitDeny');
  });

  it('intersects with the session policy carried by the session', async () => {
    const narrowed = session({ sessionPolicy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:PutObject', Resource: '*' }] }) });
    expect((await iam.authorizer.authorize({ principal: narrowed, action: 's3:PutObject', resource: 'arn:aws:s3:::photos/private/us-east-1:aaaa/x', context: net })).decision).toBe('Allow');
    expect(await iam.authorizer.authorize({ principal: narrowed, action: 's3:GetObject', resource: 'arn:aws:s3:::photos/private/us-east-1:aaaa/x', context: net })).toEqual({ decision: 'ImplicitDeny', policyType: 'session' });
  });

  it('sees role policy changes at once', async () => {
    const p = session();
    const resource = 'arn:aws:s3:::photos/shared/x';
    expect((await iam.authorizer.authorize({ principal: p, action: 's3:GetObject', resource, context: net })).decision).toBe('ImplicitDeny');
    await op('AttachRolePolicy', { RoleName: 'Cognito_Auth', PolicyArn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess' });
    expect(await iam.authorizer.authorize({ principal: p, action: 's3:GetObject', resource, context: net })).toEqual({ decision: 'Allow', decidedBy: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess[0]', policyType: 'identity-based' });
    await op('DetachRolePolicy', { RoleName: 'Cognito_Auth', PolicyArn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess' });
    expect((await iam.authorizer.authorize({ principal: p, action: 's3:GetObject', resource, context: net })).decision).toBe('ImplicitDeny');
  });

  it('provides principal keys (aws:userid, aws:PrincipalArn, aws:PrincipalType) to conditions', async () => {
    await op('PutRolePolicy', {
      RoleName: 'Cognito_Auth',
      PolicyName: 'keys',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalType': 'AssumedRole', 'aws:userid': `${roleId}:CognitoIdentityCredentials` }, ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/Cognito_*' }, Null: { 'aws:username': 'true', 'aws:TokenIssueTime': 'false' } } }],
      }),
    });
    const withIssue = session({ contextKeys: { ...session().contextKeys, 'aws:TokenIssueTime': '2026-01-01T00:00:00Z' } });
    expect((await iam.authorizer.authorize({ principal: withIssue, action: 'sqs:SendMessage', resource: 'arn:aws:sqs:us-east-1:111122223333:q', context: net })).decision).toBe('Allow');
    expect((await iam.authorizer.authorize({ principal: session(), action: 'sqs:SendMessage', resource: 'arn:aws:sqs:us-east-1:111122223333:q', context: net })).decision).toBe('ImplicitDeny');
  });
});
