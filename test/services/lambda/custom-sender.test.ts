/**
 * CustomEmailSender / CustomSMSSender, as AWS documents them: a KMS key (SDK v3 KMS client)
 * whose policy lets cognito-idp.amazonaws.com use it for the pool, a function deployed with the
 * SDK v3 Lambda client that decrypts the code with the AWS Encryption SDK (KmsKeyringNode,
 * which calls KMS Decrypt at AWS_ENDPOINT_URL with the execution role's credentials) and puts
 * it into a bucket through Gatehouse's S3; amazon-cognito-identity-js signs up, confirms, and
 * resets a password with the codes the function got. Gatehouse sends nothing itself (no mail
 * over SMTP). A key policy that does not let Cognito use the key sends nothing at all.
 */
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateFunctionCommand, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { AdminCreateUserCommand, AdminGetUserCommand, UpdateUserPoolCommand } from '@aws-sdk/client-cognito-identity-provider';
import { AuthenticationDetails, CognitoUser, CognitoUserAttribute, CognitoUserPool, type ISignUpResult } from 'amazon-cognito-identity-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, errorOf, idp, PASSWORD, type Pool } from '../cognito-idp/support.js';
import { closeAll, REGION, startServerWithSmtp, type TestServer } from '../../support/gatehouse.js';
import type { TestSmtp } from '../../support/smtp.js';
import { ACCT, allowCognito, createExecutionRole, lambdaClient, poolArn, zipOf } from './support.js';

const BUCKET = 'sender-codes';
const HANDLER = `const { buildClient, CommitmentPolicy, KmsKeyringNode } = require('@aws-crypto/client-node');
const { S3Client, PutObjectCommand } = require('@aws-sdk/client-s3');
const { decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT);
const keyring = new KmsKeyringNode({ keyIds: [process.env.KEY_ARN] });
const s3 = new S3Client({ forcePathStyle: true });
exports.handler = async (event) => {
  const { plaintext } = await decrypt(keyring, Buffer.from(event.request.code, 'base64'));
  const body = { code: plaintext.toString('utf8'), event: { ...event, request: { ...event.request, code: undefined } } };
  await s3.send(new PutObjectCommand({ Bucket: '${BUCKET}', Key: event.triggerSource + '/' + event.userName, Body: JSON.stringify(body) }));
};`;

let server: TestServer;
let smtp: TestSmtp;
let pool: Pool;
let s3: S3Client;
let fnArn: string;
let keyArn: string;

interface Delivered {
  code: string;
  event: { version: string; triggerSource: string; userName: string; userPoolId: string; callerContext: { clientId: string }; request: { type: string; userAttributes: Record<string, string>; clientMetadata?: Record<string, string> }; response: object };
}

/** What the function put for this trigger source and user (it runs asynchronously: waits for it). */
async function delivered(source: string, username: string): Promise<Delivered> {
  for (let i = 0; i < 300; i++) {
    try {
      const o = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: `${source}/${username}` }));
      return JSON.parse(await o.Body!.transformToString()) as Delivered;
    } catch (err) {
      if ((err as { name?: string }).name !== 'NoSuchKey') throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`the custom sender put nothing for ${source}/${username}`);
}

function keyPolicy(pools: readonly string[]): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'kms:*', Resource: '*' },
      ...(pools.length === 0 ? [] : [{ Sid: 'cognito', Effect: 'Allow', Principal: { Service: 'cognito-idp.amazonaws.com' }, Action: 'kms:CreateGrant', Resource: '*', Condition: { StringEquals: { 'aws:SourceAccount': ACCT }, ArnLike: { 'aws:SourceArn': pools.map(poolArn) } } }]),
    ],
  });
}

const senderConfig = (keyArn: string | undefined) => ({
  CustomEmailSender: { LambdaVersion: 'V1_0' as const, LambdaArn: fnArn },
  CustomSMSSender: { LambdaVersion: 'V1_0' as const, LambdaArn: fnArn },
  ...(keyArn === undefined ? {} : { KMSKeyID: keyArn }),
});

const cb = <T>(run: (done: (err: unknown, result?: T) => void) => void): Promise<T> =>
  new Promise<T>((resolve, reject) => run((err, result) => (err ? reject(err as Error) : resolve(result as T))));
const userPool = (p = pool): CognitoUserPool => new CognitoUserPool({ UserPoolId: p.poolId, ClientId: p.clientId, endpoint: server.url });
const cognitoUser = (username: string): CognitoUser => new CognitoUser({ Username: username, Pool: userPool() });

