/**
 * S3 decided by the real IAM engine: identity policies of assumed roles (AWS-managed and
 * inline, with policy variables), bucket policies (public, role-naming, explicit Deny) and
 * Block Public Access, through SDK v3 with STS credentials.
 */
import { AttachRolePolicyCommand, CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  DeletePublicAccessBlockCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutBucketPolicyCommand,
  PutBucketWebsiteCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
} from '@aws-sdk/client-s3';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGION, startServer, type TestServer } from '../../support/gatehouse.js';
import { codeOf, errorOf, raw, s3Client } from './support.js';

let server: TestServer;
const ACCOUNT = '000000000000';
type Creds = { accessKeyId: string; secretAccessKey: string; sessionToken: string };

const trustRoot = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' }] });

async function role(name: string, setup: (iam: IAMClient) => Promise<unknown> = async () => undefined): Promise<Creds> {
  const common = { endpoint: server.url, region: REGION, credentials: server.credentials };
  const iam = new IAMClient(common);
  await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trustRoot }));
  await setup(iam);
  const { Credentials: c } = await new STSClient(common).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/${name}`, RoleSessionName: 'app' }));
  return { accessKeyId: c!.AccessKeyId!, secretAccessKey: c!.SecretAccessKey!, sessionToken: c!.SessionToken! };
}

beforeAll(async () => {
  server = await startServer();
  const root = s3Client(server);
  for (const b of ['data', 'public-site']) await root.send(new CreateBucketCommand({ Bucket: b }));
  await root.send(new PutObjectCommand({ Bucket: 'data', Key: 'report.csv', Body: 'a,b\n' }));
});
afterAll(async () => {
  await server.close();
});

describe('identity policies of assumed roles', () => {
  it('AmazonS3ReadOnlyAccess lets a session list and read, not write', async () => {
    const creds = await role('ReadOnly', (iam) => iam.send(new AttachRolePolicyCommand({ RoleName: 'ReadOnly', PolicyArn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess' })));
    const s3 = s3Client(server, { credentials: creds });
    expect((await s3.send(new ListObjectsV2Command({ Bucket: 'data' }))).Contents?.map((o) => o.Key)).toEqual(['report.csv']);
    expect(await (await s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'report.csv' }))).Body!.transformToString()).toBe('a,b\n');
    const e = await errorOf(s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'x', Body: 'x' })));
    expect(e).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(e.message).toBe(`User: arn:aws:sts::${ACCOUNT}:assumed-role/ReadOnly/app is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::data/x" because no identity-based policy allows the s3:PutObject action`);
  });

  it('a policy variable confines a session to its own prefix', async () => {
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['s3:PutObject', 's3:GetObject'], Resource: 'arn:aws:s3:::data/home/${aws:userid}/*' },
        { Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::data', Condition: { StringLike: { 's3:prefix': 'home/${aws:userid}/*' } } },
      ],
    };
    const creds = await role('Homes', (iam) => iam.send(new PutRolePolicyCommand({ RoleName: 'Homes', PolicyName: 'home', PolicyDocument: JSON.stringify(policy) })));
    const sts = new STSClient({ endpoint: server.url, region: REGION, credentials: creds });
    const userId = (await sts.send(new GetCallerIdentityCommand({}))).UserId!;
    expect(userId).toMatch(/^AROA[A-Z0-9]+:app$/);
    const s3 = s3Client(server, { credentials: creds });
    await s3.send(new PutObjectCommand({ Bucket: 'data', Key: `home/${userId}/notes.txt`, Body: 'mine' }));
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'data', Prefix: `home/${userId}/` }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual([`home/${userId}/notes.txt`]);
    expect(await errorOf(s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'home/someone-else/notes.txt', Body: 'x' })))).toMatchObject({ name: 'AccessDenied' });
    expect(await errorOf(s3.send(new ListObjectsV2Command({ Bucket: 'data' })))).toMatchObject({ name: 'AccessDenied' });
  });
});

describe('bucket policies', () => {
  it('an explicit Deny in the bucket policy overrides the role\'s Allow', async () => {
    const creds = await role('Writer', (iam) =>
      iam.send(new PutRolePolicyCommand({ RoleName: 'Writer', PolicyName: 'all', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: ['arn:aws:s3:::data', 'arn:aws:s3:::data/*'] }] }) })),
    );
    await s3Client(server).send(
      new PutBucketPolicyCommand({
        Bucket: 'data',
        Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'NoDeletes', Effect: 'Deny', Principal: '*', Action: 's3:DeleteObject', Resource: 'arn:aws:s3:::data/*' }] }),
      }),
    );
    const s3 = s3Client(server, { credentials: creds });
    await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'tmp.txt', Body: 'x' }));
    const e = await errorOf(s3.send(new DeleteObjectCommand({ Bucket: 'data', Key: 'tmp.txt' })));
    expect(e).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(e.message).toContain('with an explicit deny in a resource-based policy');
    const deny = server.logs().filter((l) => l.msg === 'policy deny').at(-1);
    expect(JSON.stringify(deny)).toContain('NoDeletes');
  });

  it('a bucket policy naming a role grants its sessions what their own policies do not', async () => {
    const creds = await role('Guest');
    const s3 = s3Client(server, { credentials: creds });
    expect(await errorOf(s3.send(new GetObjectCommand({ Bucket: 'public-site', Key: 'index.html' })))).toMatchObject({ name: 'AccessDenied' });
    await s3Client(server).send(new PutObjectCommand({ Bucket: 'public-site', Key: 'index.html', Body: '<h1>hi</h1>', ContentType: 'text/html' }));
    await s3Client(server).send(
      new PutBucketPolicyCommand({
        Bucket: 'public-site',
        Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/Guest` }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::public-site/*' }] }),
      }),
    );
    expect(await (await s3.send(new GetObjectCommand({ Bucket: 'public-site', Key: 'index.html' }))).Body!.transformToString()).toBe('<h1>hi</h1>');
  });

  it('Block Public Access refuses a public bucket policy; without it, anonymous reads and the website work', async () => {
    const root = s3Client(server);
    const publicRead = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'PublicRead', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::public-site/*' }] });
    const refused = await errorOf(root.send(new PutBucketPolicyCommand({ Bucket: 'public-site', Policy: publicRead })));
    expect(refused).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect((await raw(`${server.url}/public-site/index.html`)).status).toBe(403);

    await root.send(new DeletePublicAccessBlockCommand({ Bucket: 'public-site' }));
    await root.send(new PutBucketPolicyCommand({ Bucket: 'public-site', Policy: publicRead }));
    const anonymous = await raw(`${server.url}/public-site/index.html`);
    expect(anonymous.status).toBe(200);
    expect(anonymous.text).toBe('<h1>hi</h1>');
    await root.send(new PutBucketWebsiteCommand({ Bucket: 'public-site', WebsiteConfiguration: { IndexDocument: { Suffix: 'index.html' } } }));
    const site = await raw(`${server.url}/_website/public-site/`);
    expect(site.status).toBe(200);
    expect(site.text).toBe('<h1>hi</h1>');
    // Listing stays private: the policy grants GetObject only.
    const list = await raw(`${server.url}/public-site?list-type=2`);
    expect(list.status).toBe(403);
    expect(codeOf(list.text)).toBe('AccessDenied');

    // RestrictPublicBuckets turns the public policy off again without deleting it.
    await root.send(new PutPublicAccessBlockCommand({ Bucket: 'public-site', PublicAccessBlockConfiguration: { RestrictPublicBuckets: true } }));
    expect((await raw(`${server.url}/public-site/index.html`)).status).toBe(403);
  });
});
