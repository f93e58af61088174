/**
 * Three Gatehouse nodes on one PostgreSQL and one shared data dir (blobs, master key), behind a
 * round-robin balancer, so every request of a flow lands on a different node than the one
 * before. The seed's flow runs through the official clients unchanged; lockout, code attempts
 * and configuration changes count and show on every node.
 */
import {
  CognitoIdentityProviderClient,
  ConfirmSignUpCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  InitiateAuthCommand,
  SignUpCommand,
  UpdateUserPoolClientCommand,
  UpdateUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { CognitoIdentityClient, CreateIdentityPoolCommand, SetIdentityPoolRolesCommand } from '@aws-sdk/client-cognito-identity';
import { AttachRolePolicyCommand, CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateBucketCommand, DeleteBucketPolicyCommand, DeletePublicAccessBlockCommand, GetObjectCommand, ListObjectsV2Command, PutBucketPolicyCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { fromCognitoIdentityPool } from '@aws-sdk/credential-providers';
import { AuthenticationDetails, CognitoUser, CognitoUserAttribute, CognitoUserPool, type CognitoUserSession } from 'amazon-cognito-identity-js';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cognitoIdentityTrustPolicy } from '../../src/demo/provision.js';
import { startBalancer, type Balancer } from '../support/balancer.js';
import { errorOf } from '../support/errors.js';
import { closeAll, REGION, ROOT, startServer, type TestServer } from '../support/gatehouse.js';
import { startPostgres, type PostgresCluster } from '../support/postgres.js';
import { startSmtp, type TestSmtp } from '../support/smtp.js';

const PASSWORD = 'Corr3ct-Horse!';
let cluster: PostgresCluster;
let smtp: TestSmtp;
let balancer: Balancer;
let shared: string;
const nodes: TestServer[] = [];
let poolId: string;
let clientId: string;

const root = { region: REGION, credentials: ROOT };
const idp = (): CognitoIdentityProviderClient => new CognitoIdentityProviderClient({ ...root, endpoint: balancer.url });
const anonymous = (): CognitoIdentityProviderClient =>
  new CognitoIdentityProviderClient({ region: REGION, endpoint: balancer.url, credentials: { accessKeyId: 'AKIAUNUSEDUNUSED0000', secretAccessKey: 'unused' } });

beforeAll(async () => {
  cluster = await startPostgres();
  smtp = await startSmtp();
  balancer = await startBalancer();
  shared = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-shared-'));
  const env = {
    GATEHOUSE_DATABASE_URL: await cluster.newDatabase(),
    GATEHOUSE_DATA_DIR: shared,
    GATEHOUSE_MASTER_KEY: randomBytes(32).toString('base64'),
    GATEHOUSE_PUBLIC_URL: balancer.url,
    GATEHOUSE_SMTP_URL: smtp.url,
  };
  for (let i = 0; i < 3; i++) nodes.push(await startServer(env));
  balancer.nodes = nodes.map((n) => `http://127.0.0.1:${n.gatehouse.config.port}`);
  const pool = await idp().send(new CreateUserPoolCommand({ PoolName: 'MSN User Pool', AutoVerifiedAttributes: ['email'] }));
  poolId = pool.UserPool!.Id!;
  const client = await idp().send(
    new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'web', ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }),
  );
  clientId = client.UserPoolClient!.ClientId!;
}, 180_000);

afterAll(async () => {
  if (process.env.NODE_LOGS) for (const n of nodes) for (const l of n.logs()) if (JSON.stringify(l).includes("rror")) console.log(JSON.stringify(l).slice(0, 1500));
  await closeAll(...nodes, balancer, smtp);
  cluster?.stop();
  if (shared) fs.rmSync(shared, { recursive: true, force: true });
});

function userPool(): CognitoUserPool {
  return new CognitoUserPool({ UserPoolId: poolId, ClientId: clientId, endpoint: balancer.url });
}

function login(user: CognitoUser, password = PASSWORD): Promise<CognitoUserSession> {
  return new Promise((resolve, reject) => user.authenticateUser(new AuthenticationDetails({ Username: user.getUsername(), Password: password }), { onSuccess: resolve, onFailure: reject }));
}

async function signedUp(username: string): Promise<{ user: CognitoUser; code: string }> {
  const p = userPool();
  await new Promise((resolve, reject) =>
    p.signUp(username, PASSWORD, [new CognitoUserAttribute({ Name: 'email', Value: `${username}@example.com` })], null as never, (err, r) => (err ? reject(err) : resolve(r))),
  );
  const mail = await smtp.waitFor(`${username}@example.com`);
  return { user: new CognitoUser({ Username: username, Pool: p }), code: /(\d{6})/.exec(mail.text)![1]! };
}

