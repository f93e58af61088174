/**
 * The walkthrough's page logic in Node, against one Gatehouse: a User Pool user logs in over
 * SRP with amazon-cognito-identity-js; the ID token goes to `AWS.CognitoIdentityCredentials`
 * (aws-sdk v2, endpoints set in AWS.config as a page would) under the
 * `cognito-idp.<region>.amazonaws.com/<poolId>` login key; the credentials call STS and come
 * back as the pool's authenticated role. Then SDK v3's provider, groups and Token role
 * mapping, the basic flow, and every way an ID token can be refused.
 */
import {
  AdminAddUserToGroupCommand,
  AdminConfirmSignUpCommand,
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  GlobalSignOutCommand,
  RevokeTokenCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { CognitoIdentityClient, CreateIdentityPoolCommand, GetCredentialsForIdentityCommand, GetIdCommand, GetOpenIdTokenCommand, SetIdentityPoolRolesCommand } from '@aws-sdk/client-cognito-identity';
import { AttachRolePolicyCommand, CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromCognitoIdentityPool } from '@aws-sdk/credential-providers';
import { AuthenticationDetails, CognitoUser, CognitoUserPool, type CognitoUserSession } from 'amazon-cognito-identity-js';
import AWS from 'aws-sdk';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGION, startServer, type TestServer } from '../../support/gatehouse.js';
import { errorOf } from './support.js';
import { cognitoIdentityTrustPolicy } from '../../../src/demo/provision.js';

const ACCT = '000000000000';
const PASSWORD = 'Corr3ct-Horse!';
let server: TestServer;
let idp: CognitoIdentityProviderClient;
let identity: CognitoIdentityClient;
let iam: IAMClient;
let userPoolId: string;
let clientId: string;
let otherClientId: string;
let otherUserPoolId: string;
let otherPoolClientId: string;
let identityPoolId: string;
let loginKey: string;


async function createUserPool(name: string): Promise<{ poolId: string; clientId: string }> {
  const pool = await idp.send(new CreateUserPoolCommand({ PoolName: name, AutoVerifiedAttributes: ['email'], Schema: [{ Name: 'email', Required: true, Mutable: true }] }));
  const poolId = pool.UserPool!.Id!;
  const client = await idp.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'web', ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }));
  return { poolId, clientId: client.UserPoolClient!.ClientId! };
}

async function user(poolId: string, client: string, username: string): Promise<void> {
  const anonymous = new CognitoIdentityProviderClient({ endpoint: server.url, region: REGION, credentials: { accessKeyId: 'AKIAUNUSEDUNUSED0000', secretAccessKey: 'unused' } });
  await anonymous.send(new SignUpCommand({ ClientId: client, Username: username, Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: `${username}@example.com` }] }));
  await idp.send(new AdminConfirmSignUpCommand({ UserPoolId: poolId, Username: username }));
}

/** The page's logIn(): SRP through amazon-cognito-identity-js. */
function srpLogin(poolId: string, client: string, username: string): Promise<CognitoUserSession> {
  const pool = new CognitoUserPool({ UserPoolId: poolId, ClientId: client, endpoint: server.url });
  const cognitoUser = new CognitoUser({ Username: username, Pool: pool });
  return new Promise((resolve, reject) => cognitoUser.authenticateUser(new AuthenticationDetails({ Username: username, Password: PASSWORD }), { onSuccess: resolve, onFailure: reject }));
}

function stsWith(c: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }): STSClient {
  return new STSClient({ endpoint: server.url, region: REGION, credentials: c });
}

