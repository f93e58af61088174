/**
 * Oversized and malformed API bodies (issue 10, bad input): a 20 MB JSON or Query body gets
 * the 413 answer, readable by the client that is still sending (the SDK sees the AWS error,
 * not EPIPE); invalid UTF-8 in a JSON or Query body is a SerializationException / malformed
 * query, never decoded with replacement characters. Through SDK v3 for the oversized bodies,
 * raw HTTP for bytes no SDK sends; and nothing is created.
 */
import { AdminGetUserCommand, CognitoIdentityProviderClient, CreateUserPoolClientCommand, CreateUserPoolCommand, SignUpCommand } from '@aws-sdk/client-cognito-identity-provider';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf } from '../support/errors.js';
import { REGION, startServer, type TestServer } from '../support/gatehouse.js';

let server: TestServer;
let poolId: string;
let clientId: string;
beforeAll(async () => {
  server = await startServer();
  const c = new CognitoIdentityProviderClient({ endpoint: server.url, region: REGION, credentials: server.credentials });
  poolId = (await c.send(new CreateUserPoolCommand({ PoolName: 'bodies' }))).UserPool!.Id!;
  clientId = (await c.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'app' }))).UserPoolClient!.ClientId!;
});
afterAll(() => server?.close());

const BIG = 20 * 1024 * 1024;

/** A raw POST (chunked when `chunked`); resolves with the answer, or with the socket error the client saw. */
function post(headers: Record<string, string>, body: Buffer, chunked = false): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string } | { error: string }> {
  return new Promise((resolve) => {
    const url = new URL(server.url);
    const framing = chunked ? {} : { 'content-length': String(body.length) };
    const req = http.request({ host: url.hostname, port: url.port, method: 'POST', path: '/', headers: { ...headers, ...framing } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    if (!chunked) return void req.end(body);
    // In 64 KiB writes, as a streaming client sends: most of it after the answer is due.
    let at = 0;
    const next = (): void => {
      while (at < body.length) {
        const ok = req.write(body.subarray(at, (at += 65536)));
        if (!ok) return void req.once('drain', next);
      }
      req.end();
    };
    next();
  });
}

describe('a 20 MB body', () => {
  it('JSON (SDK v3): the client reads RequestEntityTooLargeException, and nothing is created', async () => {
    const c = new CognitoIdentityProviderClient({ endpoint: server.url, region: REGION, credentials: server.credentials, maxAttempts: 1 });
    const e = await errorOf(c.send(new SignUpCommand({ ClientId: clientId, Username: 'big', Password: 'Corr3ct-Horse!', UserAttributes: [{ Name: 'name', Value: 'x'.repeat(BIG) }] })));
    expect(e).toMatchObject({ name: 'RequestEntityTooLargeException', status: 413 });
    expect(await errorOf(c.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: 'big' })))).toMatchObject({ name: 'UserNotFoundException' });
  });

  it('Query (SDK v3): the client reads the 413 answer', async () => {
    const iam = new IAMClient({ endpoint: server.url, region: REGION, credentials: server.credentials, maxAttempts: 1 });
    const e = await errorOf(iam.send(new CreateRoleCommand({ RoleName: 'big', AssumeRolePolicyDocument: 'x'.repeat(BIG) })));
    expect(e).toMatchObject({ status: 413 });
  });

  it('raw HTTP: the answer arrives while the client is still sending, not EPIPE or a reset', async () => {
    const r = await post({ 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.SignUp' }, Buffer.alloc(BIG, 0x20));
    expect(r).toMatchObject({ status: 413, headers: { 'x-amzn-errortype': 'RequestEntityTooLargeException', connection: 'close' } });
    const chunked = await post({ 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.SignUp' }, Buffer.alloc(BIG, 0x20), true);
    expect(chunked).toMatchObject({ status: 413, headers: { 'x-amzn-errortype': 'RequestEntityTooLargeException' } });
  });
});

describe('invalid UTF-8', () => {
  const signUp = (bytes: Buffer) => post({ 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.SignUp' }, bytes);
  const json = (username: Buffer): Buffer => Buffer.concat([Buffer.from(`{"ClientId":"${clientId}","Password":"Corr3ct-Horse!","Username":"`), username, Buffer.from('"}')]);

  it('in a JSON body is a SerializationException, and no user is signed up', async () => {
    const r = await signUp(json(Buffer.from([0x61, 0xff, 0x62])));
    expect(r).toMatchObject({ status: 400, headers: { 'x-amzn-errortype': 'SerializationException' } });
    const c = new CognitoIdentityProviderClient({ endpoint: server.url, region: REGION, credentials: server.credentials });
    expect(await errorOf(c.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: 'a\uFFFDb' })))).toMatchObject({ name: 'UserNotFoundException' });
    // Well-formed multi-byte UTF-8 is fine.
    expect(await signUp(json(Buffer.from('zoë', 'utf8')))).toMatchObject({ status: 200 });
  });

  it('in a Query body (percent-decoded) is refused as malformed', async () => {
    const r = await post({ 'content-type': 'application/x-www-form-urlencoded' }, Buffer.from('Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleSessionName=a%FFb&RoleArn=arn%3Aaws%3Aiam%3A%3A000000000000%3Arole%2Fx&WebIdentityToken=t'));
    // AWS documents MalformedQueryString with status 404.
    expect(r).toMatchObject({ status: 404 });
    expect('text' in r ? r.text : '').toContain('<Code>MalformedQueryString</Code>');
  });
});
