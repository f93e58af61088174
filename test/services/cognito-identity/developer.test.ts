import {
  CognitoIdentityClient,
  CreateIdentityPoolCommand,
  DescribeIdentityCommand,
  GetIdCommand,
  GetOpenIdTokenCommand,
  GetOpenIdTokenForDeveloperIdentityCommand,
  ListIdentitiesCommand,
  LookupDeveloperIdentityCommand,
  MergeDeveloperIdentitiesCommand,
  UnlinkDeveloperIdentityCommand,
  UnlinkIdentityCommand,
} from '@aws-sdk/client-cognito-identity';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boto3 } from '../../support/cli.js';
import { REGION, startServer, type TestServer } from '../../support/gatehouse.js';
import { errorOf } from './support.js';

let server: TestServer;
let admin: CognitoIdentityClient;
let app: CognitoIdentityClient;
const DEV = 'login.example.app';
const CI = 'cognito-identity.amazonaws.com';
let IdentityPoolId: string;

beforeAll(async () => {
  server = await startServer();
  admin = new CognitoIdentityClient({ endpoint: server.url, region: REGION, credentials: server.credentials });
  app = new CognitoIdentityClient({ endpoint: server.url, region: REGION });
  IdentityPoolId = (await admin.send(new CreateIdentityPoolCommand({ IdentityPoolName: 'dev', AllowUnauthenticatedIdentities: true, DeveloperProviderName: DEV }))).IdentityPoolId!;
});
afterAll(async () => {
  await server.close();
});

async function devToken(user: string, extra: { IdentityId?: string; TokenDuration?: number; PrincipalTags?: Record<string, string> } = {}): Promise<{ IdentityId: string; Token: string }> {
  const out = await admin.send(new GetOpenIdTokenForDeveloperIdentityCommand({ IdentityPoolId, Logins: { [DEV]: user }, ...extra }));
  return { IdentityId: out.IdentityId!, Token: out.Token! };
}

