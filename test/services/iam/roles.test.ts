/**
 * IAM roles through the official clients: SDK v3, aws-sdk v2, the AWS CLI and boto3. Roles
 * with trust policies, inline policies, attachments, pagination, and AWS's errors for bad input.
 */
import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
  ListRoleTagsCommand,
  PutRolePolicyCommand,
  TagRoleCommand,
  UpdateAssumeRolePolicyCommand,
  UpdateRoleCommand,
} from '@aws-sdk/client-iam';
import AWS from 'aws-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli, boto3 } from '../../support/cli.js';
import { REGION, startServer, type TestServer } from '../../support/gatehouse.js';
import { errorOf } from '../../support/errors.js';

let server: TestServer;
let iam: IAMClient;
beforeAll(async () => {
  server = await startServer();
  iam = new IAMClient({ endpoint: server.url, region: REGION, credentials: server.credentials });
});
afterAll(async () => {
  await server?.close();
});

const ACCT = '000000000000';
const trust = (principal: object = { AWS: `arn:aws:iam::${ACCT}:root` }) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole' }] });
const s3Read = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'Read', Effect: 'Allow', Action: ['s3:GetObject'], Resource: 'arn:aws:s3:::bucket/*' }] });


describe('roles', () => {
  it('creates a role with an AROA id, an ARN with its path, and the trust policy URL-encoded', async () => {
    const doc = trust();
    const out = await iam.send(new CreateRoleCommand({ RoleName: 'WebApp', Path: '/apps/', AssumeRolePolicyDocument: doc, Description: 'web', Tags: [{ Key: 'team', Value: 'red' }] }));
    expect(out.Role).toMatchObject({ RoleName: 'WebApp', Path: '/apps/', Arn: `arn:aws:iam::${ACCT}:role/apps/WebApp`, Description: 'web', Tags: [{ Key: 'team', Value: 'red' }] });
    expect(out.Role!.RoleId).toMatch(/^AROA[A-Z2-7]{17}$/);
    expect(out.Role!.AssumeRolePolicyDocument).toBe(encodeURIComponent(doc));
    expect(out.Role!.CreateDate!.getMilliseconds()).toBe(0);

    const got = await iam.send(new GetRoleCommand({ RoleName: 'webapp' }));
    expect(got.Role).toMatchObject({ RoleName: 'WebApp', RoleId: out.Role!.RoleId, MaxSessionDuration: 3600, RoleLastUsed: {} });
    expect(decodeURIComponent(got.Role!.AssumeRolePolicyDocument!)).toBe(doc);
  });

  it('refuses a second role with the same name in any case', async () => {
    const e = await errorOf(iam.send(new CreateRoleCommand({ RoleName: 'WEBAPP', AssumeRolePolicyDocument: trust() })));
    expect(e).toEqual({ name: 'EntityAlreadyExistsException', message: 'Role with name WEBAPP already exists.', status: 409 });
  });

  it('answers NoSuchEntity for a missing role', async () => {
    const e = await errorOf(iam.send(new GetRoleCommand({ RoleName: 'Nope' })));
    expect(e).toEqual({ name: 'NoSuchEntityException', message: 'The role with name Nope cannot be found.', status: 404 });
  });

  it('refuses malformed trust policies with AWS\'s messages', async () => {
    const cases: [string, string][] = [
      ['{not json', 'Syntax errors in policy.'],
      [JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole', Resource: '*' }] }), 'Has prohibited field Resource'],
      [JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole' }] }), 'Missing required field Principal'],
      [trust({ AWS: `arn:aws:iam::${ACCT}:role/DoesNotExist` }), `Invalid principal in policy: "AWS":"arn:aws:iam::${ACCT}:role/DoesNotExist"`],
    ];
    for (const [doc, message] of cases) {
      const e = await errorOf(iam.send(new CreateRoleCommand({ RoleName: 'Bad', AssumeRolePolicyDocument: doc })));
      expect(e).toEqual({ name: 'MalformedPolicyDocumentException', message, status: 400 });
    }
    await expect(iam.send(new GetRoleCommand({ RoleName: 'Bad' }))).rejects.toThrow('cannot be found');
  });

  it('validates names against the model with AWS\'s wording', async () => {
    const e = await errorOf(iam.send(new CreateRoleCommand({ RoleName: 'has space', AssumeRolePolicyDocument: trust() })));
    expect(e.name).toBe('ValidationError');
    expect(e.message).toBe("1 validation error detected: Value 'has space' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+");
    const big = await errorOf(iam.send(new CreateRoleCommand({ RoleName: 'Big', AssumeRolePolicyDocument: trust(), MaxSessionDuration: 99999 })));
    expect(big.message).toContain("Value '99999' at 'maxSessionDuration' failed to satisfy constraint: Member must have value less than or equal to 43200");
  });

  it('updates the trust policy, description and session duration, and tags', async () => {
    const doc = trust({ AWS: ACCT });
    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'WebApp', PolicyDocument: doc }));
    await iam.send(new UpdateRoleCommand({ RoleName: 'WebApp', Description: 'changed', MaxSessionDuration: 7200 }));
    await iam.send(new TagRoleCommand({ RoleName: 'WebApp', Tags: [{ Key: 'TEAM', Value: 'blue' }, { Key: 'env', Value: 'dev' }] }));
    const got = (await iam.send(new GetRoleCommand({ RoleName: 'WebApp' }))).Role!;
    expect(decodeURIComponent(got.AssumeRolePolicyDocument!)).toBe(doc);
    expect(got).toMatchObject({ Description: 'changed', MaxSessionDuration: 7200 });
    expect((await iam.send(new ListRoleTagsCommand({ RoleName: 'WebApp' }))).Tags).toEqual([{ Key: 'TEAM', Value: 'blue' }, { Key: 'env', Value: 'dev' }]);
    const bad = await errorOf(iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'WebApp', PolicyDocument: s3Read })));
    expect(bad).toMatchObject({ name: 'MalformedPolicyDocumentException', message: 'Has prohibited field Resource' });
  });
});

