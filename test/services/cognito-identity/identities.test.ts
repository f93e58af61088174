import {
  CognitoIdentityClient,
  CreateIdentityPoolCommand,
  DeleteIdentitiesCommand,
  DescribeIdentityCommand,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
  GetOpenIdTokenCommand,
  ListIdentitiesCommand,
  SetIdentityPoolRolesCommand,
  UpdateIdentityPoolCommand,
} from '@aws-sdk/client-cognito-identity';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli } from '../../support/cli.js';
import { REGION, startServer, type TestServer } from '../../support/gatehouse.js';
import { errorOf } from './support.js';

let server: TestServer;
let admin: CognitoIdentityClient;
/** Public operations need no AWS credentials, as in a browser. */
let app: CognitoIdentityClient;
beforeAll(async () => {
  server = await startServer();
  admin = new CognitoIdentityClient({ endpoint: server.url, region: REGION, credentials: server.credentials });
  app = new CognitoIdentityClient({ endpoint: server.url, region: REGION });
});
afterAll(async () => {
  await server.close();
});

const ID = /^us-east-1:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const OIDC_ARN = 'arn:aws:iam::000000000000:oidc-provider/issuer.example';

async function pool(settings: { AllowUnauthenticatedIdentities: boolean; AllowClassicFlow?: boolean; OpenIdConnectProviderARNs?: string[] }): Promise<string> {
  return (await admin.send(new CreateIdentityPoolCommand({ IdentityPoolName: 'guests', ...settings }))).IdentityPoolId!;
}