describe('developer-authenticated identities', () => {
  it('issues a 15-minute token whose amr names the developer provider, the same identity every time', async () => {
    const first = await devToken('user-1');
    const again = await devToken('user-1');
    expect(again.IdentityId).toBe(first.IdentityId);
    const jwks = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks_uri`));
    const { payload } = await jwtVerify(first.Token, jwks, { issuer: 'https://cognito-identity.amazonaws.com', audience: IdentityPoolId });
    expect(payload.sub).toBe(first.IdentityId);
    expect(payload.amr).toEqual(['authenticated', DEV, `${DEV}:${IdentityPoolId}:user-1`]);
    expect(payload.exp! - payload.iat!).toBe(900);
    const described = await admin.send(new DescribeIdentityCommand({ IdentityId: first.IdentityId }));
    expect(described.Logins).toEqual([DEV]);
  });

  it('honours TokenDuration and puts PrincipalTags where STS reads session tags', async () => {
    const { Token } = await devToken('user-tags', { TokenDuration: 3600, PrincipalTags: { dept: 'eng' } });
    const claims = decodeJwt(Token);
    expect(claims.exp! - claims.iat!).toBe(3600);
    expect(claims['https://aws.amazon.com/tags']).toEqual({ principal_tags: { dept: ['eng'] } });
  });

  it('lets the app present the token as the cognito-identity.amazonaws.com login', async () => {
    const { IdentityId, Token } = await devToken('user-app');
    expect((await app.send(new GetIdCommand({ IdentityPoolId, Logins: { [CI]: Token } }))).IdentityId).toBe(IdentityId);
    const out = await app.send(new GetOpenIdTokenCommand({ IdentityId, Logins: { [CI]: Token } }));
    expect(decodeJwt(out.Token!)).toMatchObject({ sub: IdentityId, amr: ['authenticated', DEV, `${DEV}:${IdentityPoolId}:user-app`] });
    // An authenticated identity is not a guest: no logins, no token.
    expect(await errorOf(app.send(new GetOpenIdTokenCommand({ IdentityId })))).toMatchObject({ name: 'NotAuthorizedException', message: `Access to Identity '${IdentityId}' is forbidden.` });
  });

  it('turns a guest into an authenticated identity, keeping its id', async () => {
    const { IdentityId } = await app.send(new GetIdCommand({ IdentityPoolId }));
    const linked = await devToken('user-guest', { IdentityId: IdentityId! });
    expect(linked.IdentityId).toBe(IdentityId);
    expect((await admin.send(new DescribeIdentityCommand({ IdentityId }))).Logins).toEqual([DEV]);
    expect((await devToken('user-guest')).IdentityId).toBe(IdentityId);
  });

  it("refuses another identity's token with Logins don't match", async () => {
    const a = await devToken('user-a');
    const b = await devToken('user-b');
    const e = await errorOf(app.send(new GetOpenIdTokenCommand({ IdentityId: a.IdentityId, Logins: { [CI]: b.Token } })));
    expect(e).toMatchObject({ name: 'NotAuthorizedException', message: "Logins don't match. Please include at least one valid login for this identity or identity pool." });
    // Linking a new developer user to an authenticated identity needs one of its logins.
    const link = await errorOf(admin.send(new GetOpenIdTokenForDeveloperIdentityCommand({ IdentityPoolId, IdentityId: a.IdentityId, Logins: { [DEV]: 'user-new' } })));
    expect(link.name).toBe('NotAuthorizedException');
    expect(link.message).toBe("Logins don't match. Please include at least one valid login for this identity or identity pool.");
  });

  it('refuses a developer user already registered under another identity', async () => {
    const a = await devToken('user-c');
    await devToken('user-d');
    const e = await errorOf(admin.send(new GetOpenIdTokenForDeveloperIdentityCommand({ IdentityPoolId, IdentityId: a.IdentityId, Logins: { [DEV]: 'user-d' } })));
    expect(e).toMatchObject({ name: 'DeveloperUserAlreadyRegisteredException', status: 400 });
  });

  it('refuses a developer provider the pool does not have', async () => {
    const e = await errorOf(admin.send(new GetOpenIdTokenForDeveloperIdentityCommand({ IdentityPoolId, Logins: { 'other.example.app': 'u' } })));
    expect(e).toMatchObject({ name: 'NotAuthorizedException', message: 'This identity pool does not support the specified developer provider' });
  });

  it('refuses forged, expired and other-pool tokens', async () => {
    const { IdentityId, Token } = await devToken('user-e');
    const [h, p, s] = Token.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ ...decodeJwt(Token), sub: 'us-east-1:00000000-0000-0000-0000-000000000000' })).toString('base64url');
    const forged = await errorOf(app.send(new GetIdCommand({ IdentityPoolId, Logins: { [CI]: `${h}.${forgedPayload}.${s}` } })));
    expect(forged).toMatchObject({ name: 'NotAuthorizedException', message: "Invalid login token. Couldn't verify signed token." });
    const garbage = await errorOf(app.send(new GetIdCommand({ IdentityPoolId, Logins: { [CI]: 'not-a-jwt' } })));
    expect(garbage).toMatchObject({ name: 'NotAuthorizedException', message: 'Invalid login token. Not a valid OpenId Connect identity token.' });
    // JSON that is not an object (`null`, `[]`) in the header or payload is malformed too, not a crash.
    for (const [head, body] of [['null', '{}'], ['{}', 'null'], ['[]', '{}']]) {
      const odd = `${Buffer.from(head!).toString('base64url')}.${Buffer.from(body!).toString('base64url')}.${s}`;
      expect(await errorOf(app.send(new GetIdCommand({ IdentityPoolId, Logins: { [CI]: odd } })))).toMatchObject({
        name: 'NotAuthorizedException',
        message: 'Invalid login token. Not a valid OpenId Connect identity token.',
      });
    }
    void p;

    const other = (await admin.send(new CreateIdentityPoolCommand({ IdentityPoolName: 'other', AllowUnauthenticatedIdentities: true }))).IdentityPoolId!;
    const wrongPool = await errorOf(app.send(new GetIdCommand({ IdentityPoolId: other, Logins: { [CI]: Token } })));
    expect(wrongPool).toMatchObject({ name: 'NotAuthorizedException', message: 'Token is not from a supported provider of this identity pool.' });

    server.gatehouse.clock.advance(16 * 60_000);
    try {
      const e = await errorOf(app.send(new GetOpenIdTokenCommand({ IdentityId, Logins: { [CI]: Token } })));
      expect(e.name).toBe('NotAuthorizedException');
      const exp = decodeJwt(Token).exp!;
      const m = /^Invalid login token\. Token expired: (\d+) >= (\d+)$/.exec(e.message);
      expect(m).not.toBeNull();
      expect(Number(m![2])).toBe(exp);
      expect(Number(m![1])).toBeGreaterThanOrEqual(exp);
    } finally {
      server.gatehouse.clock.reset();
    }
  });

  it('looks up developer users by identity and by user, page by page', async () => {
    const { IdentityId, Token } = await devToken('user-f1');
    for (const u of ['user-f2', 'user-f3']) {
      await admin.send(new GetOpenIdTokenForDeveloperIdentityCommand({ IdentityPoolId, IdentityId, Logins: { [DEV]: u, [CI]: Token } }));
    }
    const byUser = await admin.send(new LookupDeveloperIdentityCommand({ IdentityPoolId, DeveloperUserIdentifier: 'user-f2' }));
    expect(byUser).toMatchObject({ IdentityId, DeveloperUserIdentifierList: ['user-f1', 'user-f2', 'user-f3'] });
    const page1 = await admin.send(new LookupDeveloperIdentityCommand({ IdentityPoolId, IdentityId, MaxResults: 2 }));
    expect(page1.DeveloperUserIdentifierList).toEqual(['user-f1', 'user-f2']);
    const page2 = await admin.send(new LookupDeveloperIdentityCommand({ IdentityPoolId, IdentityId, MaxResults: 2, NextToken: page1.NextToken }));
    expect(page2.DeveloperUserIdentifierList).toEqual(['user-f3']);
    expect(page2.NextToken).toBeUndefined();
    const none = await errorOf(admin.send(new LookupDeveloperIdentityCommand({ IdentityPoolId, DeveloperUserIdentifier: 'nobody' })));
    expect(none.name).toBe('ResourceNotFoundException');
    const neither = await errorOf(admin.send(new LookupDeveloperIdentityCommand({ IdentityPoolId })));
    expect(neither.name).toBe('InvalidParameterException');
  });

  it('merges two developer users into the destination identity', async () => {
    const src = await devToken('user-src');
    const dst = await devToken('user-dst');
    const out = await admin.send(new MergeDeveloperIdentitiesCommand({ IdentityPoolId, DeveloperProviderName: DEV, SourceUserIdentifier: 'user-src', DestinationUserIdentifier: 'user-dst' }));
    expect(out.IdentityId).toBe(dst.IdentityId);
    expect((await admin.send(new LookupDeveloperIdentityCommand({ IdentityPoolId, DeveloperUserIdentifier: 'user-src' }))).IdentityId).toBe(dst.IdentityId);
    expect((await errorOf(admin.send(new DescribeIdentityCommand({ IdentityId: src.IdentityId })))).name).toBe('ResourceNotFoundException');
    const unknown = await errorOf(admin.send(new MergeDeveloperIdentitiesCommand({ IdentityPoolId, DeveloperProviderName: DEV, SourceUserIdentifier: 'nobody', DestinationUserIdentifier: 'user-dst' })));
    expect(unknown.name).toBe('ResourceNotFoundException');
    const wrongProvider = await errorOf(admin.send(new MergeDeveloperIdentitiesCommand({ IdentityPoolId, DeveloperProviderName: 'x.example', SourceUserIdentifier: 'user-src', DestinationUserIdentifier: 'user-dst' })));
    expect(wrongProvider.name).toBe('NotAuthorizedException');
  });

  it('unlinking the last login makes the identity inaccessible (disabled)', async () => {
    const { IdentityId, Token } = await devToken('user-g1');
    await admin.send(new GetOpenIdTokenForDeveloperIdentityCommand({ IdentityPoolId, IdentityId, Logins: { [DEV]: 'user-g2', [CI]: Token } }));
    await admin.send(new UnlinkDeveloperIdentityCommand({ IdentityPoolId, IdentityId, DeveloperProviderName: DEV, DeveloperUserIdentifier: 'user-g1' }));
    expect((await admin.send(new LookupDeveloperIdentityCommand({ IdentityPoolId, IdentityId }))).DeveloperUserIdentifierList).toEqual(['user-g2']);
    // The token still proves the identity while it has a login left.
    expect((await app.send(new GetOpenIdTokenCommand({ IdentityId, Logins: { [CI]: Token } }))).IdentityId).toBe(IdentityId);
    await admin.send(new UnlinkDeveloperIdentityCommand({ IdentityPoolId, IdentityId, DeveloperProviderName: DEV, DeveloperUserIdentifier: 'user-g2' }));
    const e = await errorOf(app.send(new GetOpenIdTokenCommand({ IdentityId, Logins: { [CI]: Token } })));
    expect(e).toMatchObject({ name: 'NotAuthorizedException', message: `Access to Identity '${IdentityId}' is forbidden.` });
    const all = await admin.send(new ListIdentitiesCommand({ IdentityPoolId, MaxResults: 60 }));
    const visible = await admin.send(new ListIdentitiesCommand({ IdentityPoolId, MaxResults: 60, HideDisabled: true }));
    expect(all.Identities!.map((i) => i.IdentityId)).toContain(IdentityId);
    expect(visible.Identities!.map((i) => i.IdentityId)).not.toContain(IdentityId);
    // The unlinked developer user is a new user next time.
    expect((await devToken('user-g1')).IdentityId).not.toBe(IdentityId);
  });

  it('UnlinkIdentity removes a provider given a valid login for the identity', async () => {
    const { IdentityId, Token } = await devToken('user-h');
    await app.send(new UnlinkIdentityCommand({ IdentityId, Logins: { [CI]: Token }, LoginsToRemove: [DEV] }));
    expect((await admin.send(new DescribeIdentityCommand({ IdentityId }))).Logins).toBeUndefined();
    const other = await devToken('user-i');
    const e = await errorOf(app.send(new UnlinkIdentityCommand({ IdentityId: other.IdentityId, Logins: { [CI]: Token }, LoginsToRemove: [DEV] })));
    expect(e.name).toBe('NotAuthorizedException');
  });

  it('works from boto3 (get_open_id_token_for_developer_identity, lookup_developer_identity)', async () => {
    const py = await boto3(
      server.url,
      server.credentials,
      `
c = boto3.client('cognito-identity', endpoint_url=ENDPOINT, region_name=REGION)
t = c.get_open_id_token_for_developer_identity(IdentityPoolId=${JSON.stringify(IdentityPoolId)}, Logins={${JSON.stringify(DEV)}: 'boto-user'})
l = c.lookup_developer_identity(IdentityPoolId=${JSON.stringify(IdentityPoolId)}, DeveloperUserIdentifier='boto-user')
print(json.dumps({'same': t['IdentityId'] == l['IdentityId'], 'users': l['DeveloperUserIdentifierList']}))
`,
    );
    expect(py.stderr).toBe('');
    expect(JSON.parse(py.stdout)).toEqual({ same: true, users: ['boto-user'] });
  });
});
