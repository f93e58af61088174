/**
 * The hosted UI's control plane through SDK v3 and the AWS CLI: user pool domains, resource
 * servers, identity providers and UI customization, with the bad input around them (each
 * answered with Cognito's error and changing nothing).
 */
import {
  CreateIdentityProviderCommand,
  CreateResourceServerCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolDomainCommand,
  DeleteIdentityProviderCommand,
  DeleteResourceServerCommand,
  DeleteUserPoolClientCommand,
  DeleteUserPoolCommand,
  DeleteUserPoolDomainCommand,
  DescribeIdentityProviderCommand,
  DescribeResourceServerCommand,
  DescribeUserPoolCommand,
  DescribeUserPoolDomainCommand,
  GetIdentityProviderByIdentifierCommand,
  GetUICustomizationCommand,
  ListIdentityProvidersCommand,
  ListResourceServersCommand,
  SetUICustomizationCommand,
  UpdateIdentityProviderCommand,
  UpdateResourceServerCommand,
  UpdateUserPoolDomainCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli } from '../../support/cli.js';
import { startServer, type TestServer } from '../../support/gatehouse.js';
import { createPool, errorOf, idp } from './support.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360f8cfc0f01f0005000201e226059b0000000049454e44ae426082', 'hex');

describe('user pool domains', () => {
  it('creates, describes, updates and deletes a prefix domain, and DescribeUserPool names it', async () => {
    const c = idp(server);
    const { poolId } = await createPool(server);
    expect(await c.send(new CreateUserPoolDomainCommand({ UserPoolId: poolId, Domain: 'my-app-1' }))).toMatchObject({ ManagedLoginVersion: 1 });
    const described = await c.send(new DescribeUserPoolDomainCommand({ Domain: 'my-app-1' }));
    expect(described.DomainDescription).toMatchObject({ UserPoolId: poolId, AWSAccountId: '000000000000', Domain: 'my-app-1', Status: 'ACTIVE', ManagedLoginVersion: 1 });
    expect(described.DomainDescription?.Version).toMatch(/^\d{14}$/);
    expect((await c.send(new DescribeUserPoolCommand({ UserPoolId: poolId }))).UserPool?.Domain).toBe('my-app-1');

    expect(await c.send(new UpdateUserPoolDomainCommand({ UserPoolId: poolId, Domain: 'my-app-1', ManagedLoginVersion: 2 }))).toMatchObject({ ManagedLoginVersion: 2 });
    expect((await c.send(new DescribeUserPoolDomainCommand({ Domain: 'my-app-1' }))).DomainDescription?.ManagedLoginVersion).toBe(2);

    expect(await errorOf(c.send(new DeleteUserPoolCommand({ UserPoolId: poolId })))).toEqual({
      name: 'InvalidParameterException', message: 'User pool cannot be deleted. It has a domain configured that should be deleted first.', status: 400,
    });
    await c.send(new DeleteUserPoolDomainCommand({ UserPoolId: poolId, Domain: 'my-app-1' }));
    expect((await c.send(new DescribeUserPoolDomainCommand({ Domain: 'my-app-1' }))).DomainDescription).toEqual({});
    expect((await c.send(new DescribeUserPoolCommand({ UserPoolId: poolId }))).UserPool?.Domain).toBeUndefined();
    await c.send(new DeleteUserPoolCommand({ UserPoolId: poolId }));
  });

  it('refuses taken, reserved, malformed and second domains, and others\' domains, changing nothing', async () => {
    const c = idp(server);
    const a = await createPool(server);
    const b = await createPool(server);
    await c.send(new CreateUserPoolDomainCommand({ UserPoolId: a.poolId, Domain: 'taken-prefix' }));
    expect(await errorOf(c.send(new CreateUserPoolDomainCommand({ UserPoolId: b.poolId, Domain: 'taken-prefix' })))).toEqual({
      name: 'InvalidParameterException', message: 'Domain already associated with another user pool.', status: 400,
    });
    expect(await errorOf(c.send(new CreateUserPoolDomainCommand({ UserPoolId: a.poolId, Domain: 'second-prefix' })))).toMatchObject({
      name: 'InvalidParameterException', message: 'User pool already has a domain configured.',
    });
    for (const [domain, word] of [['my-aws-app', 'aws'], ['amazonish', 'amazon'], ['cognito-login', 'cognito']] as const) {
      expect(await errorOf(c.send(new CreateUserPoolDomainCommand({ UserPoolId: b.poolId, Domain: domain })))).toMatchObject({
        name: 'InvalidParameterException', message: `Domain cannot contain reserved word: ${word}`,
      });
    }
    for (const domain of ['Upper', '-dash', 'a'.repeat(64), 'dots.in.it']) {
      expect((await errorOf(c.send(new CreateUserPoolDomainCommand({ UserPoolId: b.poolId, Domain: domain })))).name).toBe('InvalidParameterException');
    }
    expect((await errorOf(c.send(new CreateUserPoolDomainCommand({ UserPoolId: b.poolId, Domain: 'bad-version', ManagedLoginVersion: 3 })))).name).toBe('InvalidParameterException');
    expect((await errorOf(c.send(new CreateUserPoolDomainCommand({ UserPoolId: 'us-east-1_Nope00000', Domain: 'no-pool' })))).name).toBe('ResourceNotFoundException');
    expect(await errorOf(c.send(new DeleteUserPoolDomainCommand({ UserPoolId: b.poolId, Domain: 'taken-prefix' })))).toEqual({
      name: 'InvalidParameterException', message: 'No such domain or user pool exists.', status: 400,
    });
    expect((await c.send(new DescribeUserPoolDomainCommand({ Domain: 'taken-prefix' }))).DomainDescription?.UserPoolId).toBe(a.poolId);
    expect((await c.send(new DescribeUserPoolCommand({ UserPoolId: b.poolId }))).UserPool?.Domain).toBeUndefined();
  });
});

