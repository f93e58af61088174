/**
 * Policy decisions per second on one core, for a realistic Cognito-style role: the AWS doc
 * example of a per-user S3 prefix through `${cognito-identity.amazonaws.com:sub}` (ListBucket
 * with an s3:prefix condition, Get/Put/Delete on the user's objects), an attached AWS-managed
 * policy, and a Deny with conditions (plain HTTP from outside a network). Measured three ways:
 * the engine alone, the IamAuthorizer as services call it (caches warm, request context built
 * per call, denies logged), and temporary-credential resolution (session token open + secret
 * derivation, cold and cached). Each case is checked to decide as expected before it is timed;
 * the figures are printed, not judged.
 *
 *   npx tsx bench/policy-engine.ts
 */
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { createLogger } from '../src/log.js';
import type { AssumedRolePrincipal } from '../src/principal.js';
import { createIam } from '../src/services/iam/index.js';
import { iamSchema } from '../src/services/iam/schema.js';
import { Context, evaluate, lowerKeys, parsePolicy, type LabeledPolicy } from '../src/services/iam/policy/index.js';
import { SessionTokens } from '../src/services/sts/tokens.js';
import type { RequestContext } from '../src/services/types.js';
import { migrateSqlite, SqliteDatabase } from '../src/store/sqlite.js';