beforeAll(async () => {
  ({ server, smtp } = await startServerWithSmtp());
  s3 = new S3Client({ endpoint: server.url, region: REGION, credentials: server.credentials, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  pool = await createPool(server);
  const kms = new KMSClient({ endpoint: server.url, region: REGION, credentials: server.credentials });
  const key = (await kms.send(new CreateKeyCommand({ Description: 'custom sender codes', Policy: keyPolicy([pool.poolId]) }))).KeyMetadata!.Arn!;
  keyArn = key;
  const role = await createExecutionRole(server);
  await new IAMClient({ endpoint: server.url, region: REGION, credentials: server.credentials }).send(
    new PutRolePolicyCommand({
      RoleName: 'lambda-exec',
      PolicyName: 'sender',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: key }, { Effect: 'Allow', Action: 's3:PutObject', Resource: `arn:aws:s3:::${BUCKET}/*` }] }),
    }),
  );
  fnArn = (await lambdaClient(server).send(
    new CreateFunctionCommand({ FunctionName: 'sender', Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Timeout: 30, Environment: { Variables: { KEY_ARN: key } }, Code: { ZipFile: zipOf({ 'index.js': HANDLER }) } }),
  )).FunctionArn!;
  await idp(server).send(new UpdateUserPoolCommand({ UserPoolId: pool.poolId, AutoVerifiedAttributes: ['email'], LambdaConfig: senderConfig(key) }));
  await allowCognito(server, 'sender', pool.poolId);
});
afterAll(() => closeAll(server, smtp));

describe('CustomEmailSender through amazon-cognito-identity-js', () => {
  it('hands the sign-up code to the function, which decrypts it with KMS; the code confirms the user', async () => {
    const up = await cb<ISignUpResult>((done) => userPool().signUp('ann', PASSWORD, [new CognitoUserAttribute({ Name: 'email', Value: 'ann@example.com' })], [], done, { app: 'web' }));
    expect(up.codeDeliveryDetails).toEqual({ AttributeName: 'email', DeliveryMedium: 'EMAIL', Destination: 'a***@e***.com' });
    const got = await delivered('CustomEmailSender_SignUp', 'ann');
    expect(got.code).toMatch(/^\d{6}$/);
    expect(got.event).toMatchObject({
      version: '1', triggerSource: 'CustomEmailSender_SignUp', userName: 'ann', userPoolId: pool.poolId, callerContext: { clientId: pool.clientId },
      request: { type: 'customEmailSenderRequestV1', clientMetadata: { app: 'web' }, userAttributes: { email: 'ann@example.com', 'cognito:user_status': 'UNCONFIRMED' } },
    });
    await cb((done) => cognitoUser('ann').confirmRegistration(got.code, false, done));
    expect((await idp(server).send(new AdminGetUserCommand({ UserPoolId: pool.poolId, Username: 'ann' }))).UserStatus).toBe('CONFIRMED');
    expect(smtp.messages.filter((m) => m.to.includes('ann@example.com'))).toEqual([]);
  });

  it('hands the ForgotPassword code over, and it sets the new password', async () => {
    const user = cognitoUser('ann');
    await new Promise<void>((resolve, reject) => user.forgotPassword({ onSuccess: () => undefined, onFailure: reject, inputVerificationCode: () => resolve() }));
    const got = await delivered('CustomEmailSender_ForgotPassword', 'ann');
    expect(got.event.request.type).toBe('customEmailSenderRequestV1');
    await new Promise<void>((resolve, reject) => user.confirmPassword(got.code, 'N3w-Passw0rd!', { onSuccess: () => resolve(), onFailure: reject }));
    await new Promise((resolve, reject) => cognitoUser('ann').authenticateUser(new AuthenticationDetails({ Username: 'ann', Password: 'N3w-Passw0rd!' }), { onSuccess: resolve, onFailure: reject }));
    expect(smtp.messages.filter((m) => m.to.includes('ann@example.com'))).toEqual([]);
  });
});

describe('CustomSMSSender', () => {
  it('hands AdminCreateUser\'s temporary password over, HTML-escaped as Cognito does', async () => {
    await idp(server).send(new AdminCreateUserCommand({ UserPoolId: pool.poolId, Username: 'sam', TemporaryPassword: 'Temp<Passw0rd>!', DesiredDeliveryMediums: ['SMS'], UserAttributes: [{ Name: 'phone_number', Value: '+15550001111' }, { Name: 'email', Value: 'sam@example.com' }] }));
    const got = await delivered('CustomSMSSender_AdminCreateUser', 'sam');
    expect(got.code).toBe('Temp&lt;Passw0rd&gt;!');
    expect(got.event.request).toMatchObject({ type: 'customSMSSenderRequestV1', userAttributes: { phone_number: '+15550001111', 'cognito:user_status': 'FORCE_CHANGE_PASSWORD' } });
    // The temporary password, unescaped, signs in (NEW_PASSWORD_REQUIRED next).
    const challenge = await new Promise<string>((resolve, reject) =>
      cognitoUser('sam').authenticateUser(new AuthenticationDetails({ Username: 'sam', Password: got.code.replaceAll('&lt;', '<').replaceAll('&gt;', '>') }), { onSuccess: () => resolve('tokens'), onFailure: reject, newPasswordRequired: () => resolve('NEW_PASSWORD_REQUIRED') }),
    );
    expect(challenge).toBe('NEW_PASSWORD_REQUIRED');
    expect(smtp.messages.filter((m) => m.to.includes('sam@example.com'))).toEqual([]);
  });
});

