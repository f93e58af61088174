/**
 * The full chain through the official clients: root creates a role that trusts the account →
 * AssumeRole → GetCallerIdentity as the session → IAM calls the role is (not) allowed: an
 * Allow, a role with no permissions (AccessDenied 403), an explicit Deny over an Allow →
 * expired credentials (the clock moved) rejected with ExpiredToken; an altered session token
 * rejected. Plus session policies, durations, role chaining, GetSessionToken, and the AWS CLI,
 * boto3 and aws-sdk v2.
 */
import { AttachRolePolicyCommand, CreatePolicyCommand, CreateRoleCommand, DeleteRolePolicyCommand, GetRoleCommand, IAMClient, ListRolesCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, GetSessionTokenCommand, STSClient, type Credentials } from '@aws-sdk/client-sts';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import AWS from 'aws-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli, boto3 } from '../../support/cli.js';
import { REGION, startServer, type TestServer } from '../../support/gatehouse.js';
import { errorOf } from '../../support/errors.js';

const ACCT = '000000000000';
let server: TestServer;
let iam: IAMClient;
let sts: STSClient;

const trustAccount = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'sts:AssumeRole' }] });
const allowListRoles = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'ListAndGet', Effect: 'Allow', Action: ['iam:ListRoles', 'iam:GetRole'], Resource: '*' }] });
const denyGetRole = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'NoGetRole', Effect: 'Deny', Action: 'iam:GetRole', Resource: '*' }] });

type Creds = { accessKeyId: string; secretAccessKey: string; sessionToken: string };
const asCreds = (c: Credentials | undefined): Creds => ({ accessKeyId: c!.AccessKeyId!, secretAccessKey: c!.SecretAccessKey!, sessionToken: c!.SessionToken! });


beforeAll(async () => {
  server = await startServer();
  iam = new IAMClient({ endpoint: server.url, region: REGION, credentials: server.credentials });
  sts = new STSClient({ endpoint: server.url, region: REGION, credentials: server.credentials });
  for (const name of ['Reader', 'Empty', 'Denied']) await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trustAccount }));
  await iam.send(new PutRolePolicyCommand({ RoleName: 'Reader', PolicyName: 'list', PolicyDocument: allowListRoles }));
  await iam.send(new PutRolePolicyCommand({ RoleName: 'Denied', PolicyName: 'list', PolicyDocument: allowListRoles }));
  const deny = await iam.send(new CreatePolicyCommand({ PolicyName: 'DenyGetRole', PolicyDocument: denyGetRole }));
  await iam.send(new AttachRolePolicyCommand({ RoleName: 'Denied', PolicyArn: deny.Policy!.Arn }));
});
afterAll(async () => {
  server.gatehouse.clock.reset();
  await server?.close();
});