const ACCT = '000000000000';
const perUser = {
  Version: '2012-10-17',
  Statement: [
    { Sid: 'ListOwnPrefix', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: ['arn:aws:s3:::photos'], Condition: { StringLike: { 's3:prefix': ['', 'private/', 'private/${cognito-identity.amazonaws.com:sub}/*'] } } },
    { Sid: 'OwnObjects', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], Resource: ['arn:aws:s3:::photos/private/${cognito-identity.amazonaws.com:sub}/*'] },
    { Sid: 'PublicRead', Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::photos/public/*' },
    { Sid: 'NoPlainHttpFromOutside', Effect: 'Deny', Action: 's3:*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' }, NotIpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '192.168.0.0/16'] } } },
  ],
};
const sub = 'us-east-1:7d3c2a1b-1111-2222-3333-444455556666';
const requestKeys = (secure: boolean): Record<string, string> => ({
  'aws:SourceIp': '203.0.113.10',
  'aws:SecureTransport': secure ? 'true' : 'false',
  'aws:CurrentTime': new Date().toISOString(),
  'aws:EpochTime': String(Math.floor(Date.now() / 1000)),
  'aws:UserAgent': 'aws-sdk-js/2.1693.0',
  'aws:RequestedRegion': 'us-east-1',
});

interface Case {
  name: string;
  action: string;
  resource: string;
  secure: boolean;
  expect: string;
}
const CASES: Case[] = [
  { name: 'allow  GetObject own prefix', action: 's3:GetObject', resource: `arn:aws:s3:::photos/private/${sub}/2024/cat.jpg`, secure: true, expect: 'Allow' },
  { name: 'allow  ListBucket (via managed policy)', action: 's3:ListBucket', resource: 'arn:aws:s3:::photos', secure: true, expect: 'Allow' },
  { name: 'implicit deny  PutObject other user', action: 's3:PutObject', resource: 'arn:aws:s3:::photos/private/us-east-1:someone-else/cat.jpg', secure: true, expect: 'ImplicitDeny' },
  { name: 'explicit deny  plain HTTP', action: 's3:GetObject', resource: `arn:aws:s3:::photos/private/${sub}/2024/cat.jpg`, secure: false, expect: 'ExplicitDeny' },
];

function measure(label: string, ms: number, fn: () => unknown): void {
  for (let i = 0; i < 20_000; i++) fn(); // warm up
  let n = 0;
  const start = process.hrtime.bigint();
  const until = start + BigInt(ms) * 1_000_000n;
  while (process.hrtime.bigint() < until) {
    for (let i = 0; i < 1000; i++) fn();
    n += 1000;
  }
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(`  ${label.padEnd(44)} ${Math.round(n / secs).toLocaleString('en-US').padStart(12)} /s   (${((secs / n) * 1e6).toFixed(2)} µs each)`);
}

async function measureAsync(label: string, ms: number, fn: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 20_000; i++) await fn();
  let n = 0;
  const start = process.hrtime.bigint();
  const until = start + BigInt(ms) * 1_000_000n;
  while (process.hrtime.bigint() < until) {
    for (let i = 0; i < 1000; i++) await fn();
    n += 1000;
  }
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(`  ${label.padEnd(44)} ${Math.round(n / secs).toLocaleString('en-US').padStart(12)} /s   (${((secs / n) * 1e6).toFixed(2)} µs each)`);
}

async function main(): Promise<void> {
  const ms = Number(process.env.BENCH_MS ?? 1500);
  console.log(`policy engine benchmark (node ${process.version}, one thread, ${ms} ms per figure)\n`);

  // 1. The engine alone.
  const identity: LabeledPolicy[] = [
    { label: 'role/Cognito_Auth/per-user', policy: parsePolicy(JSON.stringify(perUser), 'identity') },
    { label: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess', policy: parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:Get*', 's3:List*', 's3:Describe*', 's3-object-lambda:Get*', 's3-object-lambda:List*'], Resource: '*' }] }), 'identity') },
  ];
  const principalKeys = lowerKeys({ 'cognito-identity.amazonaws.com:sub': sub, 'aws:userid': `AROAEXAMPLE:CognitoIdentityCredentials`, 'aws:PrincipalArn': `arn:aws:iam::${ACCT}:role/Cognito_Auth`, 'aws:PrincipalType': 'AssumedRole' });
  const rp = { kind: 'assumed-role' as const, accountId: ACCT, arn: `arn:aws:sts::${ACCT}:assumed-role/Cognito_Auth/s`, roleArn: `arn:aws:iam::${ACCT}:role/Cognito_Auth` };
  console.log('engine: evaluate() with the request context built per decision');
  for (const c of CASES) {
    // A service builds one record of request keys per request; the engine reads it as given.
    const req = { ...requestKeys(c.secure), 's3:prefix': `private/${sub}/` };
    const ctx = (): Context => new Context(req, principalKeys);
    const got = evaluate({ action: c.action, resource: c.resource, context: ctx(), principal: rp, identity }).decision;
    if (got !== c.expect) throw new Error(`${c.name}: expected ${c.expect}, got ${got}`);
    measure(c.name, ms, () => evaluate({ action: c.action, resource: c.resource, context: ctx(), principal: rp, identity }));
  }

  // 2. The authorizer as a service calls it (IAM data in SQLite, caches warm).
  const db = new SqliteDatabase(':memory:');
  migrateSqlite(db, [iamSchema]);
  // Denies are logged as the server logs them (pino's asynchronous destination), to /dev/null.
  const iam = createIam({ db, accountId: ACCT, log: createLogger('info', pino.destination({ dest: '/dev/null', sync: false }) as unknown as NodeJS.WritableStream) });
  const call = async (op: string, input: object): Promise<unknown> =>
    (iam.service.operations[op] as unknown as (i: object, c: RequestContext) => Promise<unknown>)(input, { now: () => Date.now() } as RequestContext);
  const role = (await call('CreateRole', {
    RoleName: 'Cognito_Auth',
    AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: 'cognito-identity.amazonaws.com' }, Action: 'sts:AssumeRoleWithWebIdentity' }] }),
  })) as { Role: { RoleId: string } };
  await call('PutRolePolicy', { RoleName: 'Cognito_Auth', PolicyName: 'per-user', PolicyDocument: JSON.stringify(perUser) });
  await call('AttachRolePolicy', { RoleName: 'Cognito_Auth', PolicyArn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess' });
  const principal: AssumedRolePrincipal = {
    kind: 'assumed-role', accountId: ACCT, arn: `arn:aws:sts::${ACCT}:assumed-role/Cognito_Auth/CognitoIdentityCredentials`, userId: `${role.Role.RoleId}:CognitoIdentityCredentials`,
    accessKeyId: 'ASIAEXAMPLE000000000', roleArn: `arn:aws:iam::${ACCT}:role/Cognito_Auth`, roleId: role.Role.RoleId, roleName: 'Cognito_Auth', sessionName: 'CognitoIdentityCredentials',
    expiration: Date.now() + 3600_000, contextKeys: { 'cognito-identity.amazonaws.com:sub': sub, 'aws:FederatedProvider': 'cognito-identity.amazonaws.com', 'aws:TokenIssueTime': new Date().toISOString() },
  };
  console.log('\nIamAuthorizer.authorize() (caches warm; each deny writes its log line)');
  for (const c of CASES) {
    const context = { ...requestKeys(c.secure), 's3:prefix': `private/${sub}/` };
    const got = (await iam.authorizer.authorize({ principal, action: c.action, resource: c.resource, context })).decision;
    if (got !== c.expect) throw new Error(`${c.name}: expected ${c.expect}, got ${got}`);
    await measureAsync(c.name, ms, () => iam.authorizer.authorize({ principal, action: c.action, resource: c.resource, context }));
  }
  const bucketPolicy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'PublicRead', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::photos/public/*' }] });
  await measureAsync('anonymous GetObject via bucket policy', ms, () =>
    iam.authorizer.authorize({ principal: undefined, action: 's3:GetObject', resource: 'arn:aws:s3:::photos/public/a.jpg', context: requestKeys(true), resourcePolicies: [bucketPolicy] }),
  );

  // 3. Temporary credentials.
  const BENCH_ROOT = { accessKeyId: 'AKIABENCHROOT0000000', secretAccessKey: 'bench-root-secret-0000' };
  console.log('\ntemporary credentials (SessionTokens.resolve)');
  const hot = new SessionTokens(randomBytes(32), BENCH_ROOT);
  const claims = { t: 'a' as const, a: ACCT, ri: role.Role.RoleId, rn: 'Cognito_Auth', ra: principal.roleArn, s: 'CognitoIdentityCredentials', i: Date.now(), e: Date.now() + 3600_000, c: principal.contextKeys as Record<string, string> };
  const issued = Array.from({ length: 64 }, () => hot.issue(claims));
  const cold = new SessionTokens(randomBytes(32), BENCH_ROOT, 1);
  const coldIssued = Array.from({ length: 64 }, () => cold.issue(claims));
  let i = 0;
  const now = Date.now();
  measure('cold: open token + derive secret', ms, () => {
    const c = coldIssued[i++ & 63]!;
    return cold.resolveSync(c.AccessKeyId, c.SessionToken, now);
  });
  measure('warm: cached session', ms, () => {
    const c = issued[i++ & 63]!;
    return hot.resolveSync(c.AccessKeyId, c.SessionToken, now);
  });
  measure('issue: seal a new session token', ms, () => hot.issue(claims));
  console.log(`\n  session token length: ${issued[0]!.SessionToken.length} characters`);
  await db.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