describe('the pool\'s key', () => {
  it('sends nothing when the key policy does not let cognito-idp.amazonaws.com use the key for the pool', async () => {
    const kms = new KMSClient({ endpoint: server.url, region: REGION, credentials: server.credentials });
    const other = await createPool(server);
    const key = (await kms.send(new CreateKeyCommand({ Policy: keyPolicy([]) }))).KeyMetadata!.Arn!;
    await idp(server).send(new UpdateUserPoolCommand({ UserPoolId: other.poolId, AutoVerifiedAttributes: ['email'], LambdaConfig: senderConfig(key) }));
    await allowCognito(server, 'sender', other.poolId);
    const r = await cb<ISignUpResult>((done) => userPool(other).signUp('nina', PASSWORD, [new CognitoUserAttribute({ Name: 'email', Value: 'nina@example.com' })], [], done));
    expect(r.userConfirmed).toBe(false);
    // Log lines are written in batches: wait for the one this sign-up wrote.
    for (let i = 0; i < 100 && !server.logs().some((l) => l.event === 'cognito-idp.custom-sender' && l.userPoolId === other.poolId); i++) await new Promise((res) => setTimeout(res, 20));
    expect(server.logs().filter((l) => l.event === 'cognito-idp.custom-sender' && l.userPoolId === other.poolId).map((l) => l.triggerSource)).toEqual(['CustomEmailSender_SignUp']);
    expect(server.logs().some((l) => l.event === 'lambda.invoke' && String(l.output ?? '').includes('nina'))).toBe(false);
    expect((await errorOf(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'CustomEmailSender_SignUp/nina' })))).name).toBe('NoSuchKey');
    expect(smtp.messages.filter((m) => m.to.includes('nina@example.com'))).toEqual([]);
  });

  it('does not word a message the custom sender takes: CustomMessage is left out for mail when only CustomEmailSender is set', async () => {
    const kms = new KMSClient({ endpoint: server.url, region: REGION, credentials: server.credentials });
    const mixed = await createPool(server);
    const key = (await kms.send(new CreateKeyCommand({ Policy: keyPolicy([mixed.poolId]) }))).KeyMetadata!.Arn!;
    await new IAMClient({ endpoint: server.url, region: REGION, credentials: server.credentials }).send(
      new PutRolePolicyCommand({ RoleName: 'lambda-exec', PolicyName: 'sender-mixed', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: key }] }) }),
    );
    // The function would throw on a CustomMessage event (it has no code to decrypt): the sign-up fails if it gets one.
    await idp(server).send(new UpdateUserPoolCommand({ UserPoolId: mixed.poolId, AutoVerifiedAttributes: ['email'], LambdaConfig: { CustomMessage: fnArn, CustomEmailSender: { LambdaVersion: 'V1_0', LambdaArn: fnArn }, KMSKeyID: key } }));
    await allowCognito(server, 'sender', mixed.poolId);
    await lambdaClient(server).send(new UpdateFunctionConfigurationCommand({ FunctionName: 'sender', Environment: { Variables: { KEY_ARN: key } } }));
    try {
      await cb<ISignUpResult>((done) => userPool(mixed).signUp('max', PASSWORD, [new CognitoUserAttribute({ Name: 'email', Value: 'max@example.com' })], [], done));
      expect((await delivered('CustomEmailSender_SignUp', 'max')).code).toMatch(/^\d{6}$/);
    } finally {
      await lambdaClient(server).send(new UpdateFunctionConfigurationCommand({ FunctionName: 'sender', Environment: { Variables: { KEY_ARN: keyArn } } }));
    }
  });

  it('refuses a custom sender without KMSKeyID', async () => {
    const e = await errorOf(idp(server).send(new UpdateUserPoolCommand({ UserPoolId: pool.poolId, LambdaConfig: senderConfig(undefined) })));
    expect([e.name, e.message]).toEqual(['InvalidParameterException', 'KMSKeyID is required when CustomEmailSender or CustomSMSSender is set.']);
  });
});
