/**
 * Health and metrics as a probe and a Prometheus scraper meet them: readiness with its checks
 * (store, migrations, SMTP when configured) and liveness; metrics in Prometheus text format,
 * moved by real client traffic (SDK calls to User Pools and S3), bounded labels for names a
 * client made up, and access as the outbox has it (loopback, or root credentials as Basic).
 */
import { CognitoIdentityProviderClient, CreateUserPoolClientCommand, CreateUserPoolCommand, InitiateAuthCommand, SignUpCommand } from '@aws-sdk/client-cognito-identity-provider';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, REGION, startServer, startServerWithSmtp, type TestServer } from '../support/gatehouse.js';
import type { TestSmtp } from '../support/smtp.js';

/** Parses Prometheus text format into `name{labels}` → value. */
function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (m === null) throw new Error(`not Prometheus text format: ${line}`);
    out.set(m[1]!, Number(m[2]));
  }
  return out;
}

const basic = (id: string, secret: string): string => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

describe('health', () => {
  let server: TestServer | undefined;
  let withSmtp: { server: TestServer; smtp: TestSmtp } | undefined;
  let deadSmtp: TestServer | undefined;
  beforeAll(async () => {
    server = await startServer();
    withSmtp = await startServerWithSmtp();
    // A port nothing listens on: take a free one and close it.
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    deadSmtp = await startServer({ GATEHOUSE_SMTP_URL: `smtp://gatehouse:s3cret-smtp-pass@127.0.0.1:${port}` });
  });
  afterAll(() => closeAll(server, withSmtp?.server, withSmtp?.smtp, deadSmtp));

  it('answers readiness with every service running and its checks', async () => {
    const res = await fetch(`${server!.url}/_gatehouse/health`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toMatchObject({
      status: 'ok',
      services: { 'cognito-idp': 'running', 'cognito-identity': 'running', iam: 'running', sts: 'running', s3: 'running' },
      checks: { store: 'ok', migrations: 'ok', mail: 'outbox' },
    });
    expect((await fetch(`${server!.url}/_gatehouse/health/ready`)).status).toBe(200);
    const live = await fetch(`${server!.url}/_gatehouse/health/live`);
    expect(live.status).toBe(200);
    expect(await live.json()).toMatchObject({ status: 'ok' });
  });

  it('checks a configured SMTP server: ready when it answers, 503 when it does not (without the URL or password)', async () => {
    const ok = await fetch(`${withSmtp!.server.url}/_gatehouse/health`);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { checks: { mail: string } }).checks.mail).toBe('ok');

    const down = await fetch(`${deadSmtp!.url}/_gatehouse/health`);
    expect(down.status).toBe(503);
    const text = await down.text();
    expect(JSON.parse(text)).toMatchObject({ status: 'unavailable', services: { s3: 'error' }, checks: { store: 'ok', migrations: 'ok' } });
    expect((JSON.parse(text) as { checks: { mail: string } }).checks.mail).toMatch(/^error: SMTP server not reachable/);
    expect(text).not.toContain('s3cret-smtp-pass');
    // Liveness stays up: restarting the process would not bring the mail server back.
    expect((await fetch(`${deadSmtp!.url}/_gatehouse/health/live`)).status).toBe(200);
  });
});

