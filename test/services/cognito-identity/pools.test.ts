import {
  CognitoIdentityClient,
  CreateIdentityPoolCommand,
  DeleteIdentityPoolCommand,
  DescribeIdentityPoolCommand,
  GetIdentityPoolRolesCommand,
  ListIdentityPoolsCommand,
  ListTagsForResourceCommand,
  SetIdentityPoolRolesCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateIdentityPoolCommand,
} from '@aws-sdk/client-cognito-identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli, boto3 } from '../../support/cli.js';
import { REGION, startServer, type TestServer } from '../../support/gatehouse.js';
import { errorOf } from './support.js';

let server: TestServer;
let client: CognitoIdentityClient;
beforeAll(async () => {
  server = await startServer();
  client = new CognitoIdentityClient({ endpoint: server.url, region: REGION, credentials: server.credentials });
});
afterAll(async () => {
  await server.close();
});

const USER_POOL = 'cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123';
const OIDC_ARN = 'arn:aws:iam::000000000000:oidc-provider/issuer.example/tenant';
const AUTH = 'arn:aws:iam::000000000000:role/Cognito_Auth_Role';
const UNAUTH = 'arn:aws:iam::000000000000:role/Cognito_Unauth_Role';

describe('identity pools through SDK v3', () => {
  it('creates a pool with an AWS-shaped id and describes it back', async () => {
    const created = await client.send(
      new CreateIdentityPoolCommand({
        IdentityPoolName: 'MSN Identity Pool',
        AllowUnauthenticatedIdentities: false,
        CognitoIdentityProviders: [{ ProviderName: USER_POOL, ClientId: 'client1abc' }],
        OpenIdConnectProviderARNs: [OIDC_ARN],
        DeveloperProviderName: 'login.example.app',
        IdentityPoolTags: { team: 'web' },
      }),
    );
    expect(created.IdentityPoolId).toMatch(/^us-east-1:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(created).toMatchObject({
      IdentityPoolName: 'MSN Identity Pool',
      AllowUnauthenticatedIdentities: false,
      CognitoIdentityProviders: [{ ProviderName: USER_POOL, ClientId: 'client1abc', ServerSideTokenCheck: false }],
      OpenIdConnectProviderARNs: [OIDC_ARN],
      DeveloperProviderName: 'login.example.app',
      IdentityPoolTags: { team: 'web' },
    });
    expect(created.AllowClassicFlow).toBeUndefined();
    const described = await client.send(new DescribeIdentityPoolCommand({ IdentityPoolId: created.IdentityPoolId }));
    const { $metadata: _a, ...a } = created;
    const { $metadata: _b, ...b } = described;
    expect(b).toEqual(a);
  });

  it('updates a pool as a whole: omitted providers are removed', async () => {
    const { IdentityPoolId } = await client.send(
      new CreateIdentityPoolCommand({ IdentityPoolName: 'upd', AllowUnauthenticatedIdentities: false, OpenIdConnectProviderARNs: [OIDC_ARN] }),
    );
    const updated = await client.send(
      new UpdateIdentityPoolCommand({ IdentityPoolId, IdentityPoolName: 'upd2', AllowUnauthenticatedIdentities: true, AllowClassicFlow: true }),
    );
    expect(updated).toMatchObject({ IdentityPoolId, IdentityPoolName: 'upd2', AllowUnauthenticatedIdentities: true, AllowClassicFlow: true });
    expect(updated.OpenIdConnectProviderARNs).toBeUndefined();
    expect((await client.send(new DescribeIdentityPoolCommand({ IdentityPoolId }))).IdentityPoolName).toBe('upd2');
  });

  it('lists pools page by page and deletes them', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await client.send(new CreateIdentityPoolCommand({ IdentityPoolName: `page${i}`, AllowUnauthenticatedIdentities: true }))).IdentityPoolId!);
    }
    const seen: string[] = [];
    let NextToken: string | undefined;
    do {
      const page = await client.send(new ListIdentityPoolsCommand({ MaxResults: 2, NextToken }));
      expect(page.IdentityPools!.length).toBeLessThanOrEqual(2);
      for (const p of page.IdentityPools!) {
        expect(Object.keys(p).sort()).toEqual(['IdentityPoolId', 'IdentityPoolName']);
        seen.push(p.IdentityPoolId!);
      }
      NextToken = page.NextToken;
    } while (NextToken !== undefined);
    for (const id of ids) expect(seen).toContain(id);
    expect(new Set(seen).size).toBe(seen.length);

    await client.send(new DeleteIdentityPoolCommand({ IdentityPoolId: ids[0] }));
    const e = await errorOf(client.send(new DescribeIdentityPoolCommand({ IdentityPoolId: ids[0] })));
    expect(e).toMatchObject({ name: 'ResourceNotFoundException', status: 400, message: `IdentityPool '${ids[0]}' not found.` });
    const again = await errorOf(client.send(new DeleteIdentityPoolCommand({ IdentityPoolId: ids[0] })));
    expect(again.name).toBe('ResourceNotFoundException');
  });

  it('tags and untags a pool by ARN', async () => {
    const { IdentityPoolId } = await client.send(new CreateIdentityPoolCommand({ IdentityPoolName: 'tags', AllowUnauthenticatedIdentities: true }));
    const ResourceArn = `arn:aws:cognito-identity:us-east-1:000000000000:identitypool/${IdentityPoolId}`;
    await client.send(new TagResourceCommand({ ResourceArn, Tags: { a: '1', b: '2' } }));
    await client.send(new UntagResourceCommand({ ResourceArn, TagKeys: ['a'] }));
    expect((await client.send(new ListTagsForResourceCommand({ ResourceArn }))).Tags).toEqual({ b: '2' });
    expect((await client.send(new DescribeIdentityPoolCommand({ IdentityPoolId }))).IdentityPoolTags).toEqual({ b: '2' });
  });
});

