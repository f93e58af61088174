/**
 * Identity Pools with the real IAM and STS: roles with Cognito trust policies, credentials
 * for guests, developer identities and OpenID Connect logins through the enhanced and basic
 * flows, and what those credentials may then do (policy variables, denies, expiry). User Pool
 * logins are in walkthrough.test.ts.
 */
import {
  CognitoIdentityClient,
  CreateIdentityPoolCommand,
  DescribeIdentityPoolCommand,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
  GetOpenIdTokenCommand,
  GetOpenIdTokenForDeveloperIdentityCommand,
  ListIdentityPoolsCommand,
  SetIdentityPoolRolesCommand,
  UpdateIdentityPoolCommand,
} from '@aws-sdk/client-cognito-identity';
import { CreateOpenIDConnectProviderCommand, CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromCognitoIdentityPool } from '@aws-sdk/credential-providers';
import AWS from 'aws-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli, boto3 } from '../../support/cli.js';
import { REGION, startServer, type TestServer } from '../../support/gatehouse.js';
import { startIssuer, type TestIssuer } from './harness.js';
import { errorOf } from './support.js';
import { cognitoIdentityTrustPolicy } from '../../../src/demo/provision.js';

const ACCT = '000000000000';
const CI = 'cognito-identity.amazonaws.com';
const DEV = 'login.example.app';
let server: TestServer;
let iam: IAMClient;
let admin: CognitoIdentityClient;
let app: CognitoIdentityClient;
let issuer: TestIssuer;
let poolId: string;
let oidcKey: string;

type Creds = { accessKeyId: string; secretAccessKey: string; sessionToken: string };


async function role(name: string, trustPolicy: string, policy?: object): Promise<string> {
  const r = await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trustPolicy }));
  if (policy !== undefined) await iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'p', PolicyDocument: JSON.stringify(policy) }));
  return r.Role!.Arn!;
}

function stsWith(c: Creds): STSClient {
  return new STSClient({ endpoint: server.url, region: REGION, credentials: c });
}

function identityWith(c: Creds): CognitoIdentityClient {
  return new CognitoIdentityClient({ endpoint: server.url, region: REGION, credentials: c });
}

function creds(out: { Credentials?: { AccessKeyId?: string; SecretKey?: string; SessionToken?: string } }): Creds {
  return { accessKeyId: out.Credentials!.AccessKeyId!, secretAccessKey: out.Credentials!.SecretKey!, sessionToken: out.Credentials!.SessionToken! };
}

const ALLOW_DESCRIBE_OWN_POOL = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 'cognito-identity:DescribeIdentityPool', Resource: `arn:aws:cognito-identity:us-east-1:${ACCT}:identitypool/\${cognito-identity.amazonaws.com:aud}` }],
};

beforeAll(async () => {
  server = await startServer();
  iam = new IAMClient({ endpoint: server.url, region: REGION, credentials: server.credentials });
  admin = new CognitoIdentityClient({ endpoint: server.url, region: REGION, credentials: server.credentials });
  app = new CognitoIdentityClient({ endpoint: server.url, region: REGION });
  issuer = await startIssuer();
  const provider = await iam.send(new CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['oidc-app'] }));
  oidcKey = issuer.hostPath;
  poolId = (await admin.send(
    new CreateIdentityPoolCommand({
      IdentityPoolName: 'MSNIdentityPool',
      AllowUnauthenticatedIdentities: true,
      DeveloperProviderName: DEV,
      OpenIdConnectProviderARNs: [provider.OpenIDConnectProviderArn!],
    }),
  )).IdentityPoolId!;
  const auth = await role('Cognito_MSNIdentityPoolAuth_Role', cognitoIdentityTrustPolicy(poolId, 'authenticated'), ALLOW_DESCRIBE_OWN_POOL);
  const unauth = await role('Cognito_MSNIdentityPoolUnauth_Role', cognitoIdentityTrustPolicy(poolId, 'unauthenticated'));
  await admin.send(new SetIdentityPoolRolesCommand({ IdentityPoolId: poolId, Roles: { authenticated: auth, unauthenticated: unauth } }));
});
afterAll(async () => {
  await server.close();
  await issuer.close();
});