async function assume(role: string, extra: Partial<ConstructorParameters<typeof AssumeRoleCommand>[0]> = {}): Promise<Creds> {
  const out = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/${role}`, RoleSessionName: 'tester', ...extra }));
  return asCreds(out.Credentials);
}

describe('AssumeRole and the session it makes', () => {
  it('issues AWS-shaped temporary credentials', async () => {
    const before = server.gatehouse.clock.now();
    const out = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/Reader`, RoleSessionName: 'alice@example.com', DurationSeconds: 900 }));
    const c = out.Credentials!;
    expect(c.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(c.SecretAccessKey).toHaveLength(40);
    expect(c.SessionToken!.length).toBeGreaterThan(100);
    expect(c.Expiration!.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 900_000);
    expect(c.Expiration!.getTime()).toBeLessThanOrEqual(before + 901_000);
    const role = (await iam.send(new GetRoleCommand({ RoleName: 'Reader' }))).Role!;
    expect(out.AssumedRoleUser).toEqual({ AssumedRoleId: `${role.RoleId}:alice@example.com`, Arn: `arn:aws:sts::${ACCT}:assumed-role/Reader/alice@example.com` });
    expect(out.PackedPolicySize).toBeUndefined();
    expect((await iam.send(new GetRoleCommand({ RoleName: 'Reader' }))).Role!.RoleLastUsed).toMatchObject({ Region: REGION });
  });

  it('GetCallerIdentity answers as the assumed role', async () => {
    const creds = await assume('Reader');
    const me = await new STSClient({ endpoint: server.url, region: REGION, credentials: creds }).send(new GetCallerIdentityCommand({}));
    const role = (await iam.send(new GetRoleCommand({ RoleName: 'Reader' }))).Role!;
    expect(me).toMatchObject({ Account: ACCT, Arn: `arn:aws:sts::${ACCT}:assumed-role/Reader/tester`, UserId: `${role.RoleId}:tester` });
  });

  it('allows what the role\'s policy allows', async () => {
    const asReader = new IAMClient({ endpoint: server.url, region: REGION, credentials: await assume('Reader') });
    expect((await asReader.send(new ListRolesCommand({}))).Roles!.length).toBeGreaterThanOrEqual(3);
    expect((await asReader.send(new GetRoleCommand({ RoleName: 'Empty' }))).Role!.RoleName).toBe('Empty');
  });

  it('denies a role with no permissions: AccessDenied 403, logged with the reason', async () => {
    const asEmpty = new IAMClient({ endpoint: server.url, region: REGION, credentials: await assume('Empty') });
    expect(await errorOf(asEmpty.send(new ListRolesCommand({})))).toEqual({
      name: 'AccessDenied',
      message: `User: arn:aws:sts::${ACCT}:assumed-role/Empty/tester is not authorized to perform: iam:ListRoles on resource: * because no identity-based policy allows the iam:ListRoles action`,
      status: 403,
    });
    const line = server.logs().filter((l) => l.msg === 'policy deny' && l.action === 'iam:ListRoles').at(-1);
    expect(line).toMatchObject({ principal: `arn:aws:sts::${ACCT}:assumed-role/Empty/tester`, decision: 'ImplicitDeny', policyType: 'identity-based' });
  });

  it('lets an explicit Deny override an Allow, and logs the deciding statement', async () => {
    const asDenied = new IAMClient({ endpoint: server.url, region: REGION, credentials: await assume('Denied') });
    expect((await asDenied.send(new ListRolesCommand({}))).Roles!.length).toBeGreaterThan(0);
    const e = await errorOf(asDenied.send(new GetRoleCommand({ RoleName: 'Reader' })));
    expect(e).toEqual({
      name: 'AccessDenied',
      message: `User: arn:aws:sts::${ACCT}:assumed-role/Denied/tester is not authorized to perform: iam:GetRole on resource: arn:aws:iam::${ACCT}:role/Reader with an explicit deny in an identity-based policy`,
      status: 403,
    });
    const line = server.logs().filter((l) => l.msg === 'policy deny' && l.decision === 'ExplicitDeny').at(-1);
    expect(line).toMatchObject({ decidedBy: `arn:aws:iam::${ACCT}:policy/DenyGetRole#NoGetRole`, action: 'iam:GetRole' });
  });

  it('sees policy changes at once (the authorizer cache is invalidated)', async () => {
    await iam.send(new CreateRoleCommand({ RoleName: 'Changing', AssumeRolePolicyDocument: trustAccount }));
    const client = new IAMClient({ endpoint: server.url, region: REGION, credentials: await assume('Changing') });
    expect((await errorOf(client.send(new ListRolesCommand({})))).name).toBe('AccessDenied');
    await iam.send(new PutRolePolicyCommand({ RoleName: 'Changing', PolicyName: 'list', PolicyDocument: allowListRoles }));
    expect((await client.send(new ListRolesCommand({}))).Roles!.length).toBeGreaterThan(0);
    await iam.send(new DeleteRolePolicyCommand({ RoleName: 'Changing', PolicyName: 'list' }));
    expect((await errorOf(client.send(new ListRolesCommand({})))).name).toBe('AccessDenied');
  });

  it('rejects expired credentials with ExpiredToken once the clock passes the expiration', async () => {
    const creds = await assume('Reader', { DurationSeconds: 900 });
    const client = new STSClient({ endpoint: server.url, region: REGION, credentials: creds });
    await client.send(new GetCallerIdentityCommand({}));
    server.gatehouse.clock.advance(901_000);
    try {
      // The SDK signs with the server's (moved) time so only the credentials' age matters.
      const skewed = new STSClient({ endpoint: server.url, region: REGION, credentials: creds, systemClockOffset: 901_000 });
      expect(await errorOf(skewed.send(new GetCallerIdentityCommand({})))).toEqual({ name: 'ExpiredToken', message: 'The security token included in the request is expired', status: 403 });
      const iamSkewed = new IAMClient({ endpoint: server.url, region: REGION, credentials: creds, systemClockOffset: 901_000 });
      expect((await errorOf(iamSkewed.send(new ListRolesCommand({})))).name).toBe('ExpiredToken');
    } finally {
      server.gatehouse.clock.reset();
    }
  });

  it('rejects an altered, a missing, or another session\'s token with InvalidClientTokenId', async () => {
    const creds = await assume('Reader');
    const other = await assume('Empty');
    const flip = creds.sessionToken.slice(0, 40) + (creds.sessionToken[40] === 'A' ? 'B' : 'A') + creds.sessionToken.slice(41);
    for (const sessionToken of [flip, other.sessionToken, 'made-up-token']) {
      const e = await errorOf(new STSClient({ endpoint: server.url, region: REGION, credentials: { ...creds, sessionToken } }).send(new GetCallerIdentityCommand({})));
      expect(e).toEqual({ name: 'InvalidClientTokenId', message: 'The security token included in the request is invalid.', status: 403 });
    }
    const noToken = await errorOf(new STSClient({ endpoint: server.url, region: REGION, credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey } }).send(new GetCallerIdentityCommand({})));
    expect(noToken.name).toBe('InvalidClientTokenId');
    const wrongSecret = await errorOf(new STSClient({ endpoint: server.url, region: REGION, credentials: { ...creds, secretAccessKey: other.secretAccessKey } }).send(new GetCallerIdentityCommand({})));
    expect(wrongSecret.name).toBe('SignatureDoesNotMatch');
  });
});

