/**
 * The edge under bad and unusual HTTP: what node:http's parser refuses (no Host, conflicting
 * lengths, oversized headers) is refused and the server carries on; HEAD; CORS on API answers
 * and errors; an exception inside any API service becomes that service's AWS-shaped 500 with a
 * log line and nothing of the exception in the response; who is believed about TLS and about
 * being local.
 */
import { CognitoIdentityProviderClient, CreateUserPoolCommand, ListUserPoolsCommand, SignUpCommand } from '@aws-sdk/client-cognito-identity-provider';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toAmzDate } from '../../src/protocols/sigv4.js';
import { forwardedOverTls } from '../../src/server/edge.js';
import { BodyTimeout, readBody } from '../../src/protocols/http.js';
import type { ApiService } from '../../src/services/types.js';
import { errorOf } from '../support/errors.js';
import { REGION, ROOT, startServer, type TestServer } from '../support/gatehouse.js';

let server: TestServer;
let port: number;
beforeAll(async () => {
  server = await startServer();
  port = Number(new URL(server.url).port);
});
afterAll(async () => {
  await server.close();
});

/** Writes raw bytes and returns what the server answers before it closes (or 2 s pass). */
function raw(request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let out = '';
    const done = (): void => {
      socket.destroy();
      resolve(out);
    };
    socket.setTimeout(2000, done);
    socket.on('data', (c: Buffer) => (out += c.toString('latin1')));
    socket.on('end', done);
    socket.on('close', done);
    socket.on('error', reject);
    socket.write(request);
  });
}

const statusOf = (response: string): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1]);