describe('credentials from the real STS', () => {
  it('a guest gets the unauthenticated role: STS GetCallerIdentity names the assumed role', async () => {
    const { IdentityId } = await app.send(new GetIdCommand({ IdentityPoolId: poolId }));
    const out = await app.send(new GetCredentialsForIdentityCommand({ IdentityId }));
    expect(out.Credentials!.AccessKeyId).toMatch(/^ASIA/);
    const me = await stsWith(creds(out)).send(new GetCallerIdentityCommand({}));
    expect(me.Arn).toBe(`arn:aws:sts::${ACCT}:assumed-role/Cognito_MSNIdentityPoolUnauth_Role/CognitoIdentityCredentials`);
    expect(me.Account).toBe(ACCT);
  });

  it('a developer identity gets the authenticated role, whose policy variables resolve to the session', async () => {
    const dev = await admin.send(new GetOpenIdTokenForDeveloperIdentityCommand({ IdentityPoolId: poolId, Logins: { [DEV]: 'alice' } }));
    const out = await app.send(new GetCredentialsForIdentityCommand({ IdentityId: dev.IdentityId, Logins: { [CI]: dev.Token! } }));
    const c = creds(out);
    expect((await stsWith(c).send(new GetCallerIdentityCommand({}))).Arn).toBe(`arn:aws:sts::${ACCT}:assumed-role/Cognito_MSNIdentityPoolAuth_Role/CognitoIdentityCredentials`);
    // `${cognito-identity.amazonaws.com:aud}` is this pool: allowed here, denied on another pool.
    expect((await identityWith(c).send(new DescribeIdentityPoolCommand({ IdentityPoolId: poolId }))).IdentityPoolId).toBe(poolId);
    const other = (await admin.send(new CreateIdentityPoolCommand({ IdentityPoolName: 'other', AllowUnauthenticatedIdentities: true }))).IdentityPoolId!;
    const e = await errorOf(identityWith(c).send(new DescribeIdentityPoolCommand({ IdentityPoolId: other })));
    expect(e).toMatchObject({ name: 'AccessDeniedException', status: 400 });
    expect(e.message).toContain('cognito-identity:DescribeIdentityPool');
  });

  it('an OpenID Connect login registered in IAM gets the authenticated role', async () => {
    const token = await issuer.idToken({ sub: 'oidc-bob', aud: 'oidc-app' });
    const { IdentityId } = await app.send(new GetIdCommand({ IdentityPoolId: poolId, Logins: { [oidcKey]: token } }));
    const out = await app.send(new GetCredentialsForIdentityCommand({ IdentityId, Logins: { [oidcKey]: token } }));
    expect((await stsWith(creds(out)).send(new GetCallerIdentityCommand({}))).Arn).toBe(`arn:aws:sts::${ACCT}:assumed-role/Cognito_MSNIdentityPoolAuth_Role/CognitoIdentityCredentials`);
    expect((await errorOf(app.send(new GetIdCommand({ IdentityPoolId: poolId, Logins: { [oidcKey]: await issuer.idToken({ sub: 'x', aud: 'not-mine' }) } })))).message).toBe(
      'Token is not from a supported provider of this identity pool.',
    );
  });

  it('a role whose trust policy does not admit the pool: InvalidIdentityPoolConfigurationException', async () => {
    const pool = (await admin.send(new CreateIdentityPoolCommand({ IdentityPoolName: 'mistrusted', AllowUnauthenticatedIdentities: true }))).IdentityPoolId!;
    const wrong = await role('TrustsAnotherPool', cognitoIdentityTrustPolicy('us-east-1:00000000-0000-0000-0000-000000000000', 'unauthenticated'));
    await admin.send(new SetIdentityPoolRolesCommand({ IdentityPoolId: pool, Roles: { unauthenticated: wrong } }));
    const { IdentityId } = await app.send(new GetIdCommand({ IdentityPoolId: pool }));
    const e = await errorOf(app.send(new GetCredentialsForIdentityCommand({ IdentityId })));
    expect(e).toMatchObject({ name: 'InvalidIdentityPoolConfigurationException', status: 400, message: 'Invalid identity pool configuration. Check assigned IAM roles for this pool.' });
    // A trust policy for authenticated users only does not admit guests either.
    const authOnly = await role('AuthOnlyForGuests', cognitoIdentityTrustPolicy(pool, 'authenticated'));
    await admin.send(new SetIdentityPoolRolesCommand({ IdentityPoolId: pool, Roles: { unauthenticated: authOnly } }));
    expect((await errorOf(app.send(new GetCredentialsForIdentityCommand({ IdentityId })))).name).toBe('InvalidIdentityPoolConfigurationException');
    // A role that does not exist.
    await admin.send(new SetIdentityPoolRolesCommand({ IdentityPoolId: pool, Roles: { unauthenticated: `arn:aws:iam::${ACCT}:role/NoSuchRole` } }));
    expect((await errorOf(app.send(new GetCredentialsForIdentityCommand({ IdentityId })))).name).toBe('InvalidIdentityPoolConfigurationException');
  });

  it('a role with no permissions: credentials are issued, then AccessDenied on use', async () => {
    const pool = (await admin.send(new CreateIdentityPoolCommand({ IdentityPoolName: 'powerless', AllowUnauthenticatedIdentities: true }))).IdentityPoolId!;
    await admin.send(new SetIdentityPoolRolesCommand({ IdentityPoolId: pool, Roles: { unauthenticated: await role('Powerless', cognitoIdentityTrustPolicy(pool, 'unauthenticated')) } }));
    const { IdentityId } = await app.send(new GetIdCommand({ IdentityPoolId: pool }));
    const c = creds(await app.send(new GetCredentialsForIdentityCommand({ IdentityId })));
    const e = await errorOf(identityWith(c).send(new ListIdentityPoolsCommand({ MaxResults: 10 })));
    expect(e).toMatchObject({ name: 'AccessDeniedException', status: 400 });
    expect(e.message).toBe(
      `User: arn:aws:sts::${ACCT}:assumed-role/Powerless/CognitoIdentityCredentials is not authorized to perform: cognito-identity:ListIdentityPools on resource: * because no identity-based policy allows the cognito-identity:ListIdentityPools action`,
    );
  });

  it('a Deny overrides an Allow', async () => {
    const pool = (await admin.send(new CreateIdentityPoolCommand({ IdentityPoolName: 'denied', AllowUnauthenticatedIdentities: true }))).IdentityPoolId!;
    const arn = await role('AllowButDeny', cognitoIdentityTrustPolicy(pool, 'unauthenticated'), {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'cognito-identity:*', Resource: '*' },
        { Effect: 'Deny', Action: 'cognito-identity:ListIdentityPools', Resource: '*' },
      ],
    });
    await admin.send(new SetIdentityPoolRolesCommand({ IdentityPoolId: pool, Roles: { unauthenticated: arn } }));
    const { IdentityId } = await app.send(new GetIdCommand({ IdentityPoolId: pool }));
    const c = creds(await app.send(new GetCredentialsForIdentityCommand({ IdentityId })));
    expect((await identityWith(c).send(new DescribeIdentityPoolCommand({ IdentityPoolId: pool }))).IdentityPoolName).toBe('denied');
    const e = await errorOf(identityWith(c).send(new ListIdentityPoolsCommand({ MaxResults: 10 })));
    expect(e.name).toBe('AccessDeniedException');
    expect(e.message).toContain('with an explicit deny');
  });

  it('expired temporary credentials: ExpiredToken on use', async () => {
    const { IdentityId } = await app.send(new GetIdCommand({ IdentityPoolId: poolId }));
    const out = await app.send(new GetCredentialsForIdentityCommand({ IdentityId }));
    expect(out.Credentials!.Expiration!.getTime() - server.gatehouse.clock.now()).toBeGreaterThan(59 * 60_000);
    server.gatehouse.clock.advance(61 * 60_000);
    try {
      const e = await errorOf(stsWith(creds(out)).send(new GetCallerIdentityCommand({})));
      expect(e).toMatchObject({ name: 'ExpiredToken', status: 403 });
    } finally {
      server.gatehouse.clock.reset();
    }
  });
});

