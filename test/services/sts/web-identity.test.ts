/**
 * AssumeRoleWithWebIdentity with a second, in-test OIDC issuer (node:http serving discovery and
 * JWKS, tokens signed with jose) registered as an IAM OIDC provider: accepted; wrong audience,
 * expired, wrong signature, unknown issuer and trust-policy mismatch refused with AWS's codes.
 * Also the internal interface Cognito Identity builds on (registered issuers, and
 * `assumeRoleWithWebIdentity` with verified claims), through SDK v3, the AWS CLI and boto3.
 */
import { CreateOpenIDConnectProviderCommand, CreateRoleCommand, GetRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromWebToken } from '@aws-sdk/credential-providers';
import AWS from 'aws-sdk';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, jwtVerify, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebIdentityTokenError } from '../../../src/services/sts/index.js';
import { awsCli, boto3 } from '../../support/cli.js';
import { REGION, startServer, type TestServer } from '../../support/gatehouse.js';
import { errorOf } from '../../support/errors.js';

const ACCT = '000000000000';
let server: TestServer;
let iam: IAMClient;
let anonymousSts: STSClient;
let issuer: http.Server;
let iss: string;
let providerKey: string;
let signingKey: CryptoKey;
let otherKey: CryptoKey;
let publicJwk: JWK;
/** Discovery documents the issuer has served. */
let discoveries = 0;

async function token(claims: Record<string, unknown>, opts: { key?: CryptoKey; exp?: number; iss?: string } = {}): Promise<string> {
  const now = Math.floor(server.gatehouse.clock.now() / 1000);
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setIssuer(opts.iss ?? iss)
    .setIssuedAt(now)
    .setExpirationTime(opts.exp ?? now + 600)
    .sign(opts.key ?? signingKey);
}


beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  signingKey = pair.privateKey;
  publicJwk = await exportJWK(pair.publicKey);
  otherKey = (await generateKeyPair('RS256')).privateKey;
  issuer = http.createServer((req, res) => {
    if (req.url === '/.well-known/openid-configuration') {
      discoveries++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer: iss, jwks_uri: `${iss}/jwks.json` }));
    } else if (req.url === '/jwks.json') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [{ ...publicJwk, kid: 'k1', alg: 'RS256', use: 'sig' }] }));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => issuer.listen(0, '127.0.0.1', r));
  const port = (issuer.address() as AddressInfo).port;
  iss = `http://127.0.0.1:${port}`;
  providerKey = `127.0.0.1:${port}`;

  server = await startServer();
  iam = new IAMClient({ endpoint: server.url, region: REGION, credentials: server.credentials });
  anonymousSts = new STSClient({ endpoint: server.url, region: REGION, credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' } });
  const provider = await iam.send(new CreateOpenIDConnectProviderCommand({ Url: iss, ClientIDList: ['my-client'] }));
  expect(provider.OpenIDConnectProviderArn).toBe(`arn:aws:iam::${ACCT}:oidc-provider/${providerKey}`);
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'WebUsers',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Federated: provider.OpenIDConnectProviderArn },
            Action: 'sts:AssumeRoleWithWebIdentity',
            Condition: { StringEquals: { [`${providerKey}:aud`]: 'my-client' }, StringLike: { [`${providerKey}:sub`]: 'user-*' } },
          },
        ],
      }),
    }),
  );
  // Each web user may read the role named after their subject: policy variables from the token.
  await iam.send(new PutRolePolicyCommand({ RoleName: 'WebUsers', PolicyName: 'self', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:GetRole', Resource: `arn:aws:iam::${ACCT}:role/\${${providerKey}:sub}` }] }) }));
  for (const name of ['user-1', 'user-2']) await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: ACCT }, Action: 'sts:AssumeRole' }] }) }));
});
afterAll(async () => {
  await server?.close();
  await new Promise((r) => issuer?.close(r));
});

const roleArn = `arn:aws:iam::${ACCT}:role/WebUsers`;
const send = async (webIdentityToken: string, extra: Record<string, unknown> = {}) =>
  anonymousSts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn, RoleSessionName: 'web', WebIdentityToken: webIdentityToken, ...extra }));

