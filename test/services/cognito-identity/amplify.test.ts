/**
 * Amplify JS v6 in Node against Gatehouse: `Amplify.configure` with the User Pool and the
 * Identity Pool (their `userPoolEndpoint` / `identityPoolEndpoint` pointed here), guest
 * credentials, `signIn` over SRP, and `fetchAuthSession` returning the authenticated role's
 * credentials. Amplify names the User Pool login after the ID token's issuer, so this also
 * exercises that key.
 */
import { AdminConfirmSignUpCommand, CognitoIdentityProviderClient, CreateUserPoolClientCommand, CreateUserPoolCommand, SignUpCommand } from '@aws-sdk/client-cognito-identity-provider';
import { CognitoIdentityClient, CreateIdentityPoolCommand, DescribeIdentityCommand, SetIdentityPoolRolesCommand } from '@aws-sdk/client-cognito-identity';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { Amplify } from 'aws-amplify';
import { fetchAuthSession, signIn, signOut } from 'aws-amplify/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGION, startServer, type TestServer } from '../../support/gatehouse.js';
import { cognitoIdentityTrustPolicy } from '../../../src/demo/provision.js';

const ACCT = '000000000000';
const PASSWORD = 'Corr3ct-Horse!';
let server: TestServer;
let identityPoolId: string;
let userPoolId: string;


beforeAll(async () => {
  server = await startServer();
  const credentials = server.credentials;
  const idp = new CognitoIdentityProviderClient({ endpoint: server.url, region: REGION, credentials });
  const identity = new CognitoIdentityClient({ endpoint: server.url, region: REGION, credentials });
  const iam = new IAMClient({ endpoint: server.url, region: REGION, credentials });
  userPoolId = (await idp.send(new CreateUserPoolCommand({ PoolName: 'amplify-app' }))).UserPool!.Id!;
  const clientId = (await idp.send(new CreateUserPoolClientCommand({ UserPoolId: userPoolId, ClientName: 'web', ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }))).UserPoolClient!.ClientId!;
  const anonymous = new CognitoIdentityProviderClient({ endpoint: server.url, region: REGION, credentials: { accessKeyId: 'AKIAUNUSEDUNUSED0000', secretAccessKey: 'unused' } });
  await anonymous.send(new SignUpCommand({ ClientId: clientId, Username: 'amplifier', Password: PASSWORD }));
  await idp.send(new AdminConfirmSignUpCommand({ UserPoolId: userPoolId, Username: 'amplifier' }));
  identityPoolId = (await identity.send(
    new CreateIdentityPoolCommand({ IdentityPoolName: 'amplify', AllowUnauthenticatedIdentities: true, CognitoIdentityProviders: [{ ProviderName: `cognito-idp.${REGION}.amazonaws.com/${userPoolId}`, ClientId: clientId }] }),
  )).IdentityPoolId!;
  const auth = await iam.send(new CreateRoleCommand({ RoleName: 'AmplifyAuth', AssumeRolePolicyDocument: cognitoIdentityTrustPolicy(identityPoolId, 'authenticated') }));
  const unauth = await iam.send(new CreateRoleCommand({ RoleName: 'AmplifyGuest', AssumeRolePolicyDocument: cognitoIdentityTrustPolicy(identityPoolId, 'unauthenticated') }));
  await identity.send(new SetIdentityPoolRolesCommand({ IdentityPoolId: identityPoolId, Roles: { authenticated: auth.Role!.Arn!, unauthenticated: unauth.Role!.Arn! } }));
  Amplify.configure({
    Auth: {
      Cognito: { userPoolId, userPoolClientId: clientId, userPoolEndpoint: server.url, identityPoolId, identityPoolEndpoint: server.url, allowGuestAccess: true },
    },
  });
});
afterAll(async () => {
  await server.close();
});

async function whoAmI(c: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }): Promise<string> {
  return (await new STSClient({ endpoint: server.url, region: REGION, credentials: c }).send(new GetCallerIdentityCommand({}))).Arn!;
}

describe('Amplify JS v6 with an identity pool', () => {
  it('gives a guest the unauthenticated role, then the signed-in user the authenticated role', async () => {
    const guest = await fetchAuthSession();
    expect(guest.identityId).toMatch(/^us-east-1:[0-9a-f-]{36}$/);
    expect(await whoAmI(guest.credentials!)).toBe(`arn:aws:sts::${ACCT}:assumed-role/AmplifyGuest/CognitoIdentityCredentials`);

    const signedIn = await signIn({ username: 'amplifier', password: PASSWORD, options: { authFlowType: 'USER_SRP_AUTH' } });
    expect(signedIn.isSignedIn).toBe(true);
    const session = await fetchAuthSession();
    // Amplify sends this ID token under a key made from its issuer: `<Gatehouse URL host>/<pool id>`.
    expect(session.tokens?.idToken?.payload.iss).toBe(`${server.url}/${userPoolId}`);
    expect(session.identityId).toMatch(/^us-east-1:/);
    expect(await whoAmI(session.credentials!)).toBe(`arn:aws:sts::${ACCT}:assumed-role/AmplifyAuth/CognitoIdentityCredentials`);

    // The login is recorded under the AWS name of the provider, whatever key Amplify sent.
    const identity = new CognitoIdentityClient({ endpoint: server.url, region: REGION, credentials: server.credentials });
    const described = await identity.send(new DescribeIdentityCommand({ IdentityId: session.identityId }));
    expect(described.Logins).toEqual([`cognito-idp.${REGION}.amazonaws.com/${userPoolId}`]);

    const refreshed = await fetchAuthSession({ forceRefresh: true });
    expect(refreshed.identityId).toBe(session.identityId);
    expect(await whoAmI(refreshed.credentials!)).toContain('assumed-role/AmplifyAuth/');
    await signOut();
  });
});