describe('inline and attached policies', () => {
  beforeAll(async () => {
    await iam.send(new CreateRoleCommand({ RoleName: 'Worker', AssumeRolePolicyDocument: trust() }));
  });

  it('puts, gets (URL-encoded), lists and deletes inline policies', async () => {
    await iam.send(new PutRolePolicyCommand({ RoleName: 'Worker', PolicyName: 'S3Read', PolicyDocument: s3Read }));
    const got = await iam.send(new GetRolePolicyCommand({ RoleName: 'Worker', PolicyName: 's3read' }));
    expect(got).toMatchObject({ RoleName: 'Worker', PolicyName: 'S3Read', PolicyDocument: encodeURIComponent(s3Read) });
    expect((await iam.send(new ListRolePoliciesCommand({ RoleName: 'Worker' }))).PolicyNames).toEqual(['S3Read']);
    const missing = await errorOf(iam.send(new GetRolePolicyCommand({ RoleName: 'Worker', PolicyName: 'Nope' })));
    expect(missing).toEqual({ name: 'NoSuchEntityException', message: 'The role policy with name Nope cannot be found.', status: 404 });
  });

  it('refuses identity policies that name a principal, or have no resource', async () => {
    const withPrincipal = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: '*' }] });
    expect(await errorOf(iam.send(new PutRolePolicyCommand({ RoleName: 'Worker', PolicyName: 'x', PolicyDocument: withPrincipal })))).toMatchObject({
      name: 'MalformedPolicyDocumentException',
      message: 'Policy document should not specify a principal.',
      status: 400,
    });
    const noResource = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*' }] });
    expect((await errorOf(iam.send(new PutRolePolicyCommand({ RoleName: 'Worker', PolicyName: 'x', PolicyDocument: noResource })))).message).toBe('Policy statement must contain resources.');
    expect((await errorOf(iam.send(new PutRolePolicyCommand({ RoleName: 'Nobody', PolicyName: 'x', PolicyDocument: s3Read })))).name).toBe('NoSuchEntityException');
  });

  it('attaches AWS-managed policies, lists and detaches them', async () => {
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'Worker', PolicyArn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess' }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'Worker', PolicyArn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess' }));
    expect((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'Worker' }))).AttachedPolicies).toEqual([
      { PolicyName: 'AmazonS3ReadOnlyAccess', PolicyArn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess' },
    ]);
    const unknown = await errorOf(iam.send(new AttachRolePolicyCommand({ RoleName: 'Worker', PolicyArn: 'arn:aws:iam::aws:policy/NoSuchPolicy' })));
    expect(unknown).toEqual({ name: 'NoSuchEntityException', message: 'Policy arn:aws:iam::aws:policy/NoSuchPolicy does not exist or is not attachable.', status: 404 });
    const badArn = await errorOf(iam.send(new AttachRolePolicyCommand({ RoleName: 'Worker', PolicyArn: 'arn:aws:s3:::not-a-policy' })));
    expect(badArn).toEqual({ name: 'InvalidInputException', message: 'ARN arn:aws:s3:::not-a-policy is not valid.', status: 400 });
  });

  it('will not delete a role that still has policies (DeleteConflict)', async () => {
    expect(await errorOf(iam.send(new DeleteRoleCommand({ RoleName: 'Worker' })))).toEqual({
      name: 'DeleteConflictException',
      message: 'Cannot delete entity, must detach all policies first.',
      status: 409,
    });
    await iam.send(new DetachRolePolicyCommand({ RoleName: 'Worker', PolicyArn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess' }));
    expect((await errorOf(iam.send(new DeleteRoleCommand({ RoleName: 'Worker' })))).message).toBe('Cannot delete entity, must delete policies first.');
    const notAttached = await errorOf(iam.send(new DetachRolePolicyCommand({ RoleName: 'Worker', PolicyArn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess' })));
    expect(notAttached).toEqual({ name: 'NoSuchEntityException', message: 'Policy arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess was not found.', status: 404 });
    await iam.send(new DeleteRolePolicyCommand({ RoleName: 'Worker', PolicyName: 'S3Read' }));
    await iam.send(new DeleteRoleCommand({ RoleName: 'Worker' }));
    expect((await errorOf(iam.send(new GetRoleCommand({ RoleName: 'Worker' })))).name).toBe('NoSuchEntityException');
  });

  it('enforces the quota of 10 managed policies per role', async () => {
    await iam.send(new CreateRoleCommand({ RoleName: 'Crowded', AssumeRolePolicyDocument: trust() }));
    const { CreatePolicyCommand } = await import('@aws-sdk/client-iam');
    for (let i = 0; i < 10; i++) {
      const p = await iam.send(new CreatePolicyCommand({ PolicyName: `Quota${i}`, PolicyDocument: s3Read }));
      await iam.send(new AttachRolePolicyCommand({ RoleName: 'Crowded', PolicyArn: p.Policy!.Arn }));
    }
    const e = await errorOf(iam.send(new AttachRolePolicyCommand({ RoleName: 'Crowded', PolicyArn: 'arn:aws:iam::aws:policy/AmazonS3FullAccess' })));
    expect(e).toEqual({ name: 'LimitExceededException', message: 'Cannot exceed quota for PoliciesPerRole: 10', status: 409 });
  });
});

describe('quotas and bad input', () => {
  it('refuses duplicate tag keys (case-insensitive) and more than 50 tags', async () => {
    expect(await errorOf(iam.send(new CreateRoleCommand({ RoleName: 'Dup', AssumeRolePolicyDocument: trust(), Tags: [{ Key: 'a', Value: '1' }, { Key: 'A', Value: '2' }] })))).toEqual({
      name: 'InvalidInputException',
      message: 'Duplicate tag keys found. Please note that Tag keys are case insensitive.',
      status: 400,
    });
    await iam.send(new CreateRoleCommand({ RoleName: 'ManyTags', AssumeRolePolicyDocument: trust() }));
    const tags = Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    await iam.send(new TagRoleCommand({ RoleName: 'ManyTags', Tags: tags }));
    expect(await errorOf(iam.send(new TagRoleCommand({ RoleName: 'ManyTags', Tags: [{ Key: 'one-more', Value: 'v' }] })))).toEqual({ name: 'LimitExceededException', message: 'Cannot exceed quota for TagsPerRole: 50', status: 409 });
  });

  it('refuses inline policies past the 10,240-character aggregate and trust policies past 2,048', async () => {
    await iam.send(new CreateRoleCommand({ RoleName: 'Full', AssumeRolePolicyDocument: trust() }));
    const chunk = (n: number) => JSON.stringify({ Version: '2012-10-17', Statement: Array.from({ length: n }, (_, i) => ({ Sid: `S${i}`, Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::a-rather-long-bucket-name-${i}/*` })) });
    await iam.send(new PutRolePolicyCommand({ RoleName: 'Full', PolicyName: 'one', PolicyDocument: chunk(60) }));
    expect(await errorOf(iam.send(new PutRolePolicyCommand({ RoleName: 'Full', PolicyName: 'two', PolicyDocument: chunk(60) })))).toEqual({
      name: 'LimitExceededException',
      message: 'Maximum policy size of 10240 bytes exceeded for role Full',
      status: 409,
    });
    const bigTrust = JSON.stringify({ Version: '2012-10-17', Statement: Array.from({ length: 40 }, (_, i) => ({ Sid: `T${i}`, Effect: 'Allow', Principal: { AWS: ACCT }, Action: 'sts:AssumeRole' })) });
    expect(await errorOf(iam.send(new CreateRoleCommand({ RoleName: 'BigTrust', AssumeRolePolicyDocument: bigTrust })))).toEqual({ name: 'LimitExceededException', message: 'Cannot exceed quota for ACLSizePerRole: 2048', status: 409 });
  });

  it('answers hand-made Query requests with AWS-shaped XML errors', async () => {
    const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A000000000000%3Arole%2FX&RoleSessionName=web' });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).toContain('<Code>ValidationError</Code>');
    expect(text).toContain("1 validation error detected: Value null at 'webIdentityToken' failed to satisfy constraint: Member must not be null");
    expect(text).toContain('xmlns="https://sts.amazonaws.com/doc/2011-06-15/"');
    const unsigned = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=ListRoles&Version=2010-05-08' });
    expect(unsigned.status).toBe(403);
    expect(await unsigned.text()).toContain('<Code>MissingAuthenticationToken</Code>');
  });
});

describe('ListRoles pagination', () => {
  it('pages with Marker and IsTruncated, in name order, filtered by path', async () => {
    for (let i = 0; i < 5; i++) await iam.send(new CreateRoleCommand({ RoleName: `Paged${i}`, Path: '/paged/', AssumeRolePolicyDocument: trust() }));
    const first = await iam.send(new ListRolesCommand({ PathPrefix: '/paged/', MaxItems: 2 }));
    expect(first.Roles!.map((r) => r.RoleName)).toEqual(['Paged0', 'Paged1']);
    expect(first.IsTruncated).toBe(true);
    const second = await iam.send(new ListRolesCommand({ PathPrefix: '/paged/', MaxItems: 2, Marker: first.Marker }));
    expect(second.Roles!.map((r) => r.RoleName)).toEqual(['Paged2', 'Paged3']);
    const third = await iam.send(new ListRolesCommand({ PathPrefix: '/paged/', MaxItems: 2, Marker: second.Marker }));
    expect(third.Roles!.map((r) => r.RoleName)).toEqual(['Paged4']);
    expect(third.IsTruncated).toBe(false);
    expect(third.Marker).toBeUndefined();
    expect(third.Roles![0]).not.toHaveProperty('RoleLastUsed');
  });

  it('refuses a marker it did not issue', async () => {
    expect((await errorOf(iam.send(new ListRolesCommand({ Marker: 'garbage' })))).name).toBe('ValidationError');
  });
});

describe('other clients', () => {
  it('aws-sdk v2 creates and reads roles', async () => {
    const v2 = new AWS.IAM({ endpoint: server.url, region: REGION, credentials: new AWS.Credentials(server.credentials.accessKeyId, server.credentials.secretAccessKey) });
    const created = await v2.createRole({ RoleName: 'FromV2', AssumeRolePolicyDocument: trust() }).promise();
    expect(created.Role.Arn).toBe(`arn:aws:iam::${ACCT}:role/FromV2`);
    const got = await v2.getRole({ RoleName: 'FromV2' }).promise();
    expect(decodeURIComponent(got.Role.AssumeRolePolicyDocument!)).toBe(trust());
    const err = await v2.getRole({ RoleName: 'Missing' }).promise().catch((e: AWS.AWSError) => e);
    expect(err).toMatchObject({ code: 'NoSuchEntity', statusCode: 404, message: 'The role with name Missing cannot be found.' });
  });

  it('the AWS CLI shows policy documents decoded, as botocore does for AWS', async () => {
    const created = await awsCli(server.url, server.credentials, ['iam', 'create-role', '--role-name', 'FromCli', '--assume-role-policy-document', trust()]);
    expect(created.stderr).toBe('');
    const role = (JSON.parse(created.stdout) as { Role: { AssumeRolePolicyDocument: unknown; Arn: string } }).Role;
    expect(role.Arn).toBe(`arn:aws:iam::${ACCT}:role/FromCli`);
    expect(role.AssumeRolePolicyDocument).toEqual(JSON.parse(trust()));
    const put = await awsCli(server.url, server.credentials, ['iam', 'put-role-policy', '--role-name', 'FromCli', '--policy-name', 'read', '--policy-document', s3Read]);
    expect(put.code).toBe(0);
    const got = await awsCli(server.url, server.credentials, ['iam', 'get-role-policy', '--role-name', 'FromCli', '--policy-name', 'read']);
    expect(JSON.parse(got.stdout)).toEqual({ RoleName: 'FromCli', PolicyName: 'read', PolicyDocument: JSON.parse(s3Read) });
    const missing = await awsCli(server.url, server.credentials, ['iam', 'get-role', '--role-name', 'NotThere']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('An error occurred (NoSuchEntity) when calling the GetRole operation: The role with name NotThere cannot be found.');
  });

  it('boto3 lists roles with its paginator', async () => {
    const py = await boto3(
      server.url,
      server.credentials,
      `iam = boto3.client('iam', endpoint_url=ENDPOINT, region_name=REGION)
names = []
for page in iam.get_paginator('list_roles').paginate(PathPrefix='/paged/', PaginationConfig={'PageSize': 2}):
    names += [r['RoleName'] for r in page['Roles']]
print(json.dumps(names))
try:
    iam.create_role(RoleName='Paged0', AssumeRolePolicyDocument='{}')
except botocore.exceptions.ClientError as e:
    print(json.dumps(e.response['Error']))`,
    );
    expect(py.stderr).toBe('');
    const [names, error] = py.stdout.trim().split('\n').map((l) => JSON.parse(l) as unknown);
    expect(names).toEqual(['Paged0', 'Paged1', 'Paged2', 'Paged3', 'Paged4']);
    expect(error).toMatchObject({ Code: 'MalformedPolicyDocument', Message: 'Syntax errors in policy.', Type: 'Sender' });
  });
});