describe('resource servers', () => {
  it('creates, describes, lists with paging, replaces and deletes them', async () => {
    const c = idp(server);
    const { poolId } = await createPool(server);
    const scopes = [{ ScopeName: 'read', ScopeDescription: 'Read things' }, { ScopeName: 'write', ScopeDescription: 'Write things' }];
    const created = await c.send(new CreateResourceServerCommand({ UserPoolId: poolId, Identifier: 'https://api.example.com', Name: 'API', Scopes: scopes }));
    expect(created.ResourceServer).toEqual({ UserPoolId: poolId, Identifier: 'https://api.example.com', Name: 'API', Scopes: scopes });
    await c.send(new CreateResourceServerCommand({ UserPoolId: poolId, Identifier: 'orders', Name: 'Orders' }));
    expect((await c.send(new DescribeResourceServerCommand({ UserPoolId: poolId, Identifier: 'orders' }))).ResourceServer).toEqual({ UserPoolId: poolId, Identifier: 'orders', Name: 'Orders', Scopes: [] });

    const page1 = await c.send(new ListResourceServersCommand({ UserPoolId: poolId, MaxResults: 1 }));
    expect(page1.ResourceServers?.map((s) => s.Identifier)).toEqual(['https://api.example.com']);
    const page2 = await c.send(new ListResourceServersCommand({ UserPoolId: poolId, MaxResults: 1, NextToken: page1.NextToken }));
    expect(page2.ResourceServers?.map((s) => s.Identifier)).toEqual(['orders']);
    expect(page2.NextToken).toBeUndefined();

    const updated = await c.send(new UpdateResourceServerCommand({ UserPoolId: poolId, Identifier: 'https://api.example.com', Name: 'API v2' }));
    expect(updated.ResourceServer).toEqual({ UserPoolId: poolId, Identifier: 'https://api.example.com', Name: 'API v2', Scopes: [] });

    await c.send(new DeleteResourceServerCommand({ UserPoolId: poolId, Identifier: 'orders' }));
    expect(await errorOf(c.send(new DescribeResourceServerCommand({ UserPoolId: poolId, Identifier: 'orders' })))).toMatchObject({ name: 'ResourceNotFoundException', status: 400 });
  });

  it('refuses duplicates and malformed scopes, changing nothing', async () => {
    const c = idp(server);
    const { poolId } = await createPool(server);
    await c.send(new CreateResourceServerCommand({ UserPoolId: poolId, Identifier: 'api', Name: 'API', Scopes: [{ ScopeName: 'read', ScopeDescription: 'r' }] }));
    expect((await errorOf(c.send(new CreateResourceServerCommand({ UserPoolId: poolId, Identifier: 'api', Name: 'Again' })))).name).toBe('InvalidParameterException');
    const dupScopes = [{ ScopeName: 'x', ScopeDescription: 'one' }, { ScopeName: 'x', ScopeDescription: 'two' }];
    expect((await errorOf(c.send(new UpdateResourceServerCommand({ UserPoolId: poolId, Identifier: 'api', Name: 'API', Scopes: dupScopes })))).name).toBe('InvalidParameterException');
    // A slash would make `<identifier>/<scope>` ambiguous: the model's pattern leaves it out of scope names.
    expect((await errorOf(c.send(new UpdateResourceServerCommand({ UserPoolId: poolId, Identifier: 'api', Name: 'API', Scopes: [{ ScopeName: 'a/b', ScopeDescription: 'd' }] })))).name).toBe('InvalidParameterException');
    expect((await c.send(new DescribeResourceServerCommand({ UserPoolId: poolId, Identifier: 'api' }))).ResourceServer).toMatchObject({ Name: 'API', Scopes: [{ ScopeName: 'read', ScopeDescription: 'r' }] });
    expect((await errorOf(c.send(new UpdateResourceServerCommand({ UserPoolId: poolId, Identifier: 'missing', Name: 'M' })))).name).toBe('ResourceNotFoundException');
  });
});