describe('identity pool roles', () => {
  let IdentityPoolId: string;
  beforeAll(async () => {
    ({ IdentityPoolId } = (await client.send(
      new CreateIdentityPoolCommand({
        IdentityPoolName: 'roles',
        AllowUnauthenticatedIdentities: true,
        CognitoIdentityProviders: [{ ProviderName: USER_POOL, ClientId: 'client1abc' }],
        OpenIdConnectProviderARNs: [OIDC_ARN],
      }),
    )) as { IdentityPoolId: string });
  });

  it('sets and gets roles and role mappings of both types', async () => {
    const RoleMappings = {
      [`${USER_POOL}:client1abc`]: { Type: 'Token' as const, AmbiguousRoleResolution: 'AuthenticatedRole' as const },
      'issuer.example/tenant': {
        Type: 'Rules' as const,
        AmbiguousRoleResolution: 'Deny' as const,
        RulesConfiguration: { Rules: [{ Claim: 'groups', MatchType: 'Contains' as const, Value: 'admin', RoleARN: AUTH }] },
      },
    };
    await client.send(new SetIdentityPoolRolesCommand({ IdentityPoolId, Roles: { authenticated: AUTH, unauthenticated: UNAUTH }, RoleMappings }));
    const got = await client.send(new GetIdentityPoolRolesCommand({ IdentityPoolId }));
    expect(got).toMatchObject({ IdentityPoolId, Roles: { authenticated: AUTH, unauthenticated: UNAUTH }, RoleMappings });
    // Setting again replaces both: the mappings are gone.
    await client.send(new SetIdentityPoolRolesCommand({ IdentityPoolId, Roles: { authenticated: AUTH } }));
    const after = await client.send(new GetIdentityPoolRolesCommand({ IdentityPoolId }));
    expect(after.Roles).toEqual({ authenticated: AUTH });
    expect(after.RoleMappings).toBeUndefined();
  });

  it('refuses a role that is not a role ARN as AWS does', async () => {
    const arn = 'arn:aws:iam::000000000000ole/quantum-unauthenticated-role';
    const e = await errorOf(client.send(new SetIdentityPoolRolesCommand({ IdentityPoolId, Roles: { authenticated: arn } })));
    expect(e).toMatchObject({ name: 'NotAuthorizedException', status: 400, message: `Access to Role '${arn}' is forbidden.` });
    const short = await errorOf(client.send(new SetIdentityPoolRolesCommand({ IdentityPoolId, Roles: { authenticated: 'MyRole' } })));
    expect(short.message).toBe("1 validation error detected: Value 'MyRole' at 'roles.authenticated.value' failed to satisfy constraint: Member must have length greater than or equal to 20");
  });

  it('refuses a role type other than authenticated and unauthenticated', async () => {
    const e = await errorOf(client.send(new SetIdentityPoolRolesCommand({ IdentityPoolId, Roles: { admin: AUTH } })));
    expect(e.name).toBe('InvalidParameterException');
    expect(e.message).toContain("failed to satisfy constraint: Member must satisfy regular expression pattern: (un)?authenticated");
  });

  it('refuses a role mapping for a provider the pool is not configured with', async () => {
    const key = `${USER_POOL}:otherclient`;
    const e = await errorOf(
      client.send(new SetIdentityPoolRolesCommand({ IdentityPoolId, Roles: { authenticated: AUTH }, RoleMappings: { [key]: { Type: 'Token', AmbiguousRoleResolution: 'Deny' } } })),
    );
    expect(e).toMatchObject({ name: 'InvalidParameterException', message: `(${key}) is not a valid RoleMapping ProviderName or is not a configured provider.` });
  });

  it('requires RulesConfiguration for Rules and AmbiguousRoleResolution for both types', async () => {
    const key = 'issuer.example/tenant';
    const rules = await errorOf(client.send(new SetIdentityPoolRolesCommand({ IdentityPoolId, Roles: {}, RoleMappings: { [key]: { Type: 'Rules', AmbiguousRoleResolution: 'Deny' } } })));
    expect(rules.name).toBe('InvalidParameterException');
    const ambiguous = await errorOf(client.send(new SetIdentityPoolRolesCommand({ IdentityPoolId, Roles: {}, RoleMappings: { [key]: { Type: 'Token' } } })));
    expect(ambiguous.name).toBe('InvalidParameterException');
    const type = await errorOf(client.send(new SetIdentityPoolRolesCommand({ IdentityPoolId, Roles: {}, RoleMappings: { [key]: { Type: 'Magic' as 'Token', AmbiguousRoleResolution: 'Deny' } } })));
    expect(type.name).toBe('InvalidParameterException');
    expect(type.message).toContain('Member must satisfy enum value set: [Token, Rules]');
  });

  it('refuses more than 25 rules and rules naming a non-role', async () => {
    const key = 'issuer.example/tenant';
    const rule = { Claim: 'x', MatchType: 'Equals' as const, Value: 'y', RoleARN: AUTH };
    const many = await errorOf(
      client.send(new SetIdentityPoolRolesCommand({ IdentityPoolId, Roles: {}, RoleMappings: { [key]: { Type: 'Rules', AmbiguousRoleResolution: 'Deny', RulesConfiguration: { Rules: Array(26).fill(rule) } } } })),
    );
    expect(many.name).toBe('InvalidParameterException');
    const bad = await errorOf(
      client.send(
        new SetIdentityPoolRolesCommand({ IdentityPoolId, Roles: {}, RoleMappings: { [key]: { Type: 'Rules', AmbiguousRoleResolution: 'Deny', RulesConfiguration: { Rules: [{ ...rule, RoleARN: 'arn:aws:iam::000000000000:user/bob' }] } } } }),
      ),
    );
    expect(bad).toMatchObject({ name: 'NotAuthorizedException', message: "Access to Role 'arn:aws:iam::000000000000:user/bob' is forbidden." });
  });

  it('keeps role mappings consistent when an update removes their provider', async () => {
    await client.send(
      new SetIdentityPoolRolesCommand({ IdentityPoolId, Roles: { authenticated: AUTH }, RoleMappings: { 'issuer.example/tenant': { Type: 'Token', AmbiguousRoleResolution: 'Deny' } } }),
    );
    const e = await errorOf(client.send(new UpdateIdentityPoolCommand({ IdentityPoolId, IdentityPoolName: 'roles', AllowUnauthenticatedIdentities: true })));
    expect(e).toMatchObject({ name: 'InvalidParameterException', message: '(issuer.example/tenant) is not a valid RoleMapping ProviderName or is not a configured provider.' });
  });
});