describe('AssumeRole refusals', () => {
  it('refuses a role whose trust policy does not match the caller', async () => {
    await iam.send(new CreateRoleCommand({ RoleName: 'ForEc2', AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] }) }));
    expect(await errorOf(assume('ForEc2'))).toEqual({ name: 'AccessDenied', message: `User: arn:aws:iam::${ACCT}:root is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${ACCT}:role/ForEc2`, status: 403 });
    expect((await errorOf(assume('NoSuchRole'))).name).toBe('AccessDenied');
  });

  it('enforces DurationSeconds limits with AWS\'s messages', async () => {
    expect(await errorOf(assume('Reader', { DurationSeconds: 7200 }))).toEqual({ name: 'ValidationError', message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.', status: 400 });
    const low = await errorOf(assume('Reader', { DurationSeconds: 60 }));
    expect(low.message).toBe("1 validation error detected: Value '60' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900");
    const bad = await errorOf(sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/Reader`, RoleSessionName: 'has space' })));
    expect(bad.name).toBe('ValidationError');
  });

  it('role chaining: a session may assume a role that trusts it, for at most an hour', async () => {
    const readerArn = `arn:aws:iam::${ACCT}:role/Reader`;
    await iam.send(new CreateRoleCommand({ RoleName: 'Chained', MaxSessionDuration: 7200, AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: readerArn }, Action: 'sts:AssumeRole' }] }) }));
    const asReader = new STSClient({ endpoint: server.url, region: REGION, credentials: await assume('Reader') });
    const chained = await asReader.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/Chained`, RoleSessionName: 'hop' }));
    expect(chained.AssumedRoleUser!.Arn).toBe(`arn:aws:sts::${ACCT}:assumed-role/Chained/hop`);
    expect(await errorOf(asReader.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/Chained`, RoleSessionName: 'hop', DurationSeconds: 3601 })))).toMatchObject({
      name: 'ValidationError',
      message: 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
    });
    // Empty's session is not named by Chained's trust policy and has no identity permission.
    const asEmpty = new STSClient({ endpoint: server.url, region: REGION, credentials: await assume('Empty') });
    expect((await errorOf(asEmpty.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/Chained`, RoleSessionName: 'hop' })))).name).toBe('AccessDenied');
  });
});

