/**
 * Managed policies (customer-managed with versions, AWS-managed built in with AWS's documents)
 * and OIDC providers, through SDK v3, aws-sdk v2 and boto3, with AWS's errors for bad input.
 */
import {
  AddClientIDToOpenIDConnectProviderCommand,
  AttachRolePolicyCommand,
  CreateOpenIDConnectProviderCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  DeleteOpenIDConnectProviderCommand,
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  DetachRolePolicyCommand,
  GetOpenIDConnectProviderCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  IAMClient,
  ListEntitiesForPolicyCommand,
  ListOpenIDConnectProvidersCommand,
  ListPoliciesCommand,
  ListPolicyVersionsCommand,
  RemoveClientIDFromOpenIDConnectProviderCommand,
  SetDefaultPolicyVersionCommand,
  UpdateOpenIDConnectProviderThumbprintCommand,
} from '@aws-sdk/client-iam';
import AWS from 'aws-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boto3 } from '../../support/cli.js';
import { REGION, startServer, type TestServer } from '../../support/gatehouse.js';
import { errorOf } from '../../support/errors.js';

const ACCT = '000000000000';
let server: TestServer;
let iam: IAMClient;
beforeAll(async () => {
  server = await startServer();
  iam = new IAMClient({ endpoint: server.url, region: REGION, credentials: server.credentials });
});
afterAll(async () => {
  await server?.close();
});

const doc = (action: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });


describe('AWS-managed policies', () => {
  it('ship with AWS\'s ids, versions and documents', async () => {
    const p = (await iam.send(new GetPolicyCommand({ PolicyArn: 'arn:aws:iam::aws:policy/AmazonS3FullAccess' }))).Policy!;
    expect(p).toMatchObject({ PolicyName: 'AmazonS3FullAccess', PolicyId: 'ANPAIFIR6V6BVTRAHWINE', DefaultVersionId: 'v2', Path: '/', IsAttachable: true, AttachmentCount: 0 });
    const v = (await iam.send(new GetPolicyVersionCommand({ PolicyArn: p.Arn, VersionId: 'v2' }))).PolicyVersion!;
    expect(JSON.parse(decodeURIComponent(v.Document!))).toEqual({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:*', 's3-object-lambda:*'], Resource: '*' }] });
    expect(v.IsDefaultVersion).toBe(true);
    const ro = (await iam.send(new GetPolicyCommand({ PolicyArn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess' }))).Policy!;
    expect(ro).toMatchObject({ PolicyId: 'ANPAIZTJ4DXE7G6AGAE6M', DefaultVersionId: 'v3' });
  });

  it('are listed with Scope=AWS, and the Cognito console policies are there', async () => {
    const names = (await iam.send(new ListPoliciesCommand({ Scope: 'AWS' }))).Policies!.map((p) => p.PolicyName);
    expect(names).toEqual(expect.arrayContaining(['AmazonS3FullAccess', 'AmazonS3ReadOnlyAccess', 'AmazonCognitoPowerUser', 'AmazonCognitoReadOnly', 'AmazonCognitoDeveloperAuthenticatedIdentities']));
    expect((await errorOf(iam.send(new GetPolicyVersionCommand({ PolicyArn: 'arn:aws:iam::aws:policy/AmazonS3FullAccess', VersionId: 'v1' })))).message).toBe(
      'Policy arn:aws:iam::aws:policy/AmazonS3FullAccess version v1 does not exist or is not attachable.',
    );
  });

  it('cannot be deleted or changed', async () => {
    expect((await errorOf(iam.send(new DeletePolicyCommand({ PolicyArn: 'arn:aws:iam::aws:policy/AmazonS3FullAccess' })))).status).toBe(403);
    expect((await errorOf(iam.send(new CreatePolicyVersionCommand({ PolicyArn: 'arn:aws:iam::aws:policy/AmazonS3FullAccess', PolicyDocument: doc('s3:*') })))).name).toBe('AccessDenied');
  });
});

describe('customer-managed policies', () => {
  let arn: string;

  it('creates a policy with an ANPA id and v1', async () => {
    const p = (await iam.send(new CreatePolicyCommand({ PolicyName: 'ReadBuckets', Path: '/team/', PolicyDocument: doc('s3:Get*'), Description: 'read' }))).Policy!;
    arn = p.Arn!;
    expect(p).toMatchObject({ PolicyName: 'ReadBuckets', Arn: `arn:aws:iam::${ACCT}:policy/team/ReadBuckets`, DefaultVersionId: 'v1', AttachmentCount: 0, IsAttachable: true, Path: '/team/' });
    expect(p.PolicyId).toMatch(/^ANPA[A-Z2-7]{17}$/);
    expect((await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy!.Description).toBe('read');
  });

  it('refuses duplicates, malformed documents and bad ARNs with AWS\'s errors', async () => {
    expect(await errorOf(iam.send(new CreatePolicyCommand({ PolicyName: 'readbuckets', PolicyDocument: doc('s3:*') })))).toEqual({
      name: 'EntityAlreadyExistsException',
      message: 'A policy called readbuckets already exists. Duplicate names are not allowed.',
      status: 409,
    });
    expect(await errorOf(iam.send(new CreatePolicyCommand({ PolicyName: 'Bad', PolicyDocument: JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }) })))).toEqual({
      name: 'MalformedPolicyDocumentException',
      message: 'Policy document must be version 2012-10-17 or greater.',
      status: 400,
    });
    expect((await errorOf(iam.send(new CreatePolicyCommand({ PolicyName: 'Bad', PolicyDocument: doc('nocolon') })))).message).toBe('Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.');
    expect(await errorOf(iam.send(new GetPolicyCommand({ PolicyArn: `arn:aws:iam::${ACCT}:policy/Nope` })))).toEqual({ name: 'NoSuchEntityException', message: `Policy arn:aws:iam::${ACCT}:policy/Nope was not found.`, status: 404 });
    expect(await errorOf(iam.send(new GetPolicyCommand({ PolicyArn: 'arn:aws:iam::something-else' })))).toEqual({ name: 'InvalidInputException', message: 'ARN arn:aws:iam::something-else is not valid.', status: 400 });
    const big = JSON.stringify({ Version: '2012-10-17', Statement: Array.from({ length: 120 }, (_, i) => ({ Sid: `S${i}`, Effect: 'Allow', Action: `s3:GetObject`, Resource: `arn:aws:s3:::bucket-number-${i}/*` })) });
    expect(await errorOf(iam.send(new CreatePolicyCommand({ PolicyName: 'Big', PolicyDocument: big })))).toEqual({ name: 'LimitExceededException', message: 'Cannot exceed quota for PolicySize: 6144', status: 409 });
  });

  it('keeps up to five versions, switches the default, and deletes versions', async () => {
    for (let i = 2; i <= 5; i++) {
      const v = (await iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc(`s3:List${i}`), SetAsDefault: i === 3 }))).PolicyVersion!;
      expect(v).toMatchObject({ VersionId: `v${i}`, IsDefaultVersion: i === 3 });
    }
    expect(await errorOf(iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc('s3:*') })))).toEqual({
      name: 'LimitExceededException',
      message: 'A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.',
      status: 409,
    });
    expect((await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy!.DefaultVersionId).toBe('v3');
    const versions = (await iam.send(new ListPolicyVersionsCommand({ PolicyArn: arn }))).Versions!;
    expect(versions.map((v) => [v.VersionId, v.IsDefaultVersion])).toEqual([['v5', false], ['v4', false], ['v3', true], ['v2', false], ['v1', false]]);
    expect(await errorOf(iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v3' })))).toEqual({ name: 'DeleteConflictException', message: 'Cannot delete the default version of a policy.', status: 409 });
    await iam.send(new SetDefaultPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v5' }));
    const v5 = (await iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v5' }))).PolicyVersion!;
    expect(decodeURIComponent(v5.Document!)).toBe(doc('s3:List5'));
    for (const v of ['v1', 'v2', 'v3', 'v4']) await iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: v }));
    expect((await iam.send(new ListPolicyVersionsCommand({ PolicyArn: arn }))).Versions!.map((v) => v.VersionId)).toEqual(['v5']);
  });

  it('counts attachments, refuses to delete an attached policy, then deletes it', async () => {
    await iam.send(new CreateRoleCommand({ RoleName: 'User', AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: ACCT }, Action: 'sts:AssumeRole' }] }) }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'User', PolicyArn: arn }));
    expect((await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy!.AttachmentCount).toBe(1);
    expect((await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: arn }))).PolicyRoles!.map((r) => r.RoleName)).toEqual(['User']);
    expect((await iam.send(new ListPoliciesCommand({ Scope: 'Local', OnlyAttached: true }))).Policies!.map((p) => p.PolicyName)).toEqual(['ReadBuckets']);
    expect(await errorOf(iam.send(new DeletePolicyCommand({ PolicyArn: arn })))).toEqual({ name: 'DeleteConflictException', message: 'Cannot delete a policy attached to entities.', status: 409 });
    await iam.send(new DetachRolePolicyCommand({ RoleName: 'User', PolicyArn: arn }));
    await iam.send(new DeletePolicyCommand({ PolicyArn: arn }));
    expect((await errorOf(iam.send(new GetPolicyCommand({ PolicyArn: arn })))).name).toBe('NoSuchEntityException');
  });

  it('ListPolicies pages through AWS and local policies in name order', async () => {
    for (const n of ['Zeta', 'Alpha', 'Mid']) await iam.send(new CreatePolicyCommand({ PolicyName: `Page${n}`, PolicyDocument: doc('sqs:*') }));
    const seen: string[] = [];
    let marker: string | undefined;
    do {
      const page = await iam.send(new ListPoliciesCommand({ MaxItems: 3, ...(marker ? { Marker: marker } : {}) }));
      seen.push(...page.Policies!.map((p) => p.PolicyName!));
      marker = page.IsTruncated ? page.Marker : undefined;
      expect(page.Policies!.length).toBeLessThanOrEqual(3);
    } while (marker);
    expect(seen).toEqual([...seen].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1)));
    expect(seen).toEqual(expect.arrayContaining(['PageAlpha', 'PageMid', 'PageZeta', 'AmazonS3FullAccess']));
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('aws-sdk v2 and boto3 read policy versions (boto3 decodes the document)', async () => {
    const p = (await iam.send(new CreatePolicyCommand({ PolicyName: 'ForClients', PolicyDocument: doc('sqs:SendMessage') }))).Policy!;
    const v2 = new AWS.IAM({ endpoint: server.url, region: REGION, credentials: new AWS.Credentials(server.credentials.accessKeyId, server.credentials.secretAccessKey) });
    const got = await v2.getPolicyVersion({ PolicyArn: p.Arn!, VersionId: 'v1' }).promise();
    expect(decodeURIComponent(got.PolicyVersion!.Document!)).toBe(doc('sqs:SendMessage'));
    const py = await boto3(server.url, server.credentials, `iam = boto3.client('iam', endpoint_url=ENDPOINT, region_name=REGION)
print(json.dumps(iam.get_policy_version(PolicyArn='${p.Arn}', VersionId='v1')['PolicyVersion']['Document']))`);
    expect(py.stderr).toBe('');
    expect(JSON.parse(py.stdout)).toEqual(JSON.parse(doc('sqs:SendMessage')));
  });
});