describe('AssumeRoleWithWebIdentity with an IAM OIDC provider', () => {
  it('accepts a valid token and issues a session carrying the token\'s keys', async () => {
    const out = await send(await token({ sub: 'user-1', aud: 'my-client' }));
    expect(out).toMatchObject({ SubjectFromWebIdentityToken: 'user-1', Audience: 'my-client', Provider: iss, AssumedRoleUser: { Arn: `arn:aws:sts::${ACCT}:assumed-role/WebUsers/web` } });
    const creds = { accessKeyId: out.Credentials!.AccessKeyId!, secretAccessKey: out.Credentials!.SecretAccessKey!, sessionToken: out.Credentials!.SessionToken! };
    expect(creds.accessKeyId).toMatch(/^ASIA/);
    const me = await new STSClient({ endpoint: server.url, region: REGION, credentials: creds }).send(new GetCallerIdentityCommand({}));
    expect(me.Arn).toBe(`arn:aws:sts::${ACCT}:assumed-role/WebUsers/web`);
    const asUser = new IAMClient({ endpoint: server.url, region: REGION, credentials: creds });
    expect((await asUser.send(new GetRoleCommand({ RoleName: 'user-1' }))).Role!.RoleName).toBe('user-1');
    expect((await errorOf(asUser.send(new GetRoleCommand({ RoleName: 'user-2' })))).name).toBe('AccessDenied');
  });

  it('refuses a token for another audience', async () => {
    expect(await errorOf(send(await token({ sub: 'user-1', aud: 'someone-else' })))).toEqual({ name: 'InvalidIdentityTokenException', message: 'Incorrect token audience', status: 400 });
  });

  it('refuses an expired token with ExpiredTokenException', async () => {
    const now = Math.floor(server.gatehouse.clock.now() / 1000);
    const e = await errorOf(send(await token({ sub: 'user-1', aud: 'my-client' }, { exp: now - 30 })));
    expect(e.name).toBe('ExpiredTokenException');
    expect(e.status).toBe(400);
    expect(e.message).toMatch(new RegExp(`^Token expired: current date/time \\d+ must be before the expiration date/time ${now - 30}$`));
  });

  it('refuses a token signed by another key', async () => {
    expect(await errorOf(send(await token({ sub: 'user-1', aud: 'my-client' }, { key: otherKey })))).toMatchObject({ name: 'InvalidIdentityTokenException', status: 400 });
  });

  it('refuses a token from an issuer that is not an IAM OIDC provider', async () => {
    expect(await errorOf(send(await token({ sub: 'user-1', aud: 'my-client' }, { iss: 'https://issuer.invalid' })))).toEqual({
      name: 'InvalidIdentityTokenException',
      message: 'No OpenIDConnect provider found in your account for https://issuer.invalid',
      status: 400,
    });
    expect((await errorOf(send('not-a-jwt-at-all'))).name).toBe('InvalidIdentityTokenException');
  });

  it('refuses a token that names the provider with another scheme', async () => {
    const https = iss.replace(/^http:/, 'https:');
    expect(await errorOf(send(await token({ sub: 'user-1', aud: 'my-client' }, { iss: https })))).toEqual({
      name: 'InvalidIdentityTokenException',
      message: `No OpenIDConnect provider found in your account for ${https}`,
      status: 400,
    });
  });

  it('fetches the provider\'s keys once however a token spells the issuer', async () => {
    await send(await token({ sub: 'user-1', aud: 'my-client' }));
    const before = discoveries;
    for (const spelling of [`${iss}/`, `${iss}//`, `${iss}///`]) {
      expect((await send(await token({ sub: 'user-1', aud: 'my-client' }, { iss: spelling }))).Provider).toBe(spelling);
    }
    expect(discoveries).toBe(before);
  });

  it('refuses when the trust policy does not match: AccessDenied 403', async () => {
    expect(await errorOf(send(await token({ sub: 'admin', aud: 'my-client' })))).toEqual({ name: 'AccessDenied', message: 'Not authorized to perform sts:AssumeRoleWithWebIdentity', status: 403 });
    expect((await errorOf(anonymousSts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/user-1`, RoleSessionName: 'web', WebIdentityToken: await token({ sub: 'user-1', aud: 'my-client' }) })))).name).toBe('AccessDenied');
  });

  it('the AWS CLI and boto3 call it unsigned', async () => {
    const t = await token({ sub: 'user-2', aud: 'my-client' });
    const cli = await awsCli(server.url, server.credentials, ['sts', 'assume-role-with-web-identity', '--role-arn', roleArn, '--role-session-name', 'cli', '--web-identity-token', t]);
    expect(cli.stderr).toBe('');
    expect(JSON.parse(cli.stdout)).toMatchObject({ SubjectFromWebIdentityToken: 'user-2', AssumedRoleUser: { Arn: `arn:aws:sts::${ACCT}:assumed-role/WebUsers/cli` } });
    const py = await boto3(
      server.url,
      server.credentials,
      `sts = boto3.client('sts', endpoint_url=ENDPOINT, region_name=REGION)
try:
    sts.assume_role_with_web_identity(RoleArn='${roleArn}', RoleSessionName='py', WebIdentityToken='${await token({ sub: 'user-2', aud: 'nope' })}')
except botocore.exceptions.ClientError as e:
    print(json.dumps(e.response['Error']))
out = sts.assume_role_with_web_identity(RoleArn='${roleArn}', RoleSessionName='py', WebIdentityToken='${t}')
print(json.dumps(out['AssumedRoleUser']['Arn']))`,
    );
    expect(py.stderr).toBe('');
    const [err, arn] = py.stdout.trim().split('\n').map((l) => JSON.parse(l) as unknown);
    expect(err).toMatchObject({ Code: 'InvalidIdentityToken', Message: 'Incorrect token audience' });
    expect(arn).toBe(`arn:aws:sts::${ACCT}:assumed-role/WebUsers/py`);
  });
});

describe('credential providers apps use', () => {
  it('aws-sdk v2 AWS.WebIdentityCredentials and SDK v3 fromWebToken exchange a token for a session', async () => {
    const v2creds = new AWS.WebIdentityCredentials({ RoleArn: roleArn, RoleSessionName: 'v2web', WebIdentityToken: await token({ sub: 'user-1', aud: 'my-client' }) }, { endpoint: server.url, region: REGION } as AWS.ConfigurationOptions);
    const v2sts = new AWS.STS({ endpoint: server.url, region: REGION, credentials: v2creds });
    expect((await v2sts.getCallerIdentity().promise()).Arn).toBe(`arn:aws:sts::${ACCT}:assumed-role/WebUsers/v2web`);

    const v3creds = fromWebToken({ roleArn, roleSessionName: 'v3web', webIdentityToken: await token({ sub: 'user-2', aud: 'my-client' }), clientConfig: { endpoint: server.url, region: REGION } });
    const me = await new STSClient({ endpoint: server.url, region: REGION, credentials: v3creds }).send(new GetCallerIdentityCommand({}));
    expect(me.Arn).toBe(`arn:aws:sts::${ACCT}:assumed-role/WebUsers/v3web`);
  });
});

describe('the interface for Cognito Identity', () => {
  const COGNITO = 'cognito-identity.amazonaws.com';
  const POOL = 'us-east-1:11111111-2222-3333-4444-555555555555';
  const cognitoTrust = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: COGNITO },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { [`${COGNITO}:aud`]: POOL }, 'ForAnyValue:StringLike': { [`${COGNITO}:amr`]: 'authenticated' } },
      },
    ],
  });

  beforeAll(async () => {
    await iam.send(new CreateRoleCommand({ RoleName: 'Cognito_Auth_Role', AssumeRolePolicyDocument: cognitoTrust }));
    await iam.send(new PutRolePolicyCommand({ RoleName: 'Cognito_Auth_Role', PolicyName: 'self', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:GetRole', Resource: `arn:aws:iam::${ACCT}:role/\${${COGNITO}:sub}` }] }) }));
  });

  it('assumeRoleWithWebIdentity evaluates the trust policy with aud and amr, and the session carries :sub', async () => {
    const sts = server.gatehouse.sts.sts;
    const ctx = { now: () => server.gatehouse.clock.now(), region: REGION };
    const session = await sts.assumeRoleWithWebIdentity(
      { roleArn: `arn:aws:iam::${ACCT}:role/Cognito_Auth_Role`, roleSessionName: 'CognitoIdentityCredentials', provider: COGNITO, claims: { aud: POOL, sub: 'user-1', amr: ['authenticated', 'cognito-idp.us-east-1.amazonaws.com/us-east-1_abc'] } },
      ctx,
    );
    expect(session.assumedRoleUser.Arn).toBe(`arn:aws:sts::${ACCT}:assumed-role/Cognito_Auth_Role/CognitoIdentityCredentials`);
    const c = session.credentials;
    const asIdentity = new IAMClient({ endpoint: server.url, region: REGION, credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken } });
    expect((await asIdentity.send(new GetRoleCommand({ RoleName: 'user-1' }))).Role!.RoleName).toBe('user-1');
    expect((await errorOf(asIdentity.send(new GetRoleCommand({ RoleName: 'user-2' })))).name).toBe('AccessDenied');

    await expect(
      sts.assumeRoleWithWebIdentity({ roleArn: `arn:aws:iam::${ACCT}:role/Cognito_Auth_Role`, roleSessionName: 's', provider: COGNITO, claims: { aud: POOL, sub: 'u', amr: ['unauthenticated'] } }, ctx),
    ).rejects.toMatchObject({ code: 'AccessDenied', status: 403, message: 'Not authorized to perform sts:AssumeRoleWithWebIdentity' });
    await expect(
      sts.assumeRoleWithWebIdentity({ roleArn: `arn:aws:iam::${ACCT}:role/Cognito_Auth_Role`, roleSessionName: 's', provider: COGNITO, claims: { aud: 'us-east-1:other-pool', sub: 'u', amr: ['authenticated'] } }, ctx),
    ).rejects.toMatchObject({ code: 'AccessDenied' });
  });

  it('a registered issuer\'s tokens are accepted by AssumeRoleWithWebIdentity (the basic flow)', async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const cognitoIss = 'https://cognito-identity.amazonaws.com';
    server.gatehouse.sts.sts.registerWebIdentityIssuer({
      issuer: cognitoIss,
      provider: COGNITO,
      async verify(t, now) {
        try {
          const { payload } = await jwtVerify(t, publicKey, { issuer: cognitoIss, currentDate: new Date(now) });
          return { aud: payload.aud as string, sub: payload.sub!, amr: payload.amr as string[] };
        } catch {
          throw new WebIdentityTokenError('invalid', 'Invalid login token.');
        }
      },
    });
    const t = await new SignJWT({ amr: ['authenticated', 'cognito-idp.us-east-1.amazonaws.com/us-east-1_abc'] })
      .setProtectedHeader({ alg: 'RS256', kid: 'cognito' })
      .setIssuer(cognitoIss)
      .setAudience(POOL)
      .setSubject('user-2')
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(privateKey);
    const out = await anonymousSts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/Cognito_Auth_Role`, RoleSessionName: 'basic', WebIdentityToken: t }));
    expect(out).toMatchObject({ SubjectFromWebIdentityToken: 'user-2', Audience: POOL, Provider: cognitoIss });
    const forged = await new SignJWT({ amr: ['authenticated'] }).setProtectedHeader({ alg: 'RS256' }).setIssuer(cognitoIss).setAudience(POOL).setSubject('user-1').setExpirationTime('10m').sign(otherKey);
    expect(await errorOf(anonymousSts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/Cognito_Auth_Role`, RoleSessionName: 'basic', WebIdentityToken: forged })))).toEqual({
      name: 'InvalidIdentityTokenException',
      message: 'Invalid login token.',
      status: 400,
    });
  });
});