describe('identity providers', () => {
  const oidc = { client_id: 'gatehouse-app', client_secret: 'idp-secret-value', attributes_request_method: 'GET', oidc_issuer: 'http://127.0.0.1:9999', authorize_scopes: 'openid email' };

  it('creates, describes (with Cognito\'s computed keys), updates, lists and deletes them, and finds them by identifier', async () => {
    const c = idp(server);
    const { poolId } = await createPool(server);
    const created = await c.send(new CreateIdentityProviderCommand({
      UserPoolId: poolId, ProviderName: 'Corp', ProviderType: 'OIDC', ProviderDetails: oidc, AttributeMapping: { email: 'email', username: 'sub' }, IdpIdentifiers: ['corp.example.com'],
    }));
    expect(created.IdentityProvider).toMatchObject({
      UserPoolId: poolId, ProviderName: 'Corp', ProviderType: 'OIDC', ProviderDetails: { ...oidc, attributes_url_add_attributes: 'false' },
      AttributeMapping: { email: 'email', username: 'sub' }, IdpIdentifiers: ['corp.example.com'],
    });
    expect(created.IdentityProvider?.CreationDate).toBeInstanceOf(Date);
    const google = await c.send(new CreateIdentityProviderCommand({
      UserPoolId: poolId, ProviderName: 'Google', ProviderType: 'Google', ProviderDetails: { client_id: 'g.apps.googleusercontent.com', client_secret: 's', authorize_scopes: 'email profile openid' },
    }));
    expect(google.IdentityProvider?.ProviderDetails).toMatchObject({ authorize_url: 'https://accounts.google.com/o/oauth2/v2/auth', oidc_issuer: 'https://accounts.google.com', token_url: 'https://www.googleapis.com/oauth2/v4/token' });
    const apple = await c.send(new CreateIdentityProviderCommand({
      UserPoolId: poolId, ProviderName: 'SignInWithApple', ProviderType: 'SignInWithApple', ProviderDetails: { client_id: 'com.example', team_id: 'T', key_id: 'K', private_key: 'PRIVATE', authorize_scopes: 'email name' },
    }));
    expect(apple.IdentityProvider?.ProviderDetails?.private_key).toBeUndefined();

    expect((await c.send(new GetIdentityProviderByIdentifierCommand({ UserPoolId: poolId, IdpIdentifier: 'corp.example.com' }))).IdentityProvider?.ProviderName).toBe('Corp');
    const page1 = await c.send(new ListIdentityProvidersCommand({ UserPoolId: poolId, MaxResults: 2 }));
    expect(page1.Providers?.map((p) => [p.ProviderName, p.ProviderType])).toEqual([['Corp', 'OIDC'], ['Google', 'Google']]);
    const page2 = await c.send(new ListIdentityProvidersCommand({ UserPoolId: poolId, MaxResults: 2, NextToken: page1.NextToken }));
    expect(page2.Providers?.map((p) => p.ProviderName)).toEqual(['SignInWithApple']);

    const updated = await c.send(new UpdateIdentityProviderCommand({ UserPoolId: poolId, ProviderName: 'Corp', ProviderDetails: { ...oidc, authorize_scopes: 'openid' }, IdpIdentifiers: [] }));
    expect(updated.IdentityProvider).toMatchObject({ ProviderDetails: { authorize_scopes: 'openid' }, IdpIdentifiers: [], AttributeMapping: { email: 'email', username: 'sub' } });
    // Apple's key, which Describe hides, survives an update that echoes Describe's details.
    await c.send(new UpdateIdentityProviderCommand({ UserPoolId: poolId, ProviderName: 'SignInWithApple', ProviderDetails: apple.IdentityProvider!.ProviderDetails! }));

    await c.send(new DeleteIdentityProviderCommand({ UserPoolId: poolId, ProviderName: 'Google' }));
    expect(await errorOf(c.send(new DescribeIdentityProviderCommand({ UserPoolId: poolId, ProviderName: 'Google' })))).toMatchObject({ name: 'ResourceNotFoundException', status: 400 });
    expect((await errorOf(c.send(new GetIdentityProviderByIdentifierCommand({ UserPoolId: poolId, IdpIdentifier: 'corp.example.com' })))).name).toBe('ResourceNotFoundException');
  });

  it('refuses duplicates, missing or unknown details, bad mappings and taken identifiers, changing nothing', async () => {
    const c = idp(server);
    const { poolId } = await createPool(server);
    await c.send(new CreateIdentityProviderCommand({ UserPoolId: poolId, ProviderName: 'Corp', ProviderType: 'OIDC', ProviderDetails: oidc, IdpIdentifiers: ['corp'] }));
    expect(await errorOf(c.send(new CreateIdentityProviderCommand({ UserPoolId: poolId, ProviderName: 'Corp', ProviderType: 'OIDC', ProviderDetails: oidc })))).toEqual({
      name: 'DuplicateProviderException', message: `Corp already exists in user pool ${poolId}`, status: 400,
    });
    const { oidc_issuer: _drop, ...noIssuer } = oidc;
    const bad: [string, Record<string, string>, Record<string, string>?, string[]?][] = [
      ['NoIssuer', noIssuer],
      ['BadMethod', { ...oidc, attributes_request_method: 'PUT' }],
      ['BadUrl', { ...oidc, oidc_issuer: 'javascript:alert(1)' }],
      ['Unknown', { ...oidc, shell: 'rm -rf /' }],
      ['BadMapping', oidc, { not_an_attribute: 'email' }],
      ['TakenId', oidc, undefined, ['corp']],
    ];
    for (const [name, details, mapping, ids] of bad) {
      const e = await errorOf(c.send(new CreateIdentityProviderCommand({
        UserPoolId: poolId, ProviderName: name, ProviderType: 'OIDC', ProviderDetails: details, ...(mapping === undefined ? {} : { AttributeMapping: mapping }), ...(ids === undefined ? {} : { IdpIdentifiers: ids }),
      })));
      expect(e, name).toMatchObject({ name: 'InvalidParameterException', status: 400 });
    }
    expect((await errorOf(c.send(new CreateIdentityProviderCommand({ UserPoolId: poolId, ProviderName: 'Saml', ProviderType: 'SAML', ProviderDetails: {} })))).name).toBe('InvalidParameterException');
    expect((await c.send(new ListIdentityProvidersCommand({ UserPoolId: poolId }))).Providers?.map((p) => p.ProviderName)).toEqual(['Corp']);
  });
});