describe('the basic flow', () => {
  it('GetOpenIdToken, then STS AssumeRoleWithWebIdentity with that token', async () => {
    const { IdentityId } = await app.send(new GetIdCommand({ IdentityPoolId: poolId }));
    const { Token } = await app.send(new GetOpenIdTokenCommand({ IdentityId }));
    const anonymous = new STSClient({ endpoint: server.url, region: REGION, credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' } });
    const out = await anonymous.send(
      new AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/Cognito_MSNIdentityPoolUnauth_Role`, RoleSessionName: 'basic-flow', WebIdentityToken: Token }),
    );
    expect(out).toMatchObject({ SubjectFromWebIdentityToken: IdentityId, Audience: poolId, Provider: 'https://cognito-identity.amazonaws.com' });
    const me = await stsWith({ accessKeyId: out.Credentials!.AccessKeyId!, secretAccessKey: out.Credentials!.SecretAccessKey!, sessionToken: out.Credentials!.SessionToken! }).send(new GetCallerIdentityCommand({}));
    expect(me.Arn).toBe(`arn:aws:sts::${ACCT}:assumed-role/Cognito_MSNIdentityPoolUnauth_Role/basic-flow`);
    // The guest's token does not open the authenticated role.
    const e = await errorOf(anonymous.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/Cognito_MSNIdentityPoolAuth_Role`, RoleSessionName: 'attempt', WebIdentityToken: Token })));
    expect(e).toMatchObject({ name: 'AccessDenied', status: 403 });
  });

  it('STS refuses an expired or forged Cognito Identity token', async () => {
    const { IdentityId } = await app.send(new GetIdCommand({ IdentityPoolId: poolId }));
    const { Token } = await app.send(new GetOpenIdTokenCommand({ IdentityId }));
    const anonymous = new STSClient({ endpoint: server.url, region: REGION, credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' } });
    const [h, p, s] = Token!.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), sub: 'us-east-1:00000000-0000-0000-0000-000000000000' })).toString('base64url')}.${s}`;
    const bad = await errorOf(anonymous.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/Cognito_MSNIdentityPoolUnauth_Role`, RoleSessionName: 'attempt', WebIdentityToken: forged })));
    expect(bad).toMatchObject({ name: 'InvalidIdentityTokenException', status: 400 });
    // A header that is JSON but not an object: refused as invalid, not an internal error.
    const nullHeader = `${Buffer.from('null').toString('base64url')}.${p}.${s}`;
    const odd = await errorOf(anonymous.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/Cognito_MSNIdentityPoolUnauth_Role`, RoleSessionName: 'attempt', WebIdentityToken: nullHeader })));
    expect(odd).toMatchObject({ name: 'InvalidIdentityTokenException', status: 400 });
    server.gatehouse.clock.advance(11 * 60_000);
    try {
      const e = await errorOf(anonymous.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/Cognito_MSNIdentityPoolUnauth_Role`, RoleSessionName: 'attempt', WebIdentityToken: Token })));
      expect(e).toMatchObject({ name: 'ExpiredTokenException', status: 400 });
    } finally {
      server.gatehouse.clock.reset();
    }
  });

  it('aws-sdk v2 CognitoIdentityCredentials with RoleArn takes the basic flow; refused when the pool disables it', async () => {
    const clientConfig: AWS.ConfigurationOptions & { endpoint: string } = { endpoint: server.url, region: REGION };
    const c = new AWS.CognitoIdentityCredentials({ IdentityPoolId: poolId, RoleArn: `arn:aws:iam::${ACCT}:role/Cognito_MSNIdentityPoolUnauth_Role`, RoleSessionName: 'v2-basic' }, clientConfig);
    await c.getPromise();
    const me = await stsWith({ accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken }).send(new GetCallerIdentityCommand({}));
    expect(me.Arn).toBe(`arn:aws:sts::${ACCT}:assumed-role/Cognito_MSNIdentityPoolUnauth_Role/v2-basic`);

    const pool = (await admin.send(new CreateIdentityPoolCommand({ IdentityPoolName: 'enhancedonly', AllowUnauthenticatedIdentities: true, AllowClassicFlow: false }))).IdentityPoolId!;
    const refused = new AWS.CognitoIdentityCredentials({ IdentityPoolId: pool, RoleArn: `arn:aws:iam::${ACCT}:role/Cognito_MSNIdentityPoolUnauth_Role` }, clientConfig);
    const e = await errorOf(refused.getPromise());
    expect(e).toMatchObject({ name: 'InvalidParameterException', message: 'Basic (classic) flow is not enabled, please use enhanced flow.' });
    await admin.send(new UpdateIdentityPoolCommand({ IdentityPoolId: pool, IdentityPoolName: 'enhancedonly', AllowUnauthenticatedIdentities: true, AllowClassicFlow: true }));
  });
});