describe('guest identities', () => {
  it('GetId creates a new guest identity per call, unsigned', async () => {
    const IdentityPoolId = await pool({ AllowUnauthenticatedIdentities: true });
    const a = await app.send(new GetIdCommand({ IdentityPoolId }));
    const b = await app.send(new GetIdCommand({ IdentityPoolId }));
    expect(a.IdentityId).toMatch(ID);
    expect(b.IdentityId).toMatch(ID);
    expect(a.IdentityId).not.toBe(b.IdentityId);
    const described = await admin.send(new DescribeIdentityCommand({ IdentityId: a.IdentityId }));
    expect(described.IdentityId).toBe(a.IdentityId);
    expect(described.Logins).toBeUndefined();
    expect(described.CreationDate).toBeInstanceOf(Date);
    expect(Math.abs(described.CreationDate!.getTime() - Date.now())).toBeLessThan(60_000);
  });

  it('refuses guests when the pool does not allow them', async () => {
    const IdentityPoolId = await pool({ AllowUnauthenticatedIdentities: false });
    const e = await errorOf(app.send(new GetIdCommand({ IdentityPoolId })));
    expect(e).toMatchObject({ name: 'NotAuthorizedException', status: 400, message: 'Unauthenticated access is not supported for this identity pool.' });
  });

  it('answers unknown pools and identities with ResourceNotFoundException', async () => {
    const IdentityPoolId = 'us-east-1:11111111-2222-3333-4444-555555555555';
    expect(await errorOf(app.send(new GetIdCommand({ IdentityPoolId })))).toMatchObject({ name: 'ResourceNotFoundException', message: `IdentityPool '${IdentityPoolId}' not found.` });
    const IdentityId = 'us-east-1:99999999-2222-3333-4444-555555555555';
    for (const call of [
      () => app.send(new GetCredentialsForIdentityCommand({ IdentityId })),
      () => app.send(new GetOpenIdTokenCommand({ IdentityId })),
      () => admin.send(new DescribeIdentityCommand({ IdentityId })),
    ]) {
      expect(await errorOf(call())).toMatchObject({ name: 'ResourceNotFoundException', message: `Identity '${IdentityId}' not found.` });
    }
  });

  it('GetOpenIdToken gives a guest an RS512 token that verifies against the JWKS', async () => {
    const IdentityPoolId = await pool({ AllowUnauthenticatedIdentities: true });
    const { IdentityId } = await app.send(new GetIdCommand({ IdentityPoolId }));
    const out = await app.send(new GetOpenIdTokenCommand({ IdentityId }));
    expect(out.IdentityId).toBe(IdentityId);
    const header = decodeProtectedHeader(out.Token!);
    expect(header).toEqual({ kid: 'us-east-11', typ: 'JWS', alg: 'RS512' });
    const jwks = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks_uri`));
    const { payload } = await jwtVerify(out.Token!, jwks, { issuer: 'https://cognito-identity.amazonaws.com', audience: IdentityPoolId, algorithms: ['RS512'] });
    expect(payload).toMatchObject({ sub: IdentityId, aud: IdentityPoolId, amr: ['unauthenticated'], 'https://cognito-identity.amazonaws.com/identity-pool-arn': `arn:aws:cognito-identity:us-east-1:000000000000:identitypool/${IdentityPoolId}` });
    expect(payload.exp! - payload.iat!).toBe(600);
  });

  it('serves the JWKS with the public key only', async () => {
    const res = await fetch(`${server.url}/.well-known/jwks_uri`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { keys: Record<string, string>[] };
    expect(body.keys.length).toBeGreaterThan(0);
    for (const k of body.keys) {
      expect(k).toMatchObject({ kty: 'RSA', alg: 'RS512', use: 'sig', e: 'AQAB' });
      expect(k.d).toBeUndefined();
      expect(k.p).toBeUndefined();
    }
  });

  it('refuses the basic flow when the pool disables it, or has role mappings', async () => {
    const IdentityPoolId = await pool({ AllowUnauthenticatedIdentities: true, OpenIdConnectProviderARNs: [OIDC_ARN] });
    const { IdentityId } = await app.send(new GetIdCommand({ IdentityPoolId }));
    await admin.send(new UpdateIdentityPoolCommand({ IdentityPoolId, IdentityPoolName: 'guests', AllowUnauthenticatedIdentities: true, AllowClassicFlow: false, OpenIdConnectProviderARNs: [OIDC_ARN] }));
    const off = await errorOf(app.send(new GetOpenIdTokenCommand({ IdentityId })));
    expect(off).toMatchObject({ name: 'InvalidParameterException', message: 'Basic (classic) flow is not enabled, please use enhanced flow.' });
    await admin.send(new UpdateIdentityPoolCommand({ IdentityPoolId, IdentityPoolName: 'guests', AllowUnauthenticatedIdentities: true, AllowClassicFlow: true, OpenIdConnectProviderARNs: [OIDC_ARN] }));
    expect((await app.send(new GetOpenIdTokenCommand({ IdentityId }))).Token).toBeTypeOf('string');
    await admin.send(new SetIdentityPoolRolesCommand({ IdentityPoolId, Roles: {}, RoleMappings: { 'issuer.example': { Type: 'Token', AmbiguousRoleResolution: 'Deny' } } }));
    const mapped = await errorOf(app.send(new GetOpenIdTokenCommand({ IdentityId })));
    expect(mapped).toMatchObject({ name: 'InvalidParameterException', message: 'Basic (classic) flow is not supported with RoleMappings, please use enhanced flow.' });
  });

  it('refuses a guest identity once the pool stops admitting guests', async () => {
    const IdentityPoolId = await pool({ AllowUnauthenticatedIdentities: true });
    const { IdentityId } = await app.send(new GetIdCommand({ IdentityPoolId }));
    await admin.send(new UpdateIdentityPoolCommand({ IdentityPoolId, IdentityPoolName: 'guests', AllowUnauthenticatedIdentities: false }));
    expect(await errorOf(app.send(new GetOpenIdTokenCommand({ IdentityId })))).toMatchObject({ name: 'NotAuthorizedException', message: 'Unauthenticated access is not supported for this identity pool.' });
    expect(await errorOf(app.send(new GetCredentialsForIdentityCommand({ IdentityId })))).toMatchObject({ name: 'NotAuthorizedException', message: 'Unauthenticated access is not supported for this identity pool.' });
  });

  it('has no role for a guest when the pool has no unauthenticated role', async () => {
    const IdentityPoolId = await pool({ AllowUnauthenticatedIdentities: true });
    const { IdentityId } = await app.send(new GetIdCommand({ IdentityPoolId }));
    const e = await errorOf(app.send(new GetCredentialsForIdentityCommand({ IdentityId })));
    expect(e).toMatchObject({ name: 'InvalidIdentityPoolConfigurationException', status: 400, message: 'Invalid identity pool configuration. Check assigned IAM roles for this pool.' });
  });
});

describe('logins a pool does not support', () => {
  it('answers logins for unconfigured providers with "Token is not from a supported provider"', async () => {
    const IdentityPoolId = await pool({ AllowUnauthenticatedIdentities: true });
    for (const key of ['cognito-idp.us-east-1.amazonaws.com/us-east-1_NotMine1', 'graph.facebook.com', 'issuer.example', 'made.up.provider']) {
      const e = await errorOf(app.send(new GetIdCommand({ IdentityPoolId, Logins: { [key]: 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln' } })));
      expect(e).toMatchObject({ name: 'NotAuthorizedException', message: 'Token is not from a supported provider of this identity pool.' });
    }
  });

  it('refuses more than ten logins', async () => {
    const IdentityPoolId = await pool({ AllowUnauthenticatedIdentities: true });
    const Logins = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`p${i}.example`, 'token']));
    const e = await errorOf(app.send(new GetIdCommand({ IdentityPoolId, Logins })));
    expect(e.name).toBe('InvalidParameterException');
    expect(e.message).toContain("at 'logins' failed to satisfy constraint: Member must have length less than or equal to 10");
  });
});

describe('identity management', () => {
  it('lists identities page by page, describes and deletes them', async () => {
    const IdentityPoolId = await pool({ AllowUnauthenticatedIdentities: true });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await app.send(new GetIdCommand({ IdentityPoolId }))).IdentityId!);
    const seen: string[] = [];
    let NextToken: string | undefined;
    do {
      const page = await admin.send(new ListIdentitiesCommand({ IdentityPoolId, MaxResults: 2, NextToken }));
      expect(page.IdentityPoolId).toBe(IdentityPoolId);
      seen.push(...page.Identities!.map((i) => i.IdentityId!));
      NextToken = page.NextToken;
    } while (NextToken !== undefined);
    expect(seen.sort()).toEqual([...ids].sort());

    const out = await admin.send(new DeleteIdentitiesCommand({ IdentityIdsToDelete: [ids[0]!, ids[1]!] }));
    expect(out.UnprocessedIdentityIds).toEqual([]);
    expect((await errorOf(admin.send(new DescribeIdentityCommand({ IdentityId: ids[0] })))).name).toBe('ResourceNotFoundException');
    const rest = await admin.send(new ListIdentitiesCommand({ IdentityPoolId, MaxResults: 60 }));
    expect(rest.Identities!.map((i) => i.IdentityId).sort()).toEqual(ids.slice(2).sort());
  });

  it('refuses more than 60 identities to delete, and unknown pools', async () => {
    const many = Array.from({ length: 61 }, () => 'us-east-1:00000000-0000-0000-0000-000000000000');
    expect((await errorOf(admin.send(new DeleteIdentitiesCommand({ IdentityIdsToDelete: many })))).name).toBe('InvalidParameterException');
    const IdentityPoolId = 'us-east-1:00000000-0000-0000-0000-000000000001';
    expect(await errorOf(admin.send(new ListIdentitiesCommand({ IdentityPoolId, MaxResults: 5 })))).toMatchObject({ name: 'ResourceNotFoundException', message: `IdentityPool '${IdentityPoolId}' not found.` });
  });

  it('refuses a ListIdentities NextToken it did not issue', async () => {
    const IdentityPoolId = await pool({ AllowUnauthenticatedIdentities: true });
    for (const NextToken of ['garbage', Buffer.from('[1]').toString('base64url'), Buffer.from('{"a":1}').toString('base64url')]) {
      expect(await errorOf(admin.send(new ListIdentitiesCommand({ IdentityPoolId, MaxResults: 5, NextToken })))).toMatchObject({ name: 'InvalidParameterException', status: 400, message: 'Invalid pagination token.' });
    }
  });

  it('works unsigned from the AWS CLI (get-id, get-open-id-token)', async () => {
    const IdentityPoolId = await pool({ AllowUnauthenticatedIdentities: true });
    const id = await awsCli(server.url, server.credentials, ['cognito-identity', 'get-id', '--identity-pool-id', IdentityPoolId, '--no-sign-request']);
    expect(id.stderr).toBe('');
    const { IdentityId } = JSON.parse(id.stdout) as { IdentityId: string };
    expect(IdentityId).toMatch(ID);
    const tok = await awsCli(server.url, server.credentials, ['cognito-identity', 'get-open-id-token', '--identity-id', IdentityId, '--no-sign-request']);
    expect(JSON.parse(tok.stdout)).toMatchObject({ IdentityId, Token: expect.stringMatching(/^eyJ/) as unknown });
  });
});