describe('session policies', () => {
  it('narrow the role\'s permissions and report PackedPolicySize', async () => {
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:ListRoles', Resource: '*' }] });
    const out = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/Reader`, RoleSessionName: 'narrow', Policy: policy }));
    expect(out.PackedPolicySize).toBeGreaterThan(0);
    expect(out.PackedPolicySize).toBeLessThanOrEqual(100);
    const client = new IAMClient({ endpoint: server.url, region: REGION, credentials: asCreds(out.Credentials) });
    expect((await client.send(new ListRolesCommand({}))).Roles!.length).toBeGreaterThan(0);
    expect(await errorOf(client.send(new GetRoleCommand({ RoleName: 'Reader' })))).toMatchObject({
      name: 'AccessDenied',
      message: `User: arn:aws:sts::${ACCT}:assumed-role/Reader/narrow is not authorized to perform: iam:GetRole on resource: arn:aws:iam::${ACCT}:role/Reader because no session policy allows the iam:GetRole action`,
    });
  });

  it('managed session policies (PolicyArns) intersect too', async () => {
    const out = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/Reader`, RoleSessionName: 's3only', PolicyArns: [{ arn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess' }] }));
    const client = new IAMClient({ endpoint: server.url, region: REGION, credentials: asCreds(out.Credentials) });
    expect((await errorOf(client.send(new ListRolesCommand({})))).name).toBe('AccessDenied');
  });

  it('refuse malformed or unknown session policies', async () => {
    expect(await errorOf(assume('Reader', { Policy: '{nope' }))).toEqual({ name: 'MalformedPolicyDocumentException', message: 'The policy is not in the valid JSON format.', status: 400 });
    const withPrincipal = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }] });
    expect((await errorOf(assume('Reader', { Policy: withPrincipal }))).message).toBe('Policy document should not specify a principal.');
    expect((await errorOf(assume('Reader', { PolicyArns: [{ arn: `arn:aws:iam::${ACCT}:policy/Nope` }] }))).name).toBe('MalformedPolicyDocumentException');
    const huge = JSON.stringify({ Version: '2012-10-17', Statement: Array.from({ length: 200 }, (_, i) => ({ Sid: `S${i}x${Math.random().toString(36).slice(2)}`, Effect: 'Allow', Action: `s3:Get${Math.random().toString(36).slice(2)}`, Resource: `arn:aws:s3:::${Math.random().toString(36).slice(2)}/*` })) });
    expect(await errorOf(assume('Reader', { Policy: huge }))).toMatchObject({ name: 'PackedPolicyTooLargeException', status: 400 });
  });
});