describe('UI customization', () => {
  it('needs a domain, stores CSS and a logo per client with the pool default as fallback, and serves the logo', async () => {
    const c = idp(server);
    const pool = await createPool(server);
    expect(await errorOf(c.send(new SetUICustomizationCommand({ UserPoolId: pool.poolId, CSS: '.banner-customizable { background: red; }' })))).toEqual({
      name: 'InvalidParameterException', message: 'A domain must be associated with this user pool.', status: 400,
    });
    expect((await c.send(new GetUICustomizationCommand({ UserPoolId: pool.poolId }))).UICustomization).toEqual({ UserPoolId: pool.poolId, ClientId: 'ALL' });

    await c.send(new CreateUserPoolDomainCommand({ UserPoolId: pool.poolId, Domain: `ui-${pool.poolId.split('_')[1]!.toLowerCase()}` }));
    const set = await c.send(new SetUICustomizationCommand({ UserPoolId: pool.poolId, CSS: '.banner-customizable { background: red; }', ImageFile: PNG }));
    expect(set.UICustomization).toMatchObject({ UserPoolId: pool.poolId, ClientId: 'ALL', CSS: '.banner-customizable { background: red; }' });
    const logo = await fetch(set.UICustomization!.ImageUrl!);
    expect(logo.status).toBe(200);
    expect(logo.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await logo.arrayBuffer())).toEqual(PNG);

    // A client without its own branding shows the pool's.
    expect((await c.send(new GetUICustomizationCommand({ UserPoolId: pool.poolId, ClientId: pool.clientId }))).UICustomization).toMatchObject({ ClientId: 'ALL', CSS: '.banner-customizable { background: red; }' });
    await c.send(new SetUICustomizationCommand({ UserPoolId: pool.poolId, ClientId: pool.clientId, CSS: '.submitButton-customizable { color: blue; }' }));
    const own = (await c.send(new GetUICustomizationCommand({ UserPoolId: pool.poolId, ClientId: pool.clientId }))).UICustomization;
    expect(own).toMatchObject({ ClientId: pool.clientId, CSS: '.submitButton-customizable { color: blue; }' });
    expect(own?.ImageUrl).toBeUndefined();

    expect(await errorOf(c.send(new SetUICustomizationCommand({ UserPoolId: pool.poolId, ImageFile: Buffer.from('<svg onload="alert(1)"/>') })))).toMatchObject({ name: 'InvalidParameterException' });
    expect((await errorOf(c.send(new SetUICustomizationCommand({ UserPoolId: pool.poolId, ClientId: 'nosuchclient0000000000000' })))).name).toBe('ResourceNotFoundException');
    expect((await c.send(new GetUICustomizationCommand({ UserPoolId: pool.poolId }))).UICustomization?.CSS).toBe('.banner-customizable { background: red; }');

    // Deleting the client deletes its branding.
    const other = await c.send(new CreateUserPoolClientCommand({ UserPoolId: pool.poolId, ClientName: 'branded' }));
    await c.send(new SetUICustomizationCommand({ UserPoolId: pool.poolId, ClientId: other.UserPoolClient!.ClientId!, CSS: '.x { color: red; }' }));
    await c.send(new DeleteUserPoolClientCommand({ UserPoolId: pool.poolId, ClientId: other.UserPoolClient!.ClientId! }));
    const rows = await server.gatehouse.platform.db.all('SELECT client_id FROM cognito_idp_ui_customizations WHERE pool_id = ?', [pool.poolId]);
    expect(rows.map((r) => (r as { client_id: string }).client_id).sort()).toEqual(['ALL', pool.clientId].sort());
  });
});