beforeAll(async () => {
  server = await startServer();
  idp = new CognitoIdentityProviderClient({ endpoint: server.url, region: REGION, credentials: server.credentials });
  identity = new CognitoIdentityClient({ endpoint: server.url, region: REGION, credentials: server.credentials });
  iam = new IAMClient({ endpoint: server.url, region: REGION, credentials: server.credentials });
  ({ poolId: userPoolId, clientId } = await createUserPool('MSN User Pool'));
  otherClientId = (await idp.send(new CreateUserPoolClientCommand({ UserPoolId: userPoolId, ClientName: 'other', ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH'] }))).UserPoolClient!.ClientId!;
  ({ poolId: otherUserPoolId, clientId: otherPoolClientId } = await createUserPool('Another Pool'));
  loginKey = `cognito-idp.${REGION}.amazonaws.com/${userPoolId}`;
  identityPoolId = (await identity.send(
    new CreateIdentityPoolCommand({ IdentityPoolName: 'MSNIdentityPool', AllowUnauthenticatedIdentities: true, CognitoIdentityProviders: [{ ProviderName: loginKey, ClientId: clientId }] }),
  )).IdentityPoolId!;
  const auth = await iam.send(new CreateRoleCommand({ RoleName: 'Cognito_MSNIdentityPoolAuth_Role', AssumeRolePolicyDocument: cognitoIdentityTrustPolicy(identityPoolId, 'authenticated') }));
  const unauth = await iam.send(new CreateRoleCommand({ RoleName: 'Cognito_MSNIdentityPoolUnauth_Role', AssumeRolePolicyDocument: cognitoIdentityTrustPolicy(identityPoolId, 'unauthenticated') }));
  await identity.send(new SetIdentityPoolRolesCommand({ IdentityPoolId: identityPoolId, Roles: { authenticated: auth.Role!.Arn!, unauthenticated: unauth.Role!.Arn! } }));
  for (const u of ['msnuser', 'seconduser', 'revokeduser', 'admin1']) await user(userPoolId, clientId, u);
  await user(otherUserPoolId, otherPoolClientId, 'elsewhere');
});
afterAll(async () => {
  await server.close();
});

describe('the walkthrough page: User Pool login, then Identity Pool credentials', () => {
  it('aws-sdk v2 CognitoIdentityCredentials with the ID token gives the authenticated role', async () => {
    const session = await srpLogin(userPoolId, clientId, 'msnuser');
    const idToken = session.getIdToken().getJwtToken();
    const saved = { region: AWS.config.region, cognitoidentity: AWS.config.cognitoidentity, sts: AWS.config.sts, credentials: AWS.config.credentials };
    try {
      // getCognitoIdentityCredentials(), as the page has it; the endpoints are what differs from AWS.
      AWS.config.update({ region: REGION, cognitoidentity: { endpoint: server.url }, sts: { endpoint: server.url } } as AWS.ConfigurationOptions);
      const loginMap: Record<string, string> = {};
      loginMap['cognito-idp.' + REGION + '.amazonaws.com/' + userPoolId] = idToken;
      AWS.config.credentials = new AWS.CognitoIdentityCredentials({ IdentityPoolId: identityPoolId, Logins: loginMap });
      const credentials = AWS.config.credentials as AWS.CognitoIdentityCredentials;
      credentials.clearCachedId();
      await new Promise<void>((resolve, reject) => credentials.get((err) => (err ? reject(err) : resolve())));
      expect(credentials.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
      expect(credentials.secretAccessKey.length).toBeGreaterThan(20);
      expect(credentials.sessionToken.length).toBeGreaterThan(20);
      const me = await new AWS.STS().getCallerIdentity().promise();
      expect(me.Arn).toBe(`arn:aws:sts::${ACCT}:assumed-role/Cognito_MSNIdentityPoolAuth_Role/CognitoIdentityCredentials`);

      // Logging in again (a new token) lands on the same identity.
      const again = await srpLogin(userPoolId, clientId, 'msnuser');
      const second = new AWS.CognitoIdentityCredentials({ IdentityPoolId: identityPoolId, Logins: { [loginKey]: again.getIdToken().getJwtToken() } });
      second.clearCachedId();
      await second.getPromise();
      expect(second.identityId).toBe(credentials.identityId);
    } finally {
      AWS.config.update(saved as AWS.ConfigurationOptions);
    }
  });

  it('SDK v3 fromCognitoIdentityPool with the ID token, and as a guest', async () => {
    const session = await srpLogin(userPoolId, clientId, 'seconduser');
    const provider = fromCognitoIdentityPool({ identityPoolId, logins: { [loginKey]: session.getIdToken().getJwtToken() }, clientConfig: { endpoint: server.url, region: REGION } });
    const c = await provider();
    expect((await stsWith(c).send(new GetCallerIdentityCommand({}))).Arn).toBe(`arn:aws:sts::${ACCT}:assumed-role/Cognito_MSNIdentityPoolAuth_Role/CognitoIdentityCredentials`);
    const guest = await fromCognitoIdentityPool({ identityPoolId, clientConfig: { endpoint: server.url, region: REGION } })();
    expect((await stsWith(guest).send(new GetCallerIdentityCommand({}))).Arn).toBe(`arn:aws:sts::${ACCT}:assumed-role/Cognito_MSNIdentityPoolUnauth_Role/CognitoIdentityCredentials`);
  });

  it('a guest identity that logs in keeps its id', async () => {
    const app = new CognitoIdentityClient({ endpoint: server.url, region: REGION });
    const { IdentityId } = await app.send(new GetIdCommand({ IdentityPoolId: identityPoolId }));
    await user(userPoolId, clientId, 'guestturneduser');
    const token = (await srpLogin(userPoolId, clientId, 'guestturneduser')).getIdToken().getJwtToken();
    const out = await app.send(new GetCredentialsForIdentityCommand({ IdentityId, Logins: { [loginKey]: token } }));
    expect(out.IdentityId).toBe(IdentityId);
    expect((await app.send(new GetIdCommand({ IdentityPoolId: identityPoolId, Logins: { [loginKey]: token } }))).IdentityId).toBe(IdentityId);
  });

  it('groups with roles: Token role mapping gives the preferred role', async () => {
    const groupRole = await iam.send(new CreateRoleCommand({ RoleName: 'MSN_Admins', AssumeRolePolicyDocument: cognitoIdentityTrustPolicy(identityPoolId, 'authenticated') }));
    await idp.send(new CreateGroupCommand({ UserPoolId: userPoolId, GroupName: 'admins', RoleArn: groupRole.Role!.Arn!, Precedence: 1 }));
    await idp.send(new AdminAddUserToGroupCommand({ UserPoolId: userPoolId, Username: 'admin1', GroupName: 'admins' }));
    const roles = await identity.send(new SetIdentityPoolRolesCommand({
      IdentityPoolId: identityPoolId,
      Roles: { authenticated: `arn:aws:iam::${ACCT}:role/Cognito_MSNIdentityPoolAuth_Role`, unauthenticated: `arn:aws:iam::${ACCT}:role/Cognito_MSNIdentityPoolUnauth_Role` },
      RoleMappings: { [`${loginKey}:${clientId}`]: { Type: 'Token', AmbiguousRoleResolution: 'AuthenticatedRole' } },
    }));
    void roles;
    try {
      const token = (await srpLogin(userPoolId, clientId, 'admin1')).getIdToken().getJwtToken();
      expect(decodeJwt(token)['cognito:preferred_role']).toBe(groupRole.Role!.Arn);
      const c = await fromCognitoIdentityPool({ identityPoolId, logins: { [loginKey]: token }, clientConfig: { endpoint: server.url, region: REGION } })();
      expect((await stsWith(c).send(new GetCallerIdentityCommand({}))).Arn).toBe(`arn:aws:sts::${ACCT}:assumed-role/MSN_Admins/CognitoIdentityCredentials`);
      // A user in no group falls back to the authenticated role.
      const plain = (await srpLogin(userPoolId, clientId, 'seconduser')).getIdToken().getJwtToken();
      const p = await fromCognitoIdentityPool({ identityPoolId, logins: { [loginKey]: plain }, clientConfig: { endpoint: server.url, region: REGION } })();
      expect((await stsWith(p).send(new GetCallerIdentityCommand({}))).Arn).toContain('assumed-role/Cognito_MSNIdentityPoolAuth_Role/');
    } finally {
      await identity.send(new SetIdentityPoolRolesCommand({
        IdentityPoolId: identityPoolId,
        Roles: { authenticated: `arn:aws:iam::${ACCT}:role/Cognito_MSNIdentityPoolAuth_Role`, unauthenticated: `arn:aws:iam::${ACCT}:role/Cognito_MSNIdentityPoolUnauth_Role` },
      }));
    }
  });

  it('the basic flow: GetOpenIdToken with the User Pool login, then STS', async () => {
    const app = new CognitoIdentityClient({ endpoint: server.url, region: REGION });
    const token = (await srpLogin(userPoolId, clientId, 'msnuser')).getIdToken().getJwtToken();
    const sub = String(decodeJwt(token).sub);
    const { IdentityId } = await app.send(new GetIdCommand({ IdentityPoolId: identityPoolId, Logins: { [loginKey]: token } }));
    const open = await app.send(new GetOpenIdTokenCommand({ IdentityId, Logins: { [loginKey]: token } }));
    expect(decodeJwt(open.Token!).amr).toEqual(['authenticated', loginKey, `${loginKey}:CognitoSignIn:${sub}`]);
    const anonymous = new STSClient({ endpoint: server.url, region: REGION, credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' } });
    const out = await anonymous.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/Cognito_MSNIdentityPoolAuth_Role`, RoleSessionName: 'web', WebIdentityToken: open.Token }));
    expect(out.SubjectFromWebIdentityToken).toBe(IdentityId);
    expect(out.AssumedRoleUser!.Arn).toBe(`arn:aws:sts::${ACCT}:assumed-role/Cognito_MSNIdentityPoolAuth_Role/web`);
  });
});

describe('ID tokens Identity Pools refuse', () => {
  const app = (): CognitoIdentityClient => new CognitoIdentityClient({ endpoint: server.url, region: REGION });
  const getId = (key: string, token: string): Promise<unknown> => app().send(new GetIdCommand({ IdentityPoolId: identityPoolId, Logins: { [key]: token } }));

  it('a forged token (claims changed after signing)', async () => {
    const token = (await srpLogin(userPoolId, clientId, 'msnuser')).getIdToken().getJwtToken();
    const [h, , s] = token.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...decodeJwt(token), sub: '00000000-0000-0000-0000-000000000000' })).toString('base64url')}.${s}`;
    expect(await errorOf(getId(loginKey, forged))).toMatchObject({ name: 'NotAuthorizedException', status: 400, message: "Invalid login token. Couldn't verify signed token." });
  });

  it('an expired token', async () => {
    const token = (await srpLogin(userPoolId, clientId, 'msnuser')).getIdToken().getJwtToken();
    server.gatehouse.clock.advance(61 * 60_000);
    try {
      const e = await errorOf(getId(loginKey, token));
      expect(e.name).toBe('NotAuthorizedException');
      expect(e.message).toMatch(/^Invalid login token\. Token expired: \d+ >= \d+$/);
    } finally {
      server.gatehouse.clock.reset();
    }
  });

  it("another pool's token under this pool's key, and another pool's key", async () => {
    const token = (await srpLogin(otherUserPoolId, otherPoolClientId, 'elsewhere')).getIdToken().getJwtToken();
    expect(await errorOf(getId(loginKey, token))).toMatchObject({ name: 'NotAuthorizedException', message: "Invalid login token. Issuer doesn't match providerName" });
    expect(await errorOf(getId(`cognito-idp.${REGION}.amazonaws.com/${otherUserPoolId}`, token))).toMatchObject({ name: 'NotAuthorizedException', message: 'Token is not from a supported provider of this identity pool.' });
  });

  it("another app client's token", async () => {
    const token = (await srpLogin(userPoolId, otherClientId, 'msnuser')).getIdToken().getJwtToken();
    expect(await errorOf(getId(loginKey, token))).toMatchObject({ name: 'NotAuthorizedException', message: 'Token is not from a supported provider of this identity pool.' });
  });

  it('an access token instead of the ID token', async () => {
    const token = (await srpLogin(userPoolId, clientId, 'msnuser')).getAccessToken().getJwtToken();
    expect(await errorOf(getId(loginKey, token))).toMatchObject({ name: 'NotAuthorizedException', message: 'Invalid login token. Missing a required claim: aud' });
  });

  it('a token revoked by GlobalSignOut', async () => {
    const session = await srpLogin(userPoolId, clientId, 'revokeduser');
    const token = session.getIdToken().getJwtToken();
    expect(await getId(loginKey, token)).toMatchObject({ IdentityId: expect.any(String) as unknown });
    const anonymous = new CognitoIdentityProviderClient({ endpoint: server.url, region: REGION, credentials: { accessKeyId: 'AKIAUNUSEDUNUSED0000', secretAccessKey: 'unused' } });
    await anonymous.send(new GlobalSignOutCommand({ AccessToken: session.getAccessToken().getJwtToken() }));
    const e = await errorOf(getId(loginKey, token));
    expect(e.name).toBe('NotAuthorizedException');
    expect(e.message).toBe('Invalid login token. Token has been revoked.');
  });

  it('a token whose session was ended by RevokeToken', async () => {
    await user(userPoolId, clientId, 'revoketokenuser');
    const session = await srpLogin(userPoolId, clientId, 'revoketokenuser');
    const token = session.getIdToken().getJwtToken();
    expect(await getId(loginKey, token)).toMatchObject({ IdentityId: expect.any(String) as unknown });
    const anonymous = new CognitoIdentityProviderClient({ endpoint: server.url, region: REGION, credentials: { accessKeyId: 'AKIAUNUSEDUNUSED0000', secretAccessKey: 'unused' } });
    await anonymous.send(new RevokeTokenCommand({ Token: session.getRefreshToken().getToken(), ClientId: clientId }));
    expect(await errorOf(getId(loginKey, token))).toMatchObject({ name: 'NotAuthorizedException', message: 'Invalid login token. Token has been revoked.' });
  });
});

describe("the walkthrough's last step: List S3 Objects with the credentials", () => {
  it('the authenticated role with AmazonS3FullAccess lists the bucket (aws-sdk v2, as the page does)', async () => {
    const root = new S3Client({ endpoint: server.url, region: REGION, credentials: server.credentials, forcePathStyle: true });
    await root.send(new CreateBucketCommand({ Bucket: 'msn-web-app' }));
    for (const Key of ['index.html', 'script/aws-sdk-2.487.0.min.js']) await root.send(new PutObjectCommand({ Bucket: 'msn-web-app', Key, Body: 'x' }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'Cognito_MSNIdentityPoolAuth_Role', PolicyArn: 'arn:aws:iam::aws:policy/AmazonS3FullAccess' }));

    const token = (await srpLogin(userPoolId, clientId, 'msnuser')).getIdToken().getJwtToken();
    const clientConfig: AWS.ConfigurationOptions & { endpoint: string } = { endpoint: server.url, region: REGION };
    const credentials = new AWS.CognitoIdentityCredentials({ IdentityPoolId: identityPoolId, Logins: { [loginKey]: token } }, clientConfig);
    credentials.clearCachedId();
    await credentials.getPromise();
    const s3 = new AWS.S3({ endpoint: server.url, region: REGION, s3ForcePathStyle: true, credentials });
    const data = await s3.listObjects({ Bucket: 'msn-web-app' }).promise();
    expect(data.Contents!.map((c) => c.Key)).toEqual(['index.html', 'script/aws-sdk-2.487.0.min.js']);

    // A guest's role has no S3 permission.
    const guest = new AWS.CognitoIdentityCredentials({ IdentityPoolId: identityPoolId }, clientConfig);
    await guest.getPromise();
    const denied = await errorOf(new AWS.S3({ endpoint: server.url, region: REGION, s3ForcePathStyle: true, credentials: guest }).listObjects({ Bucket: 'msn-web-app' }).promise());
    expect(denied).toMatchObject({ name: 'AccessDenied' });
  });

  it('a per-identity prefix through ${cognito-identity.amazonaws.com:sub}', async () => {
    const prefixRole = await iam.send(new CreateRoleCommand({ RoleName: 'MSN_PerUser', AssumeRolePolicyDocument: cognitoIdentityTrustPolicy(identityPoolId, 'authenticated') }));
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'MSN_PerUser',
        PolicyName: 'own-prefix',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: ['s3:PutObject', 's3:GetObject'], Resource: 'arn:aws:s3:::msn-web-app/private/${cognito-identity.amazonaws.com:sub}/*' }],
        }),
      }),
    );
    await identity.send(new SetIdentityPoolRolesCommand({ IdentityPoolId: identityPoolId, Roles: { authenticated: prefixRole.Role!.Arn!, unauthenticated: `arn:aws:iam::${ACCT}:role/Cognito_MSNIdentityPoolUnauth_Role` } }));
    try {
      const token = (await srpLogin(userPoolId, clientId, 'seconduser')).getIdToken().getJwtToken();
      const c = await fromCognitoIdentityPool({ identityPoolId, logins: { [loginKey]: token }, clientConfig: { endpoint: server.url, region: REGION } })();
      const s3 = new S3Client({ endpoint: server.url, region: REGION, credentials: c, forcePathStyle: true });
      await s3.send(new PutObjectCommand({ Bucket: 'msn-web-app', Key: `private/${c.identityId}/notes.txt`, Body: 'mine' }));
      const other = await errorOf(s3.send(new PutObjectCommand({ Bucket: 'msn-web-app', Key: 'private/us-east-1:00000000-0000-0000-0000-000000000000/notes.txt', Body: 'not mine' })));
      expect(other).toMatchObject({ name: 'AccessDenied', status: 403 });
    } finally {
      await identity.send(new SetIdentityPoolRolesCommand({
        IdentityPoolId: identityPoolId,
        Roles: { authenticated: `arn:aws:iam::${ACCT}:role/Cognito_MSNIdentityPoolAuth_Role`, unauthenticated: `arn:aws:iam::${ACCT}:role/Cognito_MSNIdentityPoolUnauth_Role` },
      }));
    }
  });
});

describe('identity policies on the credentials', () => {
  it('a role with permissions lets the user act; the session carries the Cognito keys', async () => {
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'Cognito_MSNIdentityPoolAuth_Role',
        PolicyName: 'own-identity',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: 'cognito-identity:DescribeIdentityPool', Resource: `arn:aws:cognito-identity:${REGION}:${ACCT}:identitypool/\${cognito-identity.amazonaws.com:aud}` },
          ],
        }),
      }),
    );
    const token = (await srpLogin(userPoolId, clientId, 'msnuser')).getIdToken().getJwtToken();
    const c = await fromCognitoIdentityPool({ identityPoolId, logins: { [loginKey]: token }, clientConfig: { endpoint: server.url, region: REGION } })();
    const asUser = new CognitoIdentityClient({ endpoint: server.url, region: REGION, credentials: c });
    const { DescribeIdentityPoolCommand } = await import('@aws-sdk/client-cognito-identity');
    expect((await asUser.send(new DescribeIdentityPoolCommand({ IdentityPoolId: identityPoolId }))).IdentityPoolName).toBe('MSNIdentityPool');
  });
});
