import { CognitoIdentityProviderClient, ListUserPoolsCommand } from '@aws-sdk/client-cognito-identity-provider';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli, boto3 } from '../support/cli.js';
import { REGION, startServer, type TestServer } from '../support/gatehouse.js';
import { errorOf } from '../support/errors.js';
import { Sha256 } from '../support/sha256.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});

function sts(credentials = server.credentials): STSClient {
  return new STSClient({ endpoint: server.url, region: REGION, credentials });
}


describe('the edge, through official clients', () => {
  it('answers a SigV4-signed Query request from SDK v3 as the root user', async () => {
    const out = await sts().send(new GetCallerIdentityCommand({}));
    expect(out).toMatchObject({ Account: '000000000000', Arn: 'arn:aws:iam::000000000000:root', UserId: '000000000000' });
  });

  it('rejects a wrong secret with SignatureDoesNotMatch (403)', async () => {
    const e = await errorOf(sts({ ...server.credentials, secretAccessKey: 'wrong-secret-wrong-secret-wrong' }).send(new GetCallerIdentityCommand({})));
    expect(e).toMatchObject({ name: 'SignatureDoesNotMatch', status: 403 });
  });

  it('rejects an unknown access key with InvalidClientTokenId (403)', async () => {
    const e = await errorOf(sts({ accessKeyId: 'AKIANOTAREALKEY00000', secretAccessKey: 'x'.repeat(40) }).send(new GetCallerIdentityCommand({})));
    expect(e).toMatchObject({ name: 'InvalidClientTokenId', status: 403, message: 'The security token included in the request is invalid.' });
  });

  it('rejects a session token on the root key', async () => {
    const e = await errorOf(sts({ ...server.credentials, sessionToken: 'made-up' } as never).send(new GetCallerIdentityCommand({})));
    expect(e).toMatchObject({ name: 'InvalidClientTokenId', status: 403 });
  });

  it('rejects a signature made with a clock more than five minutes off', async () => {
    server.gatehouse.clock.advance(6 * 60_000);
    try {
      const e = await errorOf(sts().send(new GetCallerIdentityCommand({})));
      expect(e.name).toBe('SignatureDoesNotMatch');
      expect(e.message).toMatch(/^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z/);
    } finally {
      server.gatehouse.clock.reset();
    }
  });

  it('rejects a signature scoped to another service, for JSON and Query alike', async () => {
    // A valid signature by the root key, but made for STS: it must not open Cognito.
    const signer = new SignatureV4({ service: 'sts', region: REGION, credentials: server.credentials, sha256: Sha256 });
    const idp = new CognitoIdentityProviderClient({ endpoint: server.url, region: REGION, credentials: server.credentials, signer });
    const e = await errorOf(idp.send(new ListUserPoolsCommand({ MaxResults: 1 })));
    expect(e).toMatchObject({ name: 'IncompleteSignatureException', status: 400, message: "Credential should be scoped to correct service: 'cognito-idp'. " });
    const iamSigned = new SignatureV4({ service: 'iam', region: REGION, credentials: server.credentials, sha256: Sha256 });
    const q = await errorOf(new STSClient({ endpoint: server.url, region: REGION, credentials: server.credentials, signer: iamSigned }).send(new GetCallerIdentityCommand({})));
    expect({ name: q.name, status: q.status }).toEqual({ name: 'InvalidAction', status: 400 });
  });

  it('works with the AWS CLI and boto3', async () => {
    const cli = await awsCli(server.url, server.credentials, ['sts', 'get-caller-identity']);
    expect(cli.stderr).toBe('');
    expect(JSON.parse(cli.stdout)).toEqual({ UserId: '000000000000', Account: '000000000000', Arn: 'arn:aws:iam::000000000000:root' });
    const py = await boto3(server.url, server.credentials, `print(json.dumps(boto3.client('sts', endpoint_url=ENDPOINT, region_name=REGION).get_caller_identity()['Arn']))`);
    expect(py.stderr).toBe('');
    expect(JSON.parse(py.stdout)).toBe('arn:aws:iam::000000000000:root');
  });
});

describe('the edge, bad input', () => {
  it('answers an unsigned Query call to a signed operation with MissingAuthenticationToken', async () => {
    const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=GetCallerIdentity&Version=2011-06-15' });
    expect(res.status).toBe(403);
    const text = await res.text();
    expect(text).toContain('<Code>MissingAuthenticationToken</Code>');
    expect(text).toContain('<Type>Sender</Type>');
  });

  it('answers an unknown Query action with InvalidAction', async () => {
    const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=NoSuchThing&Version=2011-06-15' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('<Code>InvalidAction</Code>');
  });

  it('answers an unknown X-Amz-Target with UnknownOperationException', async () => {
    const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'NoSuchService.Op' }, body: '{}' });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
    expect(await res.json()).toMatchObject({ __type: 'UnknownOperationException' });
  });

  it('refuses API bodies over 1 MiB without reading them whole', async () => {
    const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=GetCallerIdentity&x=' + 'a'.repeat(1024 * 1024 + 10) });
    expect(res.status).toBe(413);
    expect(await res.text()).toContain('<Code>RequestEntityTooLargeException</Code>');
  });

  it('answers API preflights the way AWS does for browsers', async () => {
    const res = await fetch(server.url + '/', {
      method: 'OPTIONS',
      headers: { origin: 'http://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-amz-target,x-amz-user-agent' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://app.example');
    expect(res.headers.get('access-control-allow-headers')).toBe('content-type,x-amz-target,x-amz-user-agent');
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
  });

  it('writes one log line per request with operation, status and latency', async () => {
    await fetch(server.url + '/_gatehouse/health');
    const line = server.logs().filter((l) => l.msg === 'request' && l.op === 'gatehouse.health').at(-1);
    expect(line).toMatchObject({ status: 200, method: 'GET' });
    expect(typeof line?.ms).toBe('number');
  });
});

describe('Gatehouse routes', () => {
  it('reports health', async () => {
    const res = await fetch(server.url + '/_gatehouse/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok' });
  });

  it('serves the outbox to loopback clients', async () => {
    await server.gatehouse.platform.mailer.send({ channel: 'email', to: 'someone@example.com', subject: 'Hi', text: 'code 123456', purpose: 'test' });
    const res = await fetch(server.url + '/_gatehouse/outbox?to=someone%40example.com');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { messages: { to: string; text: string }[] };
    expect(body.messages[0]).toMatchObject({ to: 'someone@example.com', text: 'code 123456', channel: 'email', subject: 'Hi' });
    const bad = await fetch(server.url + '/_gatehouse/outbox?limit=-1');
    expect(bad.status).toBe(400);
  });
});