describe('the AWS CLI', () => {
  it('runs create-user-pool-domain, create-resource-server and create-identity-provider', async () => {
    const { poolId } = await createPool(server);
    const cli = async (args: string[]) => {
      const r = await awsCli(server.url, server.credentials, ['cognito-idp', ...args]);
      if (r.code !== 0) throw new Error(`aws ${args.join(' ')} failed: ${r.stderr}`);
      return r.stdout.trim() === '' ? {} : (JSON.parse(r.stdout) as Record<string, unknown>);
    };
    expect(await cli(['create-user-pool-domain', '--user-pool-id', poolId, '--domain', 'cli-domain'])).toMatchObject({ ManagedLoginVersion: 1 });
    expect(((await cli(['describe-user-pool-domain', '--domain', 'cli-domain'])).DomainDescription as Record<string, unknown>).UserPoolId).toBe(poolId);
    const rs = await cli(['create-resource-server', '--user-pool-id', poolId, '--identifier', 'inventory', '--name', 'Inventory', '--scopes', 'ScopeName=read,ScopeDescription=Read']);
    expect(rs.ResourceServer).toEqual({ UserPoolId: poolId, Identifier: 'inventory', Name: 'Inventory', Scopes: [{ ScopeName: 'read', ScopeDescription: 'Read' }] });
    const ip = await cli(['create-identity-provider', '--user-pool-id', poolId, '--provider-name', 'Corp', '--provider-type', 'OIDC',
      '--provider-details', 'client_id=app,client_secret=s3cret,attributes_request_method=GET,oidc_issuer=https://idp.example.com,authorize_scopes=openid email',
      '--attribute-mapping', 'email=email']);
    expect(ip.IdentityProvider).toMatchObject({ ProviderName: 'Corp', ProviderType: 'OIDC', ProviderDetails: { client_id: 'app', oidc_issuer: 'https://idp.example.com' } });
    const dup = await awsCli(server.url, server.credentials, ['cognito-idp', 'create-identity-provider', '--user-pool-id', poolId, '--provider-name', 'Corp', '--provider-type', 'OIDC',
      '--provider-details', 'client_id=app,attributes_request_method=GET,oidc_issuer=https://idp.example.com,authorize_scopes=openid']);
    expect(dup.stderr).toContain(`An error occurred (DuplicateProviderException) when calling the CreateIdentityProvider operation: Corp already exists in user pool ${poolId}`);
  });
});