describe('OIDC providers', () => {
  const url = 'https://token.example.com/realms/app';
  const arn = `arn:aws:iam::${ACCT}:oidc-provider/token.example.com/realms/app`;

  it('creates, reads and lists a provider', async () => {
    const created = await iam.send(new CreateOpenIDConnectProviderCommand({ Url: url, ClientIDList: ['a'], ThumbprintList: ['9e99a48a9960b14926bb7f3b02e22da2b0ab7280'] }));
    expect(created.OpenIDConnectProviderArn).toBe(arn);
    const got = await iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
    expect(got).toMatchObject({ Url: 'token.example.com/realms/app', ClientIDList: ['a'], ThumbprintList: ['9e99a48a9960b14926bb7f3b02e22da2b0ab7280'] });
    expect((await iam.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList).toEqual([{ Arn: arn }]);
    expect(await errorOf(iam.send(new CreateOpenIDConnectProviderCommand({ Url: url })))).toEqual({ name: 'EntityAlreadyExistsException', message: `Provider with url ${url} already exists.`, status: 409 });
  });

  it('adds and removes client ids and replaces thumbprints', async () => {
    await iam.send(new AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: 'b' }));
    await iam.send(new AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: 'b' }));
    await iam.send(new RemoveClientIDFromOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: 'a' }));
    await iam.send(new RemoveClientIDFromOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: 'never-there' }));
    await iam.send(new UpdateOpenIDConnectProviderThumbprintCommand({ OpenIDConnectProviderArn: arn, ThumbprintList: ['0000000000000000000000000000000000000000'] }));
    expect(await iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }))).toMatchObject({ ClientIDList: ['b'], ThumbprintList: ['0000000000000000000000000000000000000000'] });
  });

  it('answers AWS\'s errors', async () => {
    expect(await errorOf(iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: `arn:aws:iam::${ACCT}:oidc-provider/nope.example.com` })))).toEqual({
      name: 'NoSuchEntityException',
      message: `OpenIDConnect Provider not found for arn arn:aws:iam::${ACCT}:oidc-provider/nope.example.com`,
      status: 404,
    });
    expect((await errorOf(iam.send(new CreateOpenIDConnectProviderCommand({ Url: 'not a url' })))).name).toBe('ValidationError');
    expect(await errorOf(iam.send(new CreateOpenIDConnectProviderCommand({ Url: 'https://x.example.com', ThumbprintList: Array.from({ length: 6 }, (_, i) => String(i).repeat(40)) })))).toEqual({
      name: 'InvalidInputException',
      message: 'Thumbprint list must contain fewer than 5 entries.',
      status: 400,
    });
    const short = await errorOf(iam.send(new CreateOpenIDConnectProviderCommand({ Url: 'https://y.example.com', ThumbprintList: ['abc'] })));
    expect(short.name).toBe('ValidationError');
  });

  it('deletes idempotently', async () => {
    await iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
    await iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
    expect((await iam.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList).toEqual([]);
  });
});