/** Asserts that each of the requests since `from` went to another node than the one before. */
function hoppedFrom(from: number): void {
  const seen = balancer.served.slice(from);
  expect(seen.length).toBeGreaterThan(1);
  for (let i = 1; i < seen.length; i++) expect(seen[i]!.node).not.toBe(seen[i - 1]!.node);
  expect(new Set(seen.map((s) => s.node)).size).toBe(3);
}

describe('three nodes on one PostgreSQL', () => {
  it("runs the seed's flow with every request on another node", async () => {
    const iam = new IAMClient({ ...root, endpoint: balancer.url });
    const identity = new CognitoIdentityClient({ ...root, endpoint: balancer.url });
    const s3root = new S3Client({ ...root, endpoint: balancer.url, forcePathStyle: true });
    const idPool = await identity.send(
      new CreateIdentityPoolCommand({ IdentityPoolName: 'msn', AllowUnauthenticatedIdentities: false, CognitoIdentityProviders: [{ ProviderName: `cognito-idp.${REGION}.amazonaws.com/${poolId}`, ClientId: clientId }] }),
    );
    const role = await iam.send(new CreateRoleCommand({ RoleName: 'Cognito_msnAuth_Role', AssumeRolePolicyDocument: cognitoIdentityTrustPolicy(idPool.IdentityPoolId!, "authenticated") }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'Cognito_msnAuth_Role', PolicyArn: 'arn:aws:iam::aws:policy/AmazonS3FullAccess' }));
    await identity.send(new SetIdentityPoolRolesCommand({ IdentityPoolId: idPool.IdentityPoolId!, Roles: { authenticated: role.Role!.Arn! } }));
    await s3root.send(new CreateBucketCommand({ Bucket: 'msn-bucket' }));

    const start = balancer.served.length;
    const { user, code } = await signedUp('seeduser');
    await new Promise((resolve, reject) => user.confirmRegistration(code, true, (err: Error | undefined, r: unknown) => (err ? reject(err) : resolve(r))));
    const session = await login(user);
    const credentials = fromCognitoIdentityPool({
      identityPoolId: idPool.IdentityPoolId!,
      logins: { [`cognito-idp.${REGION}.amazonaws.com/${poolId}`]: session.getIdToken().getJwtToken() },
      clientConfig: { region: REGION, endpoint: balancer.url },
    });
    const s3 = new S3Client({ region: REGION, endpoint: balancer.url, forcePathStyle: true, credentials });
    await s3.send(new PutObjectCommand({ Bucket: 'msn-bucket', Key: 'hello.txt', Body: 'hello from node to node' }));
    const list = await s3.send(new ListObjectsV2Command({ Bucket: 'msn-bucket' }));
    expect(list.Contents?.map((o) => o.Key)).toEqual(['hello.txt']);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'msn-bucket', Key: 'hello.txt' }));
    expect(await got.Body!.transformToString()).toBe('hello from node to node');
    // SignUp, ConfirmSignUp, InitiateAuth, RespondToAuthChallenge, GetId, GetCredentialsForIdentity, PUT, LIST, GET.
    expect(balancer.served.slice(start).map((s) => s.what.replace(/^AWSCognitoIdentity(ProviderService|Service)\./, ''))).toEqual([
      'SignUp',
      'ConfirmSignUp',
      'InitiateAuth',
      'RespondToAuthChallenge',
      'GetId',
      'GetCredentialsForIdentity',
      expect.stringMatching(/^PUT \/msn-bucket\/hello\.txt/),
      expect.stringMatching(/^GET \/msn-bucket\/?\?list-type=2/),
      expect.stringMatching(/^GET \/msn-bucket\/hello\.txt/),
    ]);
    hoppedFrom(start);
  });

  it('locks a user after five wrong passwords spread over the nodes', async () => {
    const { user, code } = await signedUp('locked');
    await new Promise((resolve, reject) => user.confirmRegistration(code, true, (err: Error | undefined, r: unknown) => (err ? reject(err) : resolve(r))));
    const start = balancer.served.length;
    const attempt = (password: string) => anonymous().send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'locked', PASSWORD: password } }));
    for (let i = 0; i < 5; i++) expect(await errorOf(attempt('Wrong-Passw0rd!'))).toMatchObject({ name: 'NotAuthorizedException', message: 'Incorrect username or password.' });
    expect(await errorOf(attempt(PASSWORD))).toMatchObject({ name: 'NotAuthorizedException', message: 'Password attempts exceeded' });
    hoppedFrom(start);
  });

  it('counts a code guessed wrong on one node on all of them', async () => {
    const { code } = await signedUp('guessed');
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    const start = balancer.served.length;
    const confirm = (c: string) => anonymous().send(new ConfirmSignUpCommand({ ClientId: clientId, Username: 'guessed', ConfirmationCode: c }));
    for (let i = 0; i < 5; i++) expect(await errorOf(confirm(wrong))).toMatchObject({ name: 'CodeMismatchException' });
    expect(await errorOf(confirm(code))).toMatchObject({ name: 'LimitExceededException' });
    hoppedFrom(start);
  });

  it('shows a client changed on one node to the very next request on another', async () => {
    const { user, code } = await signedUp('changing');
    await new Promise((resolve, reject) => user.confirmRegistration(code, true, (err: Error | undefined, r: unknown) => (err ? reject(err) : resolve(r))));
    const attempt = () => anonymous().send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'changing', PASSWORD } }));
    // Warm every node's caches with the client as it is.
    for (let i = 0; i < 3; i++) expect((await attempt()).AuthenticationResult?.AccessToken).toBeTruthy();
    await idp().send(new UpdateUserPoolClientCommand({ UserPoolId: poolId, ClientId: clientId, ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }));
    for (let i = 0; i < 3; i++) expect(await errorOf(attempt())).toMatchObject({ name: 'InvalidParameterException', message: 'USER_PASSWORD_AUTH flow not enabled for this client' });
    await idp().send(new UpdateUserPoolClientCommand({ UserPoolId: poolId, ClientId: clientId, ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }));
    for (let i = 0; i < 3; i++) expect((await attempt()).AuthenticationResult?.AccessToken).toBeTruthy();
  });

  it('shows a user pool and a bucket policy changed on one node to the very next request on every other', async () => {
    const pool = (await idp().send(new CreateUserPoolCommand({ PoolName: 'changing pool' }))).UserPool!.Id!;
    const client = (await idp().send(new CreateUserPoolClientCommand({ UserPoolId: pool, ClientName: 'c' }))).UserPoolClient!.ClientId!;
    let n = 0;
    const signUp = () => anonymous().send(new SignUpCommand({ ClientId: client, Username: `u${++n}`, Password: PASSWORD }));
    for (let i = 0; i < 3; i++) expect((await signUp()).UserSub).toBeTruthy(); // every node has the pool cached
    await idp().send(new UpdateUserPoolCommand({ UserPoolId: pool, AdminCreateUserConfig: { AllowAdminCreateUserOnly: true } }));
    for (let i = 0; i < 3; i++) expect(await errorOf(signUp())).toMatchObject({ name: 'NotAuthorizedException' });
    await idp().send(new UpdateUserPoolCommand({ UserPoolId: pool, AdminCreateUserConfig: { AllowAdminCreateUserOnly: false } }));
    for (let i = 0; i < 3; i++) expect((await signUp()).UserSub).toBeTruthy();

    const s3 = new S3Client({ ...root, endpoint: balancer.url, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: 'changing-policy' }));
    await s3.send(new PutObjectCommand({ Bucket: 'changing-policy', Key: 'k.txt', Body: 'public now' }));
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket: 'changing-policy' }));
    const anonymousGet = async () => (await fetch(`${balancer.url}/changing-policy/k.txt`)).status;
    for (let i = 0; i < 3; i++) expect(await anonymousGet()).toBe(403);
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::changing-policy/*' }] };
    await s3.send(new PutBucketPolicyCommand({ Bucket: 'changing-policy', Policy: JSON.stringify(policy) }));
    for (let i = 0; i < 3; i++) expect(await anonymousGet()).toBe(200);
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: 'changing-policy' }));
    for (let i = 0; i < 3; i++) expect(await anonymousGet()).toBe(403);
  });

  it('accepts an SRP answer once, whichever node it is replayed to', async () => {
    const { user, code } = await signedUp('replayed');
    await new Promise((resolve, reject) => user.confirmRegistration(code, true, (err: Error | undefined, r: unknown) => (err ? reject(err) : resolve(r))));
    const start = balancer.served.length;
    await login(user);
    const answer = balancer.served.slice(start).find((s) => s.what.endsWith('.RespondToAuthChallenge'))!;
    expect(JSON.parse(answer.body.toString()).ChallengeName).toBe('PASSWORD_VERIFIER');
    // The very request amazon-cognito-identity-js sent, again, to each of the other nodes.
    for (let i = 0; i < 2; i++) {
      const replay = await fetch(balancer.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.RespondToAuthChallenge' },
        body: answer.body,
      });
      expect(replay.status).toBe(400);
      expect(await replay.json()).toMatchObject({ __type: 'NotAuthorizedException', message: 'Incorrect username or password.' });
    }
    hoppedFrom(start);
  });

  it('refuses to start a node with another master key', async () => {
    const err = await startServer({
      GATEHOUSE_DATABASE_URL: nodes[0]!.gatehouse.config.databaseUrl!,
      GATEHOUSE_DATA_DIR: shared,
      GATEHOUSE_MASTER_KEY: randomBytes(32).toString('base64'),
    }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/master key does not open PostgreSQL at 127\.0\.0\.1:\d+\/gh_\d+_\d+: it was sealed with another key/);
  });
});