describe('SDK credential providers', () => {
  it('v3 fromCognitoIdentityPool for a guest, then STS', async () => {
    const provider = fromCognitoIdentityPool({ identityPoolId: poolId, clientConfig: { endpoint: server.url, region: REGION } });
    const sts = new STSClient({ endpoint: server.url, region: REGION, credentials: provider });
    expect((await sts.send(new GetCallerIdentityCommand({}))).Arn).toBe(`arn:aws:sts::${ACCT}:assumed-role/Cognito_MSNIdentityPoolUnauth_Role/CognitoIdentityCredentials`);
  });

  it('v3 fromCognitoIdentityPool with a developer token login', async () => {
    const dev = await admin.send(new GetOpenIdTokenForDeveloperIdentityCommand({ IdentityPoolId: poolId, Logins: { [DEV]: 'carol' } }));
    const provider = fromCognitoIdentityPool({ identityPoolId: poolId, logins: { [CI]: dev.Token! }, clientConfig: { endpoint: server.url, region: REGION } });
    const c = await provider();
    expect(c.identityId).toBe(dev.IdentityId);
    expect((await stsWith(c as Creds).send(new GetCallerIdentityCommand({}))).Arn).toContain('assumed-role/Cognito_MSNIdentityPoolAuth_Role/');
  });

  it('aws-sdk v2 CognitoIdentityCredentials through AWS.config service configuration, as a web page sets it', async () => {
    const saved = { region: AWS.config.region, cognitoidentity: AWS.config.cognitoidentity, sts: AWS.config.sts };
    try {
      AWS.config.update({ region: REGION, cognitoidentity: { endpoint: server.url }, sts: { endpoint: server.url } } as AWS.ConfigurationOptions);
      const c = new AWS.CognitoIdentityCredentials({ IdentityPoolId: poolId });
      c.clearCachedId();
      await c.getPromise();
      const sts = new AWS.STS({ credentials: c });
      const me = await sts.getCallerIdentity().promise();
      expect(me.Arn).toBe(`arn:aws:sts::${ACCT}:assumed-role/Cognito_MSNIdentityPoolUnauth_Role/CognitoIdentityCredentials`);
    } finally {
      AWS.config.update(saved as AWS.ConfigurationOptions);
    }
  });

  it('boto3 unsigned get_id and get_credentials_for_identity, then STS with the credentials', async () => {
    const py = await boto3(
      server.url,
      server.credentials,
      `
from botocore import UNSIGNED
from botocore.config import Config
ci = boto3.client('cognito-identity', endpoint_url=ENDPOINT, region_name=REGION, config=Config(signature_version=UNSIGNED))
iid = ci.get_id(IdentityPoolId=${JSON.stringify('POOL')})['IdentityId']
c = ci.get_credentials_for_identity(IdentityId=iid)['Credentials']
sts = boto3.client('sts', endpoint_url=ENDPOINT, region_name=REGION, aws_access_key_id=c['AccessKeyId'], aws_secret_access_key=c['SecretKey'], aws_session_token=c['SessionToken'])
print(json.dumps({'arn': sts.get_caller_identity()['Arn'], 'expires': c['Expiration'].isoformat()}))
`.replace('POOL', poolId),
    );
    expect(py.stderr).toBe('');
    const out = JSON.parse(py.stdout) as { arn: string; expires: string };
    expect(out.arn).toBe(`arn:aws:sts::${ACCT}:assumed-role/Cognito_MSNIdentityPoolUnauth_Role/CognitoIdentityCredentials`);
    expect(Date.parse(out.expires) - Date.now()).toBeGreaterThan(50 * 60_000);
  });

  it('the AWS CLI, unsigned', async () => {
    const id = await awsCli(server.url, server.credentials, ['cognito-identity', 'get-id', '--identity-pool-id', poolId, '--no-sign-request']);
    const { IdentityId } = JSON.parse(id.stdout) as { IdentityId: string };
    const out = await awsCli(server.url, server.credentials, ['cognito-identity', 'get-credentials-for-identity', '--identity-id', IdentityId, '--no-sign-request']);
    expect(out.stderr).toBe('');
    expect(JSON.parse(out.stdout)).toMatchObject({ IdentityId, Credentials: { AccessKeyId: expect.stringMatching(/^ASIA/) as unknown } });
  });
});