describe('session tags, source identity and permissions boundaries', () => {
  it('tags and a source identity need the trust policy to allow them; tags become aws:PrincipalTag keys', async () => {
    const trustAll = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: ACCT }, Action: ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'] }] });
    await iam.send(new CreateRoleCommand({ RoleName: 'Tagged', AssumeRolePolicyDocument: trustAll }));
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'Tagged',
        PolicyName: 'by-tag',
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:GetRole', Resource: `arn:aws:iam::${ACCT}:role/\${aws:PrincipalTag/project}` }] }),
      }),
    );
    const out = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/Tagged`, RoleSessionName: 'tags', Tags: [{ Key: 'project', Value: 'Reader' }], SourceIdentity: 'alice' }));
    expect(out.SourceIdentity).toBe('alice');
    expect(out.PackedPolicySize).toBeGreaterThan(0);
    const client = new IAMClient({ endpoint: server.url, region: REGION, credentials: asCreds(out.Credentials) });
    expect((await client.send(new GetRoleCommand({ RoleName: 'Reader' }))).Role!.RoleName).toBe('Reader');
    expect((await errorOf(client.send(new GetRoleCommand({ RoleName: 'Empty' })))).name).toBe('AccessDenied');
    // Reader's trust policy allows only sts:AssumeRole.
    expect(await errorOf(assume('Reader', { Tags: [{ Key: 'project', Value: 'x' }] }))).toEqual({
      name: 'AccessDenied',
      message: `User: arn:aws:iam::${ACCT}:root is not authorized to perform: sts:TagSession on resource: arn:aws:iam::${ACCT}:role/Reader`,
      status: 403,
    });
  });

  it('a permissions boundary caps what the role\'s policies allow', async () => {
    await iam.send(new CreateRoleCommand({ RoleName: 'Bounded', AssumeRolePolicyDocument: trustAccount, PermissionsBoundary: 'arn:aws:iam::aws:policy/AmazonCognitoReadOnly' }));
    await iam.send(new PutRolePolicyCommand({ RoleName: 'Bounded', PolicyName: 'all-iam', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:*', Resource: '*' }] }) }));
    expect((await iam.send(new GetRoleCommand({ RoleName: 'Bounded' }))).Role!.PermissionsBoundary).toEqual({ PermissionsBoundaryType: 'PermissionsBoundaryPolicy', PermissionsBoundaryArn: 'arn:aws:iam::aws:policy/AmazonCognitoReadOnly' });
    const client = new IAMClient({ endpoint: server.url, region: REGION, credentials: await assume('Bounded') });
    expect((await client.send(new ListRolesCommand({}))).Roles!.length).toBeGreaterThan(0);
    expect(await errorOf(client.send(new GetRoleCommand({ RoleName: 'Reader' })))).toMatchObject({
      name: 'AccessDenied',
      message: `User: arn:aws:sts::${ACCT}:assumed-role/Bounded/tester is not authorized to perform: iam:GetRole on resource: arn:aws:iam::${ACCT}:role/Reader because no permissions boundary allows the iam:GetRole action`,
    });
  });
});

describe('GetSessionToken', () => {
  it('gives root a temporary session; sessions cannot call it', async () => {
    const out = await sts.send(new GetSessionTokenCommand({ DurationSeconds: 900 }));
    const creds = asCreds(out.Credentials);
    expect(creds.accessKeyId).toMatch(/^ASIA/);
    const me = await new STSClient({ endpoint: server.url, region: REGION, credentials: creds }).send(new GetCallerIdentityCommand({}));
    expect(me).toMatchObject({ Arn: `arn:aws:iam::${ACCT}:root`, UserId: ACCT });
    const asRole = new STSClient({ endpoint: server.url, region: REGION, credentials: await assume('Reader') });
    expect(await errorOf(asRole.send(new GetSessionTokenCommand({})))).toEqual({ name: 'AccessDenied', message: 'Cannot call GetSessionToken with session credentials', status: 403 });
  });
});

describe('other clients', () => {
  it('the AWS CLI assumes a role and uses the session', async () => {
    const out = await awsCli(server.url, server.credentials, ['sts', 'assume-role', '--role-arn', `arn:aws:iam::${ACCT}:role/Reader`, '--role-session-name', 'cli']);
    expect(out.stderr).toBe('');
    const c = (JSON.parse(out.stdout) as { Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string; Expiration: string } }).Credentials;
    expect(c.Expiration).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\+00:00|Z)$/);
    const creds = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
    const me = await awsCli(server.url, creds, ['sts', 'get-caller-identity']);
    expect(JSON.parse(me.stdout)).toMatchObject({ Arn: `arn:aws:sts::${ACCT}:assumed-role/Reader/cli` });
    const denied = await awsCli(server.url, creds, ['iam', 'create-role', '--role-name', 'X', '--assume-role-policy-document', trustAccount]);
    expect(denied.stderr).toContain('An error occurred (AccessDenied) when calling the CreateRole operation: User: arn:aws:sts::000000000000:assumed-role/Reader/cli is not authorized to perform: iam:CreateRole');
  });

  it('boto3 assumes a role, uses the session, and is refused a role that does not trust it', async () => {
    const py = await boto3(
      server.url,
      server.credentials,
      `sts = boto3.client('sts', endpoint_url=ENDPOINT, region_name=REGION)
