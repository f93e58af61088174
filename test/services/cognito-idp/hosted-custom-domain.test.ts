/**
 * Custom domains (CustomDomainConfig) through the v3 SDK and the AWS CLI: created with a
 * well-formed ACM certificate ARN in us-east-1, described back with the certificate, the
 * "CloudFront" target (Gatehouse's own host) and `CustomDomain` in DescribeUserPool; the
 * certificate updated; AWS's refusals (a taken domain, a second custom domain, a certificate
 * outside us-east-1, a prefix with dots). Then the hosted UI and OAuth endpoints at that host
 * name: Chromium (which resolves `*.localhost` to loopback) signs in at
 * `login.example.localhost`, openid-client (its requests sent to 127.0.0.1 with the Host
 * header) discovers the custom host's endpoints and exchanges the code there. Over HTTPS the
 * host gets a certificate of its own from the local CA (checked by Node's TLS against the CA,
 * name included); a name that is no custom domain does not. Another pool's client is refused
 * at that host, and a deleted domain stops answering.
 */
import http from 'node:http';
import https from 'node:https';
import {
  CreateUserPoolClientCommand, CreateUserPoolDomainCommand, DeleteUserPoolDomainCommand, DescribeUserPoolCommand, DescribeUserPoolDomainCommand, UpdateUserPoolDomainCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import * as oidc from 'openid-client';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../support/browser.js';
import { awsCli } from '../../support/cli.js';
import { closeAll, startServerWithSmtp, type TestServer } from '../../support/gatehouse.js';
import type { TestSmtp } from '../../support/smtp.js';
import { ensureCa } from '../../../src/tls/local-ca.js';
import { confirmedUser, createPool, errorOf, idp, PASSWORD } from './support.js';

let server: TestServer;
let smtp: TestSmtp;
let browser: Browser;
const CALLBACK = 'http://127.0.0.1:9/callback';
const CERT = 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789';
const HOST = 'login.example.localhost';

beforeAll(async () => {
  ({ server, smtp } = await startServerWithSmtp());
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await closeAll(server, smtp);
});

const port = (): string => new URL(server.url).port;
const ownHost = (): string => new URL(server.gatehouse.config.publicUrl).hostname;

/** Node resolves no `*.localhost`: openid-client's requests to such hosts go to 127.0.0.1 with their Host header, as DNS would send them. */
const loopbackFetch: oidc.CustomFetch = async (url, options) => {
  const u = new URL(url);
  const body = options.body === undefined || options.body === null ? undefined : typeof options.body === 'string' ? options.body : new URLSearchParams(options.body as URLSearchParams).toString();
  const headers: Record<string, string> = { ...Object.fromEntries(new Headers(options.headers as ConstructorParameters<typeof Headers>[0]).entries()), host: u.host };
  return new Promise<Response>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: u.port, path: u.pathname + u.search, method: options.method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h.set(k, v);
        resolve(new Response(res.statusCode === 204 ? null : Buffer.concat(chunks), { status: res.statusCode!, headers: h }));
      });
    });
    req.on('error', reject);
    req.end(body);
  });
};

