/**
 * The federation logic (logins, linking, role resolution, STS requests) through the official
 * clients, with User Pools, IAM and STS behind the service's ports played by the test (see
 * harness.ts). The same flows run against the real services in credentials-e2e.test.ts and walkthrough.test.ts.
 */
import {
  CognitoIdentityClient,
  CreateIdentityPoolCommand,
  DeleteIdentitiesCommand,
  DeleteIdentityPoolCommand,
  DescribeIdentityCommand,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
  GetOpenIdTokenCommand,
  SetIdentityPoolRolesCommand,
  UnlinkIdentityCommand,
} from '@aws-sdk/client-cognito-identity';
import { fromCognitoIdentityPool } from '@aws-sdk/credential-providers';
import AWS from 'aws-sdk';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdjustableClock } from '../../../src/clock.js';
import { JoseOidcVerifier } from '../../../src/services/cognito-identity/oidc.js';
import { REGION, ROOT } from '../../support/gatehouse.js';
import { FakeOidcDirectory, FakeSts, FakeUserPools, startHarness, startIssuer, type HarnessServer, type TestIssuer } from './harness.js';
import { errorOf } from './support.js';

const USER_POOL_ID = 'us-east-1_Walkthru1';
const OTHER_POOL_ID = 'us-east-1_Elsewhere2';
const KEY = `cognito-idp.us-east-1.amazonaws.com/${USER_POOL_ID}`;
const CLIENT = 'walkthroughclient1';
const AUTH = 'arn:aws:iam::000000000000:role/Cognito_Auth_Role';
const UNAUTH = 'arn:aws:iam::000000000000:role/Cognito_Unauth_Role';
const ADMIN = 'arn:aws:iam::000000000000:role/Admins';
const EDITOR = 'arn:aws:iam::000000000000:role/Editors';

let clock: AdjustableClock;
let userPools: FakeUserPools;
let sts: FakeSts;
let oidc: FakeOidcDirectory;
let issuer: TestIssuer;
let server: HarnessServer;
let admin: CognitoIdentityClient;
let app: CognitoIdentityClient;
let poolId: string;
let oidcKey: string;

beforeAll(async () => {
  clock = new AdjustableClock();
  userPools = new FakeUserPools(clock);
  sts = new FakeSts(clock);
  oidc = new FakeOidcDirectory();
  issuer = await startIssuer();
  oidcKey = issuer.hostPath;
  const oidcArn = oidc.add(issuer.hostPath, ['oidc-app']);
  server = await startHarness({ userPools, sts, oidcProviders: oidc, oidcVerifier: new JoseOidcVerifier() }, clock);
  admin = new CognitoIdentityClient({ endpoint: server.url, region: REGION, credentials: ROOT });
  app = new CognitoIdentityClient({ endpoint: server.url, region: REGION });
  poolId = (await admin.send(
    new CreateIdentityPoolCommand({
      IdentityPoolName: 'MSNIdentityPool',
      AllowUnauthenticatedIdentities: true,
      CognitoIdentityProviders: [{ ProviderName: KEY, ClientId: CLIENT }],
      OpenIdConnectProviderARNs: [oidcArn],
    }),
  )).IdentityPoolId!;
  await admin.send(new SetIdentityPoolRolesCommand({ IdentityPoolId: poolId, Roles: { authenticated: AUTH, unauthenticated: UNAUTH } }));
});
afterAll(async () => {
  await server.close();
  await issuer.close();
});

function lastCall(): (typeof sts.calls)[number] {
  return sts.calls[sts.calls.length - 1]!;
}