c = sts.assume_role(RoleArn='arn:aws:iam::${ACCT}:role/Reader', RoleSessionName='py', DurationSeconds=900)['Credentials']
s = boto3.client('sts', endpoint_url=ENDPOINT, region_name=REGION, aws_access_key_id=c['AccessKeyId'], aws_secret_access_key=c['SecretAccessKey'], aws_session_token=c['SessionToken'])
print(json.dumps(s.get_caller_identity()['Arn']))
try:
    sts.assume_role(RoleArn='arn:aws:iam::${ACCT}:role/ForEc2', RoleSessionName='py')
except botocore.exceptions.ClientError as e:
    print(json.dumps([e.response['Error']['Code'], e.response['ResponseMetadata']['HTTPStatusCode']]))`,
    );
    expect(py.stderr).toBe('');
    const lines = py.stdout.trim().split('\n').map((l) => JSON.parse(l) as unknown);
    expect(lines).toEqual([`arn:aws:sts::${ACCT}:assumed-role/Reader/py`, ['AccessDenied', 403]]);
  });

  it('SDK v3 fromTemporaryCredentials assumes a role for a client', async () => {
    const creds = fromTemporaryCredentials({ params: { RoleArn: `arn:aws:iam::${ACCT}:role/Reader`, RoleSessionName: 'provider' }, masterCredentials: server.credentials, clientConfig: { endpoint: server.url, region: REGION } });
    const me = await new STSClient({ endpoint: server.url, region: REGION, credentials: creds }).send(new GetCallerIdentityCommand({}));
    expect(me.Arn).toBe(`arn:aws:sts::${ACCT}:assumed-role/Reader/provider`);
  });

  it('aws-sdk v2 assumes a role and signs with the session token', async () => {
    const v2sts = new AWS.STS({ endpoint: server.url, region: REGION, credentials: new AWS.Credentials(server.credentials.accessKeyId, server.credentials.secretAccessKey) });
    const out = await v2sts.assumeRole({ RoleArn: `arn:aws:iam::${ACCT}:role/Reader`, RoleSessionName: 'v2' }).promise();
    const c = out.Credentials!;
    const asRole = new AWS.STS({ endpoint: server.url, region: REGION, credentials: new AWS.Credentials(c.AccessKeyId, c.SecretAccessKey, c.SessionToken) });
    expect((await asRole.getCallerIdentity().promise()).Arn).toBe(`arn:aws:sts::${ACCT}:assumed-role/Reader/v2`);
    const v2iam = new AWS.IAM({ endpoint: server.url, region: REGION, credentials: new AWS.Credentials(c.AccessKeyId, c.SecretAccessKey, c.SessionToken) });
    const err = await v2iam.createRole({ RoleName: 'Nope', AssumeRolePolicyDocument: trustAccount }).promise().catch((e: AWS.AWSError) => e);
    expect(err).toMatchObject({ code: 'AccessDenied', statusCode: 403 });
  });
});