/** A TLS request to Gatehouse naming `servername` (SNI and Host), verified against the local CA: the status, or the TLS error's code. */
function overTls(servername: string, path: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = https.get({ host: '127.0.0.1', port: port(), servername, path, headers: { host: `${servername}:${port()}` }, ca: ensureCa(server.dataDir).cert }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

describe('custom domains through the v3 SDK', () => {
  it('creates, describes, updates and deletes a custom domain beside a prefix domain', async () => {
    const c = idp(server);
    const { poolId } = await createPool(server);
    await c.send(new CreateUserPoolDomainCommand({ UserPoolId: poolId, Domain: 'custom-beside' }));
    const created = await c.send(new CreateUserPoolDomainCommand({ UserPoolId: poolId, Domain: 'auth.shop.example.com', CustomDomainConfig: { CertificateArn: CERT }, ManagedLoginVersion: 2 }));
    expect(created).toMatchObject({ ManagedLoginVersion: 2, CloudFrontDomain: ownHost() });
    const described = (await c.send(new DescribeUserPoolDomainCommand({ Domain: 'auth.shop.example.com' }))).DomainDescription;
    expect(described).toMatchObject({
      UserPoolId: poolId, AWSAccountId: '000000000000', Domain: 'auth.shop.example.com', CloudFrontDistribution: ownHost(), CustomDomainConfig: { CertificateArn: CERT }, Status: 'ACTIVE', ManagedLoginVersion: 2,
    });
    expect((await c.send(new DescribeUserPoolDomainCommand({ Domain: 'custom-beside' }))).DomainDescription?.CustomDomainConfig).toBeUndefined();
    expect((await c.send(new DescribeUserPoolCommand({ UserPoolId: poolId }))).UserPool).toMatchObject({ Domain: 'custom-beside', CustomDomain: 'auth.shop.example.com' });

    const renewed = CERT.replace('0a1b2c3d', 'ffffffff');
    expect(await c.send(new UpdateUserPoolDomainCommand({ UserPoolId: poolId, Domain: 'auth.shop.example.com', CustomDomainConfig: { CertificateArn: renewed } }))).toMatchObject({ ManagedLoginVersion: 2, CloudFrontDomain: ownHost() });
    expect((await c.send(new DescribeUserPoolDomainCommand({ Domain: 'auth.shop.example.com' }))).DomainDescription?.CustomDomainConfig).toEqual({ CertificateArn: renewed });

    await c.send(new DeleteUserPoolDomainCommand({ UserPoolId: poolId, Domain: 'auth.shop.example.com' }));
    expect((await c.send(new DescribeUserPoolDomainCommand({ Domain: 'auth.shop.example.com' }))).DomainDescription).toEqual({});
    expect((await c.send(new DescribeUserPoolCommand({ UserPoolId: poolId }))).UserPool?.CustomDomain).toBeUndefined();
    expect((await c.send(new DescribeUserPoolCommand({ UserPoolId: poolId }))).UserPool?.Domain).toBe('custom-beside');
  });

  it('refuses what AWS refuses, with its messages, and writes nothing', async () => {
    const c = idp(server);
    const a = await createPool(server);
    const b = await createPool(server);
    await c.send(new CreateUserPoolDomainCommand({ UserPoolId: a.poolId, Domain: 'auth.taken.example.com', CustomDomainConfig: { CertificateArn: CERT } }));
    const create = (poolId: string, Domain: string, CertificateArn?: string) =>
      errorOf(c.send(new CreateUserPoolDomainCommand({ UserPoolId: poolId, Domain, ...(CertificateArn === undefined ? {} : { CustomDomainConfig: { CertificateArn } }) })));
    expect(await create(b.poolId, 'auth.taken.example.com', CERT)).toEqual({ name: 'InvalidParameterException', message: 'Domain already associated with another user pool.', status: 400 });
    expect(await create(a.poolId, 'auth.second.example.com', CERT)).toMatchObject({ name: 'InvalidParameterException', message: 'User pool already has a domain configured.' });
    for (const arn of [CERT.replace('us-east-1', 'eu-west-1'), 'arn:aws:iam::123456789012:server-certificate/x', 'arn:aws:acm:us-east-1:123:certificate/x']) {
      expect(await create(b.poolId, 'auth.b.example.com', arn)).toMatchObject({
        name: 'InvalidParameterException', message: "The specified SSL certificate doesn't exist, isn't in us-east-1 region, isn't valid, or doesn't include a valid certificate chain.",
      });
    }
    for (const domain of ['Auth.Example.com', 'nodots', 'a..example.com', `x.${server.gatehouse.config.authHostSuffix}`, `${'a'.repeat(64)}.example.com`]) {
      expect((await create(b.poolId, domain, CERT)).name).toBe('InvalidParameterException');
    }
    expect(await create(b.poolId, 'prefix.with.dots')).toMatchObject({
      name: 'InvalidParameterException',
      message: 'The domain name contains an invalid character. Domain names can only contain lower-case letters, numbers, and hyphens. Please enter a different name that follows this format: ^[a-z0-9](?:[a-z0-9\\-]{0,61}[a-z0-9])?$',
    });
    expect((await c.send(new DescribeUserPoolCommand({ UserPoolId: b.poolId }))).UserPool?.CustomDomain).toBeUndefined();
    expect((await errorOf(c.send(new UpdateUserPoolDomainCommand({ UserPoolId: a.poolId, Domain: 'auth.taken.example.com', CustomDomainConfig: { CertificateArn: CERT.replace('us-east-1', 'eu-west-1') } })))).name).toBe('InvalidParameterException');
    expect((await c.send(new DescribeUserPoolDomainCommand({ Domain: 'auth.taken.example.com' }))).DomainDescription?.CustomDomainConfig).toEqual({ CertificateArn: CERT });
    await c.send(new CreateUserPoolDomainCommand({ UserPoolId: b.poolId, Domain: 'prefix-of-b' }));
    expect(await errorOf(c.send(new UpdateUserPoolDomainCommand({ UserPoolId: b.poolId, Domain: 'prefix-of-b', CustomDomainConfig: { CertificateArn: CERT } })))).toMatchObject({ name: 'InvalidParameterException' });
  });
});

describe('custom domains through the AWS CLI', () => {
  it('runs create-user-pool-domain --custom-domain-config, describe-user-pool-domain and delete-user-pool-domain', async () => {
    const { poolId } = await createPool(server);
    const cli = async (args: string[]) => {
      const r = await awsCli(server.url, server.credentials, ['cognito-idp', ...args]);
      if (r.code !== 0) throw new Error(`aws ${args.join(' ')} failed: ${r.stderr}`);
      return r.stdout.trim() === '' ? {} : (JSON.parse(r.stdout) as Record<string, unknown>);
    };
    expect(await cli(['create-user-pool-domain', '--user-pool-id', poolId, '--domain', 'auth.cli.example.com', '--custom-domain-config', `CertificateArn=${CERT}`])).toEqual({ ManagedLoginVersion: 1, CloudFrontDomain: ownHost() });
    expect((await cli(['describe-user-pool-domain', '--domain', 'auth.cli.example.com'])).DomainDescription).toMatchObject({ UserPoolId: poolId, CustomDomainConfig: { CertificateArn: CERT }, CloudFrontDistribution: ownHost() });
    expect(((await cli(['describe-user-pool', '--user-pool-id', poolId])).UserPool as Record<string, unknown>).CustomDomain).toBe('auth.cli.example.com');
    await cli(['delete-user-pool-domain', '--user-pool-id', poolId, '--domain', 'auth.cli.example.com']);
    expect((await cli(['describe-user-pool-domain', '--domain', 'auth.cli.example.com'])).DomainDescription).toEqual({});
  });
});

describe('the hosted UI and OAuth endpoints at the custom host', () => {
  it('signs in through the custom host in Chromium; openid-client discovers it and exchanges the code there; other pools\u2019 clients are refused', async () => {
    const c = idp(server);
    const pool = await createPool(server);
    await c.send(new CreateUserPoolDomainCommand({ UserPoolId: pool.poolId, Domain: HOST, CustomDomainConfig: { CertificateArn: CERT } }));
    const app = (await c.send(new CreateUserPoolClientCommand({
      UserPoolId: pool.poolId, ClientName: 'web', GenerateSecret: true, AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: ['openid', 'email'], CallbackURLs: [CALLBACK], SupportedIdentityProviders: ['COGNITO'],
    }))).UserPoolClient!;
    await confirmedUser(server, pool, 'cora');
    await smtp.waitFor('cora@example.com');

    const config = await oidc.discovery(new URL(`${server.url}/${pool.poolId}`), app.ClientId!, undefined, oidc.ClientSecretBasic(app.ClientSecret!), { execute: [oidc.allowInsecureRequests] });
    config[oidc.customFetch] = loopbackFetch;
    const base = `http://${HOST}:${port()}`;
    expect(config.serverMetadata()).toMatchObject({ authorization_endpoint: `${base}/oauth2/authorize`, token_endpoint: `${base}/oauth2/token`, userinfo_endpoint: `${base}/oauth2/userInfo` });

    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: CALLBACK, scope: 'openid email', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state });
    const context = await browser.newContext();
    await context.route(`${CALLBACK}**`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<p>app</p>' }));
    const page = await context.newPage();
    await page.goto(url.toString());
    expect(new URL(page.url()).host).toBe(`${HOST}:${port()}`);
    await page.getByLabel('Username').fill('cora');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => u.toString().startsWith(CALLBACK));
    const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url()), { pkceCodeVerifier: verifier, expectedState: state });
    expect(tokens.claims()!['cognito:username']).toBe('cora');
    expect((await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub)).email).toBe('cora@example.com');

    // HTTPS at the custom host: its own certificate from the local CA, which Node verifies (chain and name).
    const login = `/login?response_type=code&client_id=${app.ClientId}&redirect_uri=${encodeURIComponent(CALLBACK)}`;
    expect(await overTls(HOST, login)).toBe(200);
    expect(await overTls('nobody.example.localhost', login)).toBe('ERR_TLS_CERT_ALTNAME_INVALID');

    // Another pool's client at this pool's custom host: Cognito's error page, no redirect.
    const other = await createPool(server, {}, { AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: ['code'], AllowedOAuthScopes: ['openid'], CallbackURLs: [CALLBACK] });
    const refused = await page.goto(`${base}/oauth2/authorize?response_type=code&client_id=${other.clientId}&redirect_uri=${encodeURIComponent(CALLBACK)}`);
    expect(refused!.status()).toBe(400);
    expect(await page.getByRole('alert').textContent()).toContain('The client_id is not valid.');

    // Deleted: the host is no user pool domain any more.
    await c.send(new DeleteUserPoolDomainCommand({ UserPoolId: pool.poolId, Domain: HOST }));
    const gone = await page.goto(`${base}${login}`);
    expect(gone!.status()).toBe(404);
    expect(await gone!.text()).not.toContain('Sign in with your username and password');
    await context.close();
  });
});