describe('identity pools, bad input', () => {
  it('answers an unknown pool with ResourceNotFoundException', async () => {
    const id = 'us-east-1:00000000-0000-0000-0000-000000000000';
    for (const call of [
      () => client.send(new DescribeIdentityPoolCommand({ IdentityPoolId: id })),
      () => client.send(new GetIdentityPoolRolesCommand({ IdentityPoolId: id })),
      () => client.send(new SetIdentityPoolRolesCommand({ IdentityPoolId: id, Roles: {} })),
      () => client.send(new UpdateIdentityPoolCommand({ IdentityPoolId: id, IdentityPoolName: 'x', AllowUnauthenticatedIdentities: true })),
    ]) {
      expect(await errorOf(call())).toMatchObject({ name: 'ResourceNotFoundException', message: `IdentityPool '${id}' not found.` });
    }
  });

  it('validates names, ids and limits with AWS wording', async () => {
    const name = await errorOf(client.send(new CreateIdentityPoolCommand({ IdentityPoolName: 'bad/name', AllowUnauthenticatedIdentities: true })));
    expect(name).toMatchObject({
      name: 'InvalidParameterException',
      message: "1 validation error detected: Value 'bad/name' at 'identityPoolName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w\\s+=,.@-]+",
    });
    const id = await errorOf(client.send(new DescribeIdentityPoolCommand({ IdentityPoolId: 'nope' })));
    expect(id.name).toBe('InvalidParameterException');
    const limit = await errorOf(client.send(new ListIdentityPoolsCommand({ MaxResults: 61 })));
    expect(limit.message).toContain("at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 60");
    const missing = await errorOf(client.send(new CreateIdentityPoolCommand({ IdentityPoolName: 'x' } as never)));
    expect(missing.message).toContain("Value null at 'allowUnauthenticatedIdentities' failed to satisfy constraint: Member must not be null");
    const token = await errorOf(client.send(new ListIdentityPoolsCommand({ MaxResults: 5, NextToken: 'garbage' })));
    expect(token.name).toBe('InvalidParameterException');
  });

  it('refuses a malformed OpenID Connect provider ARN', async () => {
    const e = await errorOf(client.send(new CreateIdentityPoolCommand({ IdentityPoolName: 'x', AllowUnauthenticatedIdentities: true, OpenIdConnectProviderARNs: ['arn:aws:iam::000000000000:role/nope'] })));
    expect(e.name).toBe('InvalidParameterException');
  });

  it('requires SigV4 for management operations', async () => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityService.ListIdentityPools' },
      body: '{"MaxResults":10}',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ __type: 'MissingAuthenticationTokenException' });
  });

  it('keeps user keys as data (no prototype pollution through tags)', async () => {
    const res = await client.send(new CreateIdentityPoolCommand({ IdentityPoolName: 'proto', AllowUnauthenticatedIdentities: true, IdentityPoolTags: JSON.parse('{"__proto__":"x","constructor":"y"}') as Record<string, string> }));
    const d = await client.send(new DescribeIdentityPoolCommand({ IdentityPoolId: res.IdentityPoolId }));
    expect(Object.keys(d.IdentityPoolTags!).sort()).toEqual(['__proto__', 'constructor']);
  });
});