describe('metrics', () => {
  let server: TestServer | undefined;
  let open: TestServer | undefined;
  let off: TestServer | undefined;
  beforeAll(async () => {
    server = await startServer();
    open = await startServer({ GATEHOUSE_METRICS: 'open' });
    off = await startServer({ GATEHOUSE_METRICS: 'off' });
  });
  afterAll(() => closeAll(server, open, off));

  async function scrape(s: TestServer, headers: Record<string, string> = {}): Promise<Map<string, number>> {
    const res = await fetch(`${s.url}/_gatehouse/metrics`, { headers });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parseMetrics(await res.text());
  }

  it('counts requests, sign-ins by flow and outcome, policy decisions and S3 bytes from real client traffic', async () => {
    const idp = new CognitoIdentityProviderClient({ endpoint: server!.url, region: REGION, credentials: server!.credentials });
    const pool = (await idp.send(new CreateUserPoolCommand({ PoolName: 'metrics' }))).UserPool!.Id!;
    const client = (await idp.send(new CreateUserPoolClientCommand({ UserPoolId: pool, ClientName: 'app', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }))).UserPoolClient!.ClientId!;
    await idp.send(new SignUpCommand({ ClientId: client, Username: 'mia', Password: 'Passw0rd!' }));
    await expect(idp.send(new InitiateAuthCommand({ ClientId: client, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'mia', PASSWORD: 'wrong-Passw0rd!' } }))).rejects.toMatchObject({ name: 'NotAuthorizedException' });

    const s3 = new S3Client({ endpoint: server!.url, region: REGION, credentials: server!.credentials, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: 'metrics-bucket' }));
    await s3.send(new PutObjectCommand({ Bucket: 'metrics-bucket', Key: 'k', Body: Buffer.alloc(50_000, 1) }));
    // Anonymous: the policy engine says no.
    expect((await fetch(`${server!.url}/metrics-bucket/k`)).status).toBe(403);
    // A made-up operation name must not become a label of its own.
    await fetch(server!.url, { method: 'POST', headers: { 'x-amz-target': 'AWSCognitoIdentityProviderService.NoSuchThing' + 'x'.repeat(200), 'content-type': 'application/x-amz-json-1.1' }, body: '{}' });

    const m = await scrape(server!);
    expect(m.get('gatehouse_requests_total{service="cognito-idp",operation="CreateUserPool",status="200"}')).toBe(1);
    expect(m.get('gatehouse_requests_total{service="cognito-idp",operation="InitiateAuth",status="400"}')).toBe(1);
    expect(m.get('gatehouse_requests_total{service="s3",operation="PutObject",status="200"}')).toBe(1);
    expect(m.get('gatehouse_sign_ins_total{flow="USER_PASSWORD_AUTH",outcome="NotAuthorizedException"}')).toBe(1);
    expect(m.get('gatehouse_policy_decisions_total{decision="ImplicitDeny",service="s3"}')).toBeGreaterThanOrEqual(1);
    expect(m.get('gatehouse_s3_bytes_total{direction="in"}')).toBeGreaterThan(50_000);
    expect(m.get('gatehouse_request_duration_seconds_count{service="s3",operation="PutObject"}')).toBe(1);
    expect(m.get('gatehouse_messages_total{channel="email",outcome="sent"}') ?? 0).toBe(0);
    expect([...m.keys()].some((k) => k.includes('NoSuchThing'))).toBe(false);
    expect(m.get('gatehouse_requests_total{service="cognito-idp",operation="unknown",status="400"}')).toBe(1);
    expect(m.has('gatehouse_process_cpu_user_seconds_total')).toBe(true);
    expect(m.has('gatehouse_nodejs_eventloop_lag_seconds')).toBe(true);
  });

  it('answers loopback clients and root credentials; proxied or wrong credentials get 401', async () => {
    const proxied = await fetch(`${server!.url}/_gatehouse/metrics`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(proxied.status).toBe(401);
    expect(await proxied.text()).not.toContain('gatehouse_requests_total');
    const wrong = await fetch(`${server!.url}/_gatehouse/metrics`, { headers: { 'x-forwarded-for': '203.0.113.9', authorization: basic(server!.credentials.accessKeyId, 'not-the-secret') } });
    expect(wrong.status).toBe(401);
    await scrape(server!, { 'x-forwarded-for': '203.0.113.9', authorization: basic(server!.credentials.accessKeyId, server!.credentials.secretAccessKey) });
    await scrape(open!, { 'x-forwarded-for': '203.0.113.9' });
    const none = await fetch(`${off!.url}/_gatehouse/metrics`);
    expect(none.status).not.toBe(200);
    expect(await none.text()).not.toContain('gatehouse_requests_total');
  });
});