describe('what the HTTP parser refuses', () => {
  it.each([
    ['a request without Host', 400, 'GET /_gatehouse/health HTTP/1.1\r\n\r\n'],
    ['two different Content-Lengths', 400, 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd'],
    ['Content-Length with Transfer-Encoding: chunked', 400, 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
    ['headers over 16 KiB', 431, `GET /_gatehouse/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`],
    ['a malformed request line', 400, 'GET\r\n\r\n'],
  ])('%s: %i, and the server carries on', async (_name, status, request) => {
    expect(statusOf(await raw(request))).toBe(status);
    expect((await fetch(`${server.url}/_gatehouse/health`)).status).toBe(200);
  });

  it('answers a Query request that repeats a header with the first Host and no crash', async () => {
    const body = 'Action=GetCallerIdentity&Version=2011-06-15';
    const res = await raw(`POST / HTTP/1.1\r\nHost: a\r\nHost: b\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
    // Unsigned, so refused as AWS refuses it; what matters is an AWS-shaped answer.
    expect(statusOf(res)).toBe(403);
    expect(res).toContain('<Code>MissingAuthenticationToken</Code>');
  });
});

describe('HEAD', () => {
  it('answers with the headers of GET and no body', async () => {
    const res = await raw('HEAD /_gatehouse/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(statusOf(res)).toBe(200);
    const [head, body] = res.split('\r\n\r\n');
    expect(head).toMatch(/content-length: \d+/i);
    expect(body).toBe('');
  });
});

describe('CORS on API answers', () => {
  it('a browser may read successes and errors of the JSON and Query services', async () => {
    const origin = { origin: 'http://app.example' };
    const json = await fetch(server.url, { method: 'POST', headers: { ...origin, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth' }, body: '{}' });
    expect(json.status).toBe(400);
    expect(json.headers.get('access-control-allow-origin')).toBe('*');
    expect(json.headers.get('access-control-expose-headers')).toContain('x-amzn-ErrorType');
    const query = await fetch(server.url, { method: 'POST', headers: { ...origin, 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=GetCallerIdentity&Version=2011-06-15' });
    expect(query.status).toBe(403);
    expect(query.headers.get('access-control-allow-origin')).toBe('*');
    const unknown = await fetch(server.url, { method: 'POST', headers: { ...origin, 'x-amz-target': 'Nope.Op' }, body: '{}' });
    expect(unknown.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('answers without CORS headers when the request has no Origin', async () => {
    const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=GetCallerIdentity&Version=2011-06-15' });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('an exception inside a service', () => {
  const SECRET = 'boom: /srv/gatehouse/secret-path.ts:42';

  /** Makes one operation of `service` throw a plain Error for the duration of `fn`. */
  async function failing(service: ApiService, operation: string, fn: () => Promise<void>): Promise<void> {
    const ops = service.operations as Record<string, unknown>;
    const original = ops[operation];
    ops[operation] = () => {
      throw new Error(SECRET);
    };
    try {
      await fn();
    } finally {
      ops[operation] = original;
    }
  }

  function loggedFor(operation: string): Record<string, unknown> | undefined {
    return server.logs().find((l) => l.msg === 'unhandled error' && l.operation === operation);
  }

  it.each([
    ['IAM', 'iam', 'GetRole', 'ServiceFailureException', 'ServiceFailure'],
    ['STS', 'sts', 'GetCallerIdentity', 'InternalFailure', 'InternalFailure'],
    ['Cognito User Pools', 'cognito-idp', 'ListUserPools', 'InternalErrorException', 'InternalErrorException'],
  ])('%s answers its internal error (500), logs the exception, and shows none of it', async (_name, which, operation, sdkName, code) => {
    const gatehouse = server.gatehouse;
    const service = which === 'iam' ? gatehouse.iam.service : which === 'sts' ? gatehouse.sts.service : gatehouse.cognitoIdp.service;
    const config = { endpoint: server.url, region: REGION, credentials: ROOT };
    await failing(service, operation, async () => {
      const call =
        which === 'iam'
          ? new IAMClient(config).send(new GetRoleCommand({ RoleName: 'x' }))
          : which === 'sts'
            ? new STSClient(config).send(new GetCallerIdentityCommand({}))
            : new CognitoIdentityProviderClient(config).send(new ListUserPoolsCommand({ MaxResults: 1 }));
      expect(await errorOf(call)).toEqual({ name: sdkName, message: 'An internal error occurred.', status: 500 });
    });
    const line = loggedFor(`${which}.${operation}`);
    expect(line).toMatchObject({ level: 'error', err: { message: SECRET } });
    expect(String((line?.err as { stack?: string }).stack)).toContain('Error: boom');
    expect(code).toBe(service.internalErrorCode);
  });

  it('the response body carries the code, a generic message and the request id, nothing more', async () => {
    const body = 'Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A000000000000%3Arole%2Fr&RoleSessionName=session&WebIdentityToken=' + 'x'.repeat(20);
    await failing(server.gatehouse.sts.service, 'AssumeRoleWithWebIdentity', async () => {
      const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
      expect(res.status).toBe(500);
      const text = await res.text();
      const id = res.headers.get('x-amzn-requestid');
      expect(text).toBe(
        `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Receiver</Type><Code>InternalFailure</Code><Message>An internal error occurred.</Message></Error><RequestId>${id}</RequestId></ErrorResponse>`,
      );
    });
  });
});

describe('who is believed', () => {
  it('X-Forwarded-Proto only from a proxy on this host, or with an https public URL', () => {
    expect(forwardedOverTls('127.0.0.1', 'https', false)).toBe(true);
    expect(forwardedOverTls('::1', 'https', false)).toBe(true);
    expect(forwardedOverTls('203.0.113.9', 'https', false)).toBe(false);
    expect(forwardedOverTls('203.0.113.9', 'https', true)).toBe(true);
    expect(forwardedOverTls('127.0.0.1', 'http', true)).toBe(false);
    expect(forwardedOverTls('127.0.0.1', undefined, true)).toBe(false);
  });

  it('the outbox does not take a proxied request for a local one', async () => {
    const proxied = { 'x-forwarded-for': '203.0.113.9' };
    expect((await fetch(`${server.url}/_gatehouse/outbox`, { headers: proxied })).status).toBe(401);
    expect((await fetch(`${server.url}/_gatehouse/outbox`, { headers: { forwarded: 'for=203.0.113.9' } })).status).toBe(401);
    const basic = `Basic ${Buffer.from(`${ROOT.accessKeyId}:${ROOT.secretAccessKey}`).toString('base64')}`;
    expect((await fetch(`${server.url}/_gatehouse/outbox`, { headers: { ...proxied, authorization: basic } })).status).toBe(200);
    const wrong = `Basic ${Buffer.from(`${ROOT.accessKeyId}:not-the-secret`).toString('base64')}`;
    expect((await fetch(`${server.url}/_gatehouse/outbox`, { headers: { ...proxied, authorization: wrong } })).status).toBe(401);
    expect((await fetch(`${server.url}/_gatehouse/outbox`)).status).toBe(200);
  });
});

describe('work an unsigned request can cause', () => {
  it('a JSON list of 40,000 bad items gets a message that counts them all and lists the first 100', async () => {
    // SignUp is unsigned; each of these items breaks two constraints, and listing all 80,000
    // violations made a 1 MB request come back as a 25 MB message.
    const idp = new CognitoIdentityProviderClient({ endpoint: server.url, region: REGION, credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' } });
    const UserAttributes = Array.from({ length: 40_000 }, () => ({ Name: '' }));
    const e = await errorOf(idp.send(new SignUpCommand({ ClientId: 'client', Username: 'user', Password: 'Passw0rd!', UserAttributes })));
    expect({ name: e.name, status: e.status }).toEqual({ name: 'InvalidParameterException', status: 400 });
    expect(e.message).toMatch(/^80000 validation errors detected: Value '' at 'userAttributes\.1\.member\.name' failed to satisfy constraint: Member must have length greater than or equal to 1; /);
    expect(e.message.split('; ')).toHaveLength(100);
  });

  it('a Query body of 12,000 list members (most of the 1 MB limit) is decoded in linear time', async () => {
    // AssumeRoleWithWebIdentity is unsigned: anyone can send it. Decoding used to rescan every
    // parameter for each list member, which took tens of seconds of CPU for this body.
    const sts = new STSClient({ endpoint: server.url, region: REGION, credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' } });
    const PolicyArns = Array.from({ length: 12_000 }, (_, i) => ({ arn: `arn:aws:iam::aws:policy/${i}` }));
    const started = performance.now();
    const e = await errorOf(
      sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: 'arn:aws:iam::000000000000:role/r', RoleSessionName: 'session', WebIdentityToken: 'not-a-jwt', PolicyArns })),
    );
    expect({ name: e.name, status: e.status }).toEqual({ name: 'InvalidIdentityTokenException', status: 400 });
    // Linear decoding takes well under a second; the quadratic one took over 10 s here.
    expect(performance.now() - started).toBeLessThan(10_000);
  }, 60_000);
});

describe('what a client lists in SignedHeaders', () => {
  it.each(['constructor', '__proto__'])('a header named %s that was not sent is a signature mismatch, not a 500', async (name) => {
    const date = toAmzDate(server.gatehouse.clock.now());
    const authorization = (service: string): string =>
      `AWS4-HMAC-SHA256 Credential=${ROOT.accessKeyId}/${date.slice(0, 8)}/${REGION}/${service}/aws4_request, SignedHeaders=${name};host;x-amz-date, Signature=${'0'.repeat(64)}`;
    const json = await fetch(`${server.url}/`, {
      method: 'POST',
      headers: { 'x-amz-target': 'AWSCognitoIdentityProviderService.ListUserPools', 'content-type': 'application/x-amz-json-1.1', 'x-amz-date': date, authorization: authorization('cognito-idp') },
      body: '{"MaxResults":1}',
    });
    expect(json.status).toBe(400);
    expect(((await json.json()) as { __type: string }).__type).toBe('InvalidSignatureException');
    const s3 = await fetch(`${server.url}/`, { headers: { 'x-amz-date': date, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', authorization: authorization('s3') } });
    expect(s3.status).toBe(403);
    expect(await s3.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
  });
});

describe('API bodies that do not come', () => {
  it('readBody gives up on a body that stalls before its Content-Length', async () => {
    const outcome = new Promise<unknown>((resolve) => {
      const local = http.createServer((req, res) => {
        readBody(req, 1024, 200).then(resolve, resolve);
        res.on('close', () => local.close());
        setTimeout(() => res.destroy(), 3000).unref();
      });
      local.listen(0, '127.0.0.1', () => {
        const socket = net.connect((local.address() as AddressInfo).port, '127.0.0.1');
        socket.on('error', () => undefined);
        socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly some');
      });
    });
    expect(await outcome).toBeInstanceOf(BodyTimeout);
  });

  it('a refused oversized body closes the connection instead of reading the rest', async () => {
    const started = performance.now();
    const response = await raw(
      'POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000000\r\n\r\nAction=GetCallerIdentity',
    );
    expect(statusOf(response)).toBe(413);
    expect(response.toLowerCase()).toContain('connection: close');
    // Closed by the server, not by raw()'s 2 s patience.
    expect(performance.now() - started).toBeLessThan(1500);
  });
});

describe("model patterns that backtrack", () => {
  const idp = (): CognitoIdentityProviderClient => new CognitoIdentityProviderClient({ endpoint: server.url, region: REGION, credentials: server.credentials });

  it('a 12,000-character link template is checked in linear time, with the same verdicts', async () => {
    // Cognito's `[…]*\{##[…]*##\}[…]*` backtracked cubically: this took about 30 s of blocked CPU.
    const bad = '{##'.repeat(2000) + '##}'.repeat(2000) + '\u0001';
    const started = performance.now();
    const e = await errorOf(idp().send(new CreateUserPoolCommand({ PoolName: 'p', VerificationMessageTemplate: { DefaultEmailOption: 'CONFIRM_WITH_LINK', EmailMessageByLink: bad } })));
    expect(e.name).toBe('InvalidParameterException');
    expect(e.message).toMatch(/^1 validation error detected: Value '.*' at 'verificationMessageTemplate\.emailMessageByLink' failed to satisfy constraint: Member must satisfy regular expression pattern: /s);
    expect(performance.now() - started).toBeLessThan(10_000);
    // The same pattern still takes what it should and refuses what it should.
    const ok = await idp().send(new CreateUserPoolCommand({ PoolName: 'link', VerificationMessageTemplate: { EmailMessageByLink: 'Click {##here##} to verify.' } }));
    expect(ok.UserPool?.VerificationMessageTemplate?.EmailMessageByLink).toBe('Click {##here##} to verify.');
    const wrongOrder = await errorOf(idp().send(new CreateUserPoolCommand({ PoolName: 'p', VerificationMessageTemplate: { EmailMessageByLink: 'Click ##}here{## now' } })));
    expect(wrongOrder.message).toContain("at 'verificationMessageTemplate.emailMessageByLink' failed to satisfy constraint: Member must satisfy regular expression pattern");
  }, 120_000);

  it('an e-mail address pattern with no maximum is checked in linear time', async () => {
    // `[…]+@[…]+` (the class holds `@`) is quadratic: 100,000 of these took about 16 s.
    const bad = '@'.repeat(100_000) + '\n';
    const started = performance.now();
    const e = await errorOf(idp().send(new CreateUserPoolCommand({ PoolName: 'p', EmailConfiguration: { ReplyToEmailAddress: bad } })));
    expect(e.name).toBe('InvalidParameterException');
    expect(e.message).toContain("at 'emailConfiguration.replyToEmailAddress' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+@[\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+");
    expect(performance.now() - started).toBeLessThan(10_000);
    for (const address of ['@a', 'a@', 'a@b\u0001']) {
      const refused = await errorOf(idp().send(new CreateUserPoolCommand({ PoolName: 'p', EmailConfiguration: { ReplyToEmailAddress: address } })));
      expect(refused.message).toContain("at 'emailConfiguration.replyToEmailAddress' failed to satisfy constraint");
    }
    const ok = await idp().send(new CreateUserPoolCommand({ PoolName: 'reply', EmailConfiguration: { ReplyToEmailAddress: 'a@@b' } }));
    expect(ok.UserPool?.EmailConfiguration?.ReplyToEmailAddress).toBe('a@@b');
  }, 120_000);

  it('a value over its maximum length is not also matched against its pattern', async () => {
    // `.*\{####\}.*` is quadratic: 1 MB of this took minutes to refuse.
    const long = '{####}'.repeat(150_000) + '\n';
    const started = performance.now();
    const e = await errorOf(idp().send(new CreateUserPoolCommand({ PoolName: 'p', SmsVerificationMessage: long })));
    expect(e.name).toBe('InvalidParameterException');
    expect(e.message).toBe(`1 validation error detected: Value '${long}' at 'smsVerificationMessage' failed to satisfy constraint: Member must have length less than or equal to 140`);
    expect(performance.now() - started).toBeLessThan(10_000);
  }, 120_000);
});