describe('User Pool logins (the walkthrough)', () => {
  it('GetId gives the same identity on every login; GetCredentialsForIdentity asks STS for the authenticated role', async () => {
    const token = await userPools.idToken(USER_POOL_ID, CLIENT, 'sub-alice');
    const { IdentityId } = await app.send(new GetIdCommand({ IdentityPoolId: poolId, Logins: { [KEY]: token } }));
    const again = await app.send(new GetIdCommand({ IdentityPoolId: poolId, Logins: { [KEY]: await userPools.idToken(USER_POOL_ID, CLIENT, 'sub-alice') } }));
    expect(again.IdentityId).toBe(IdentityId);
    const out = await app.send(new GetCredentialsForIdentityCommand({ IdentityId, Logins: { [KEY]: token } }));
    expect(out.IdentityId).toBe(IdentityId);
    expect(out.Credentials!.AccessKeyId).toMatch(/^ASIA/);
    expect(out.Credentials!.Expiration).toBeInstanceOf(Date);
    expect(Math.round((out.Credentials!.Expiration!.getTime() - clock.now()) / 60_000)).toBe(60);
    expect(lastCall()).toEqual({
      roleArn: AUTH,
      roleSessionName: 'CognitoIdentityCredentials',
      provider: 'cognito-identity.amazonaws.com',
      claims: { aud: poolId, sub: IdentityId, amr: ['authenticated', KEY, `${KEY}:CognitoSignIn:sub-alice`] },
      durationSeconds: 3600,
    });
    expect((await admin.send(new DescribeIdentityCommand({ IdentityId }))).Logins).toEqual([KEY]);
  });

  it('gives guests the unauthenticated role with amr unauthenticated', async () => {
    const { IdentityId } = await app.send(new GetIdCommand({ IdentityPoolId: poolId }));
    await app.send(new GetCredentialsForIdentityCommand({ IdentityId }));
    expect(lastCall()).toMatchObject({ roleArn: UNAUTH, claims: { aud: poolId, sub: IdentityId, amr: ['unauthenticated'] } });
  });

  it("does not take a guest's own OpenID token as a login (it would lift the guest to the authenticated role)", async () => {
    const { IdentityId } = await app.send(new GetIdCommand({ IdentityPoolId: poolId }));
    const { Token } = await app.send(new GetOpenIdTokenCommand({ IdentityId }));
    const calls = sts.calls.length;
    for (const call of [
      () => app.send(new GetCredentialsForIdentityCommand({ IdentityId, Logins: { 'cognito-identity.amazonaws.com': Token! } })),
      () => app.send(new GetIdCommand({ IdentityPoolId: poolId, Logins: { 'cognito-identity.amazonaws.com': Token! } })),
    ]) {
      expect(await errorOf(call())).toMatchObject({ name: 'NotAuthorizedException', status: 400, message: 'Invalid login token. Not a valid OpenId Connect identity token.' });
    }
    expect(sts.calls.length).toBe(calls);
    // Still a guest: its credentials are the unauthenticated role's.
    await app.send(new GetCredentialsForIdentityCommand({ IdentityId }));
    expect(lastCall()).toMatchObject({ roleArn: UNAUTH, claims: { amr: ['unauthenticated'] } });
  });

  it('turns a guest that logs in into an authenticated identity with the same id', async () => {
    const { IdentityId } = await app.send(new GetIdCommand({ IdentityPoolId: poolId }));
    const token = await userPools.idToken(USER_POOL_ID, CLIENT, 'sub-guest-then-bob');
    const out = await app.send(new GetCredentialsForIdentityCommand({ IdentityId, Logins: { [KEY]: token } }));
    expect(out.IdentityId).toBe(IdentityId);
    expect(lastCall()).toMatchObject({ roleArn: AUTH, claims: { sub: IdentityId } });
    expect((await app.send(new GetIdCommand({ IdentityPoolId: poolId, Logins: { [KEY]: token } }))).IdentityId).toBe(IdentityId);
    // No longer a guest: without its login the identity is refused.
    expect(await errorOf(app.send(new GetCredentialsForIdentityCommand({ IdentityId })))).toMatchObject({ name: 'NotAuthorizedException', message: `Access to Identity '${IdentityId}' is forbidden.` });
  });

  it('reads the key Amplify derives from the token issuer (<public URL>/<pool id>) as the same provider', async () => {
    const token = await userPools.idToken(USER_POOL_ID, CLIENT, 'sub-amplify');
    const amplifyKey = `${server.url.replace(/^http:\/\//, '')}/${USER_POOL_ID}`;
    const a = await app.send(new GetIdCommand({ IdentityPoolId: poolId, Logins: { [amplifyKey]: token } }));
    const b = await app.send(new GetIdCommand({ IdentityPoolId: poolId, Logins: { [KEY]: token } }));
    expect(a.IdentityId).toBe(b.IdentityId);
    await app.send(new GetCredentialsForIdentityCommand({ IdentityId: a.IdentityId, Logins: { [amplifyKey]: token } }));
    expect(lastCall().claims.amr).toEqual(['authenticated', KEY, `${KEY}:CognitoSignIn:sub-amplify`]);
    expect((await admin.send(new DescribeIdentityCommand({ IdentityId: a.IdentityId }))).Logins).toEqual([KEY]);
    // Both spellings in one Logins map are one login, linked once.
    const both = await userPools.idToken(USER_POOL_ID, CLIENT, 'sub-amplify-both');
    const one = await app.send(new GetIdCommand({ IdentityPoolId: poolId, Logins: { [amplifyKey]: both, [KEY]: both } }));
    expect((await admin.send(new DescribeIdentityCommand({ IdentityId: one.IdentityId }))).Logins).toEqual([KEY]);
    expect((await app.send(new GetIdCommand({ IdentityPoolId: poolId, Logins: { [KEY]: both } }))).IdentityId).toBe(one.IdentityId);
    const elsewhere = await errorOf(app.send(new GetIdCommand({ IdentityPoolId: poolId, Logins: { [`other.host:1/${USER_POOL_ID}`]: token } })));
    expect(elsewhere.message).toBe('Token is not from a supported provider of this identity pool.');
  });

  it('concurrent first logins of one user make one identity; concurrent guests claiming one login: one wins', async () => {
    const token = await userPools.idToken(USER_POOL_ID, CLIENT, 'sub-rush');
    const ids = await Promise.all(Array.from({ length: 8 }, () => app.send(new GetIdCommand({ IdentityPoolId: poolId, Logins: { [KEY]: token } }))));
    expect(new Set(ids.map((o) => o.IdentityId)).size).toBe(1);
    expect((await admin.send(new DescribeIdentityCommand({ IdentityId: ids[0]!.IdentityId }))).Logins).toEqual([KEY]);

    const guests = await Promise.all([0, 1, 2, 3].map(() => app.send(new GetIdCommand({ IdentityPoolId: poolId }))));
    const claim = await userPools.idToken(USER_POOL_ID, CLIENT, 'sub-contested');
    const outcomes = await Promise.allSettled(guests.map((g) => app.send(new GetCredentialsForIdentityCommand({ IdentityId: g.IdentityId, Logins: { [KEY]: claim } }))));
    const won = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [guests[i]!.IdentityId] : []));
    expect(won).toHaveLength(1);
    for (const o of outcomes) if (o.status === 'rejected') expect((o.reason as Error).name).toBe('NotAuthorizedException');
    expect((await app.send(new GetIdCommand({ IdentityPoolId: poolId, Logins: { [KEY]: claim } }))).IdentityId).toBe(won[0]);
  });

  it("refuses another user's login for an identity", async () => {
    const carol = await userPools.idToken(USER_POOL_ID, CLIENT, 'sub-carol');
    const dave = await userPools.idToken(USER_POOL_ID, CLIENT, 'sub-dave');
    const { IdentityId } = await app.send(new GetIdCommand({ IdentityPoolId: poolId, Logins: { [KEY]: carol } }));
    await app.send(new GetIdCommand({ IdentityPoolId: poolId, Logins: { [KEY]: dave } }));
    const e = await errorOf(app.send(new GetCredentialsForIdentityCommand({ IdentityId, Logins: { [KEY]: dave } })));
    expect(e).toMatchObject({ name: 'NotAuthorizedException', status: 400, message: "Logins don't match. Please include at least one valid login for this identity or identity pool." });
    const fresh = await errorOf(app.send(new GetCredentialsForIdentityCommand({ IdentityId, Logins: { [KEY]: await userPools.idToken(USER_POOL_ID, CLIENT, 'sub-erin') } })));
    expect(fresh.message).toBe("Logins don't match. Please include at least one valid login for this identity or identity pool.");
  });

  it('refuses forged, expired, other-pool, other-client and revoked ID tokens', async () => {
    const good = await userPools.idToken(USER_POOL_ID, CLIENT, 'sub-frank');
    const [h, p, s] = good.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...decodeJwt(good), sub: 'sub-admin' })).toString('base64url')}.${s}`;
    void p;
    const cases: [string, string, string][] = [
      ['forged', forged, "Invalid login token. Couldn't verify signed token."],
      ['other pool', await userPools.idToken(OTHER_POOL_ID, CLIENT, 'sub-frank'), "Invalid login token. Couldn't verify signed token."],
      ['other client', await userPools.idToken(USER_POOL_ID, 'someotherclient', 'sub-frank'), 'Token is not from a supported provider of this identity pool.'],
      ['garbage', 'abc', 'Invalid login token. Not a valid OpenId Connect identity token.'],
    ];
    for (const [what, token, message] of cases) {
      const e = await errorOf(app.send(new GetIdCommand({ IdentityPoolId: poolId, Logins: { [KEY]: token } })));
      expect({ what, ...e }).toMatchObject({ what, name: 'NotAuthorizedException', status: 400, message });
    }
    const revoked = await userPools.idToken(USER_POOL_ID, CLIENT, 'sub-frank');
    userPools.revoked.add(String(decodeJwt(revoked).jti));
    expect((await errorOf(app.send(new GetIdCommand({ IdentityPoolId: poolId, Logins: { [KEY]: revoked } })))).name).toBe('NotAuthorizedException');

    const short = await userPools.idToken(USER_POOL_ID, CLIENT, 'sub-frank', {}, 60);
    clock.advance(120_000);
    try {
      const e = await errorOf(app.send(new GetIdCommand({ IdentityPoolId: poolId, Logins: { [KEY]: short } })));
      expect(e.message).toMatch(/^Invalid login token\. Token expired: \d+ >= \d+$/);
    } finally {
      clock.reset();
    }
  });

  it('answers InvalidIdentityPoolConfigurationException when STS will not assume the role', async () => {
    const token = await userPools.idToken(USER_POOL_ID, CLIENT, 'sub-gina');
    const { IdentityId } = await app.send(new GetIdCommand({ IdentityPoolId: poolId, Logins: { [KEY]: token } }));
    sts.untrusted.add(AUTH);
    try {
      const e = await errorOf(app.send(new GetCredentialsForIdentityCommand({ IdentityId, Logins: { [KEY]: token } })));
      expect(e).toMatchObject({ name: 'InvalidIdentityPoolConfigurationException', status: 400, message: 'Invalid identity pool configuration. Check assigned IAM roles for this pool.' });
    } finally {
      sts.untrusted.delete(AUTH);
    }
  });

  it('UnlinkIdentity removes the login; the identity is then inaccessible', async () => {
    const token = await userPools.idToken(USER_POOL_ID, CLIENT, 'sub-hank');
    const { IdentityId } = await app.send(new GetIdCommand({ IdentityPoolId: poolId, Logins: { [KEY]: token } }));
    await app.send(new UnlinkIdentityCommand({ IdentityId, Logins: { [KEY]: token }, LoginsToRemove: [KEY] }));
    const e = await errorOf(app.send(new GetCredentialsForIdentityCommand({ IdentityId, Logins: { [KEY]: token } })));
    expect(e).toMatchObject({ name: 'NotAuthorizedException', message: `Access to Identity '${IdentityId}' is forbidden.` });
    // The login is a new user next time.
    expect((await app.send(new GetIdCommand({ IdentityPoolId: poolId, Logins: { [KEY]: token } }))).IdentityId).not.toBe(IdentityId);
  });

  it('an identity deleted while its login was being verified is ResourceNotFoundException, not an internal error', async () => {
    const { IdentityId } = await app.send(new GetIdCommand({ IdentityPoolId: poolId }));
    const token = await userPools.idToken(USER_POOL_ID, CLIENT, 'sub-vanishing');
    userPools.latencyMs = 300;
    let pending: Promise<unknown>;
    try {
      // One attempt: the SDK would retry a 500 and hide it.
      const once = new CognitoIdentityClient({ endpoint: server.url, region: REGION, maxAttempts: 1 });
      pending = errorOf(once.send(new GetCredentialsForIdentityCommand({ IdentityId, Logins: { [KEY]: token } })));
      await new Promise((resolve) => setTimeout(resolve, 100));
      await admin.send(new DeleteIdentitiesCommand({ IdentityIdsToDelete: [IdentityId!] }));
    } finally {
      userPools.latencyMs = 0;
    }
    expect(await pending).toMatchObject({ name: 'ResourceNotFoundException', status: 400, message: `Identity '${IdentityId}' not found.` });
    // Nothing was linked to the deleted identity: the login is a new user.
    const again = await app.send(new GetIdCommand({ IdentityPoolId: poolId, Logins: { [KEY]: token } }));
    expect(again.IdentityId).not.toBe(IdentityId);
  });

  it('a pool deleted while a first login was being verified is ResourceNotFoundException, not an internal error', async () => {
    const doomed = (await admin.send(new CreateIdentityPoolCommand({ IdentityPoolName: 'doomed', AllowUnauthenticatedIdentities: false, CognitoIdentityProviders: [{ ProviderName: KEY, ClientId: CLIENT }] }))).IdentityPoolId!;
    const token = await userPools.idToken(USER_POOL_ID, CLIENT, 'sub-doomed');
    userPools.latencyMs = 300;
    let pending: Promise<unknown>;
    try {
      const once = new CognitoIdentityClient({ endpoint: server.url, region: REGION, maxAttempts: 1 });
      pending = errorOf(once.send(new GetIdCommand({ IdentityPoolId: doomed, Logins: { [KEY]: token } })));
      await new Promise((resolve) => setTimeout(resolve, 100));
      await admin.send(new DeleteIdentityPoolCommand({ IdentityPoolId: doomed }));
    } finally {
      userPools.latencyMs = 0;
    }
    expect(await pending).toMatchObject({ name: 'ResourceNotFoundException', status: 400, message: `IdentityPool '${doomed}' not found.` });
  });

  it("UnlinkIdentity on a guest identity is refused: a stranger's fresh login must not disable someone else's guest", async () => {
    const { IdentityId } = await app.send(new GetIdCommand({ IdentityPoolId: poolId }));
    const stranger = await userPools.idToken(USER_POOL_ID, CLIENT, 'sub-stranger');
    const e = await errorOf(app.send(new UnlinkIdentityCommand({ IdentityId, Logins: { [KEY]: stranger }, LoginsToRemove: [KEY] })));
    expect(e).toMatchObject({ name: 'NotAuthorizedException', status: 400, message: "Logins don't match. Please include at least one valid login for this identity or identity pool." });
    await app.send(new GetCredentialsForIdentityCommand({ IdentityId }));
    expect(lastCall()).toMatchObject({ roleArn: UNAUTH, claims: { sub: IdentityId, amr: ['unauthenticated'] } });
  });
});

describe('role mappings', () => {
  let mapped: string;
  beforeAll(async () => {
    mapped = (await admin.send(new CreateIdentityPoolCommand({ IdentityPoolName: 'mapped', AllowUnauthenticatedIdentities: false, CognitoIdentityProviders: [{ ProviderName: KEY, ClientId: CLIENT }] }))).IdentityPoolId!;
  });

  async function credentialsAs(sub: string, claims: Record<string, unknown>, CustomRoleArn?: string): Promise<void> {
    const token = await userPools.idToken(USER_POOL_ID, CLIENT, sub, claims);
    const { IdentityId } = await app.send(new GetIdCommand({ IdentityPoolId: mapped, Logins: { [KEY]: token } }));
    await app.send(new GetCredentialsForIdentityCommand({ IdentityId, Logins: { [KEY]: token }, CustomRoleArn }));
  }

  it('Token: cognito:preferred_role, or the CustomRoleArn picked among cognito:roles; Deny otherwise', async () => {
    await admin.send(
      new SetIdentityPoolRolesCommand({ IdentityPoolId: mapped, Roles: { authenticated: AUTH }, RoleMappings: { [`${KEY}:${CLIENT}`]: { Type: 'Token', AmbiguousRoleResolution: 'Deny' } } }),
    );
    await credentialsAs('sub-t1', { 'cognito:groups': ['admins', 'editors'], 'cognito:roles': [ADMIN, EDITOR], 'cognito:preferred_role': ADMIN });
    expect(lastCall().roleArn).toBe(ADMIN);
    await credentialsAs('sub-t2', { 'cognito:roles': [ADMIN, EDITOR], 'cognito:preferred_role': ADMIN }, EDITOR);
    expect(lastCall().roleArn).toBe(EDITOR);
    const e = await errorOf(credentialsAs('sub-t3', { 'cognito:roles': [ADMIN, EDITOR] }));
    expect(e).toMatchObject({ name: 'NotAuthorizedException', message: `The ambiguous role mapping rules for: ${KEY} denied this request.` });
  });

  it('Token with AuthenticatedRole falls back to the authenticated role', async () => {
    await admin.send(
      new SetIdentityPoolRolesCommand({ IdentityPoolId: mapped, Roles: { authenticated: AUTH }, RoleMappings: { [`${KEY}:${CLIENT}`]: { Type: 'Token', AmbiguousRoleResolution: 'AuthenticatedRole' } } }),
    );
    await credentialsAs('sub-t4', {});
    expect(lastCall().roleArn).toBe(AUTH);
  });

  it('Rules: the first matching rule', async () => {
    await admin.send(
      new SetIdentityPoolRolesCommand({
        IdentityPoolId: mapped,
        Roles: {},
        RoleMappings: {
          [`${KEY}:${CLIENT}`]: {
            Type: 'Rules',
            AmbiguousRoleResolution: 'Deny',
            RulesConfiguration: {
              Rules: [
                { Claim: 'cognito:groups', MatchType: 'Contains', Value: 'admin', RoleARN: ADMIN },
                { Claim: 'email', MatchType: 'StartsWith', Value: 'editor', RoleARN: EDITOR },
              ],
            },
          },
        },
      }),
    );
    await credentialsAs('sub-r1', { 'cognito:groups': ['superadmins'], email: 'editor@x.example' });
    expect(lastCall().roleArn).toBe(ADMIN);
    await credentialsAs('sub-r2', { email: 'editor@x.example' });
    expect(lastCall().roleArn).toBe(EDITOR);
    expect((await errorOf(credentialsAs('sub-r3', { email: 'viewer@x.example' }))).name).toBe('NotAuthorizedException');
  });

  it('no role at all is an invalid configuration', async () => {
    await admin.send(new SetIdentityPoolRolesCommand({ IdentityPoolId: mapped, Roles: {} }));
    expect(await errorOf(credentialsAs('sub-n1', {}))).toMatchObject({ name: 'InvalidIdentityPoolConfigurationException' });
  });
});

describe('OpenID Connect provider logins', () => {
  it('verifies the token against the issuer JWKS and links sub to one identity', async () => {
    const token = await issuer.idToken({ sub: 'oidc-user-1', aud: 'oidc-app' });
    const { IdentityId } = await app.send(new GetIdCommand({ IdentityPoolId: poolId, Logins: { [oidcKey]: token } }));
    expect((await app.send(new GetIdCommand({ IdentityPoolId: poolId, Logins: { [oidcKey]: await issuer.idToken({ sub: 'oidc-user-1', aud: 'oidc-app' }) } }))).IdentityId).toBe(IdentityId);
    await app.send(new GetCredentialsForIdentityCommand({ IdentityId, Logins: { [oidcKey]: token } }));
    expect(lastCall()).toMatchObject({ roleArn: AUTH, claims: { sub: IdentityId, amr: ['authenticated', oidcKey, `${oidcKey}:oidc-app:oidc-user-1`] } });
  });

  it('refuses wrong audience, expired and wrongly signed tokens', async () => {
    const aud = await errorOf(app.send(new GetIdCommand({ IdentityPoolId: poolId, Logins: { [oidcKey]: await issuer.idToken({ sub: 'u', aud: 'not-registered' }) } })));
    expect(aud).toMatchObject({ name: 'NotAuthorizedException', message: 'Token is not from a supported provider of this identity pool.' });
    const expired = await errorOf(app.send(new GetIdCommand({ IdentityPoolId: poolId, Logins: { [oidcKey]: await issuer.idToken({ sub: 'u', aud: 'oidc-app' }, 60, Date.now() - 3600_000) } })));
    expect(expired.message).toMatch(/^Invalid login token\. Token expired: \d+ >= \d+$/);
    const other = await startIssuer();
    try {
      const wrongKey = (await other.idToken({ sub: 'u', aud: 'oidc-app' })).split('.');
      const mine = (await issuer.idToken({ sub: 'u', aud: 'oidc-app' })).split('.');
      const spliced = `${mine[0]}.${mine[1]}.${wrongKey[2]}`;
      expect((await errorOf(app.send(new GetIdCommand({ IdentityPoolId: poolId, Logins: { [oidcKey]: spliced } })))).message).toBe("Invalid login token. Couldn't verify signed token.");
      const foreign = await errorOf(app.send(new GetIdCommand({ IdentityPoolId: poolId, Logins: { [oidcKey]: await other.idToken({ sub: 'u', aud: 'oidc-app' }) } })));
      expect(foreign.message).toBe("Invalid login token. Issuer doesn't match providerName");
    } finally {
      await other.close();
    }
  });
});

describe('the basic flow', () => {
  it('registers our issuer with STS, whose verifier accepts our GetOpenIdToken tokens', async () => {
    const registered = sts.issuers.find((i) => i.issuer === 'https://cognito-identity.amazonaws.com');
    expect(registered?.provider).toBe('cognito-identity.amazonaws.com');
    const token = await userPools.idToken(USER_POOL_ID, CLIENT, 'sub-basic');
    const { IdentityId } = await app.send(new GetIdCommand({ IdentityPoolId: poolId, Logins: { [KEY]: token } }));
    const out = await app.send(new GetOpenIdTokenCommand({ IdentityId, Logins: { [KEY]: token } }));
    const claims = await registered!.verify(out.Token!, clock.now());
    expect(claims).toMatchObject({ sub: IdentityId, aud: poolId, amr: ['authenticated', KEY, `${KEY}:CognitoSignIn:sub-basic`] });
    await expect(registered!.verify(out.Token!, clock.now() + 11 * 60_000)).rejects.toThrow();
  });
});

describe('SDK credential providers against the service', () => {
  it('aws-sdk v2 CognitoIdentityCredentials with a User Pool login', async () => {
    const token = await userPools.idToken(USER_POOL_ID, CLIENT, 'sub-v2');
    // The client config is handed to the Cognito Identity (and STS) clients the provider makes.
    const clientConfig: AWS.ConfigurationOptions & { endpoint: string } = { endpoint: server.url, region: REGION };
    const creds = new AWS.CognitoIdentityCredentials({ IdentityPoolId: poolId, Logins: { [KEY]: token } }, clientConfig);
    await creds.getPromise();
    expect(creds.accessKeyId).toMatch(/^ASIA/);
    expect(creds.identityId).toBe(lastCall().claims.sub);
    expect(lastCall().roleArn).toBe(AUTH);
  });

  it('v3 fromCognitoIdentityPool, guest and with a login', async () => {
    const guest = await fromCognitoIdentityPool({ identityPoolId: poolId, clientConfig: { endpoint: server.url, region: REGION } })();
    expect(guest.accessKeyId).toMatch(/^ASIA/);
    expect(lastCall().roleArn).toBe(UNAUTH);
    const token = await userPools.idToken(USER_POOL_ID, CLIENT, 'sub-v3');
    const user = await fromCognitoIdentityPool({ identityPoolId: poolId, logins: { [KEY]: token }, clientConfig: { endpoint: server.url, region: REGION } })();
    expect(user.expiration).toBeInstanceOf(Date);
    expect(lastCall()).toMatchObject({ roleArn: AUTH, claims: { amr: ['authenticated', KEY, `${KEY}:CognitoSignIn:sub-v3`] } });
  });
});