describe('identity pools through the AWS CLI and boto3', () => {
  it('creates, sets roles and describes with the CLI', async () => {
    const created = await awsCli(server.url, server.credentials, ['cognito-identity', 'create-identity-pool', '--identity-pool-name', 'cli pool', '--allow-unauthenticated-identities']);
    expect(created.stderr).toBe('');
    const pool = JSON.parse(created.stdout) as { IdentityPoolId: string; AllowUnauthenticatedIdentities: boolean };
    expect(pool.AllowUnauthenticatedIdentities).toBe(true);
    const set = await awsCli(server.url, server.credentials, ['cognito-identity', 'set-identity-pool-roles', '--identity-pool-id', pool.IdentityPoolId, '--roles', `unauthenticated=${UNAUTH}`]);
    expect(set.code).toBe(0);
    const roles = await awsCli(server.url, server.credentials, ['cognito-identity', 'get-identity-pool-roles', '--identity-pool-id', pool.IdentityPoolId]);
    expect(JSON.parse(roles.stdout)).toEqual({ IdentityPoolId: pool.IdentityPoolId, Roles: { unauthenticated: UNAUTH } });
  });

  it('pages through pools and reads errors with boto3', async () => {
    const py = await boto3(
      server.url,
      server.credentials,
      `
c = boto3.client('cognito-identity', endpoint_url=ENDPOINT, region_name=REGION)
p = c.create_identity_pool(IdentityPoolName='boto pool', AllowUnauthenticatedIdentities=False, DeveloperProviderName='dev.example')
ids = []
for page in c.get_paginator('list_identity_pools').paginate(MaxResults=2):
    ids += [x['IdentityPoolId'] for x in page['IdentityPools']]
try:
    c.describe_identity_pool(IdentityPoolId='us-east-1:00000000-0000-0000-0000-000000000000')
    err = None
except c.exceptions.ResourceNotFoundException as e:
    err = e.response['Error']
print(json.dumps({'found': p['IdentityPoolId'] in ids, 'dev': p['DeveloperProviderName'], 'err': err}))
`,
    );
    expect(py.stderr).toBe('');
    expect(JSON.parse(py.stdout)).toEqual({
      found: true,
      dev: 'dev.example',
      err: { Code: 'ResourceNotFoundException', Message: "IdentityPool 'us-east-1:00000000-0000-0000-0000-000000000000' not found." },
    });
  });
});
