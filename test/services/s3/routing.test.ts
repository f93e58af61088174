/**
 * Requests are routed by what S3 defines for each method and subresource, never to another
 * operation: an unknown method on a known subresource is MethodNotAllowed, an unimplemented
 * operation NotImplemented, and a version that cannot exist InvalidArgument.
 */
import fs from 'node:fs';
import {
  CreateBucketCommand,
  DeleteBucketTaggingCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUBRESOURCES } from '../../../src/services/s3/router.js';
import { OPERATIONS } from '../../../src/services/s3/index.js';
import { startServer, type TestServer } from '../../support/gatehouse.js';
import { codeOf, errorOf, s3Client, signedRequest } from './support.js';

let server: TestServer;
let s3: S3Client;

beforeAll(async () => {
  server = await startServer();
  s3 = s3Client(server);
  await s3.send(new CreateBucketCommand({ Bucket: 'empty' }));
  await s3.send(new CreateBucketCommand({ Bucket: 'full' }));
  await s3.send(new PutObjectCommand({ Bucket: 'full', Key: 'doc.txt', Body: 'current' }));
});
afterAll(async () => {
  await server.close();
});

const element = (xml: string, name: string): string | undefined => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];

describe('the route table is the S3 model', () => {
  it('names, for every subresource, method and level, the operation the model defines', () => {
    const model = JSON.parse(fs.readFileSync(new URL('../../../models/s3.json', import.meta.url), 'utf8')) as {
      operations: Record<string, { http: { method: string; requestUri: string } }>;
    };
    const fromModel = new Map<string, Set<string>>();
    for (const [name, op] of Object.entries(model.operations)) {
      const [path, query] = op.http.requestUri.split('?') as [string, string | undefined];
      if (query === undefined || query.startsWith('list-type')) continue;
      const sub = query.split('&')[0]!.split('=')[0]!;
      const id = `${sub} ${path.includes('{Key+}') ? 'object' : 'bucket'} ${op.http.method}`;
      fromModel.set(id, (fromModel.get(id) ?? new Set()).add(name));
    }
    const fromTable = new Map<string, string>();
    for (const [sub, levels] of Object.entries(SUBRESOURCES)) {
      for (const [level, methods] of Object.entries(levels)) for (const [method, op] of Object.entries(methods ?? {})) fromTable.set(`${sub} ${level} ${method}`, op);
    }
    expect([...fromTable.keys()].sort()).toEqual([...fromModel.keys()].sort());
    for (const [id, op] of fromTable) expect(fromModel.get(id)?.has(op), `${id} → ${op}`).toBe(true);
    // Every implemented operation with a subresource is reachable through the table.
    const routed = new Set(fromTable.values());
    for (const [name, op] of Object.entries(model.operations)) {
      if (op.http.requestUri.includes('?') && !op.http.requestUri.includes('list-type') && Object.hasOwn(OPERATIONS, name)) expect(routed.has(name), name).toBe(true);
    }
  });
});

describe('unknown methods and unimplemented operations on a subresource', () => {
  it.each(['versioning', 'acl', 'uploads', 'location', 'policyStatus'])('DELETE /bucket?%s is MethodNotAllowed and the empty bucket stays', async (sub) => {
    const res = await signedRequest(server, 'DELETE', '/empty', { query: { [sub]: '' } });
    expect([res.status, codeOf(res.text), element(res.text, 'Method'), element(res.text, 'ResourceType')]).toEqual([405, 'MethodNotAllowed', 'DELETE', sub.toUpperCase()]);
    expect(res.headers.get('allow')).not.toBeNull();
    expect((await s3.send(new HeadBucketCommand({ Bucket: 'empty' }))).$metadata.httpStatusCode).toBe(200);
  });

  it('DeleteBucketTagging (aws s3api delete-bucket-tagging) is NotImplemented and deletes nothing', async () => {
    const e = await errorOf(s3.send(new DeleteBucketTaggingCommand({ Bucket: 'empty' })));
    expect([e.status, e.name]).toEqual([501, 'NotImplemented']);
    expect((await s3.send(new HeadBucketCommand({ Bucket: 'empty' }))).$metadata.httpStatusCode).toBe(200);
  });

  it('PUT ?policyStatus is MethodNotAllowed, not some other PUT', async () => {
    const body = '<PolicyStatus><IsPublic>true</IsPublic></PolicyStatus>';
    const res = await signedRequest(server, 'PUT', '/empty', { query: { policyStatus: '' }, body, headers: { 'content-md5': 'x' } });
    expect([res.status, codeOf(res.text), element(res.text, 'ResourceType')]).toEqual([405, 'MethodNotAllowed', 'POLICYSTATUS']);
  });

  it('HEAD /bucket?acl is not HeadBucket', async () => {
    const res = await signedRequest(server, 'HEAD', '/empty', { query: { acl: '' } });
    expect(res.status).toBe(405);
  });

  it('a bucket subresource on an object, or two subresources at once, is InvalidRequest, not GetObject', async () => {
    const onObject = await signedRequest(server, 'GET', '/full/doc.txt', { query: { policy: '' } });
    expect([onObject.status, codeOf(onObject.text)]).toEqual([400, 'InvalidRequest']);
    expect(onObject.text).not.toContain('current');
    const two = await signedRequest(server, 'GET', '/full', { query: { acl: '', policy: '' } });
    expect([two.status, codeOf(two.text)]).toEqual([400, 'InvalidRequest']);
  });

  it('object operations S3 defines and Gatehouse lacks are NotImplemented', async () => {
    for (const [method, sub] of [['GET', 'tagging'], ['PUT', 'retention'], ['POST', 'restore'], ['GET', 'attributes']] as const) {
      const res = await signedRequest(server, method, '/full/doc.txt', { query: { [sub]: '' } });
      expect([method, sub, res.status, codeOf(res.text)]).toEqual([method, sub, 501, 'NotImplemented']);
    }
  });
});

describe('versionId without versioning', () => {
  it('GetObject and HeadObject with a version id that cannot exist are InvalidArgument, not the current object', async () => {
    const e = await errorOf(s3.send(new GetObjectCommand({ Bucket: 'full', Key: 'doc.txt', VersionId: 'bogus' })));
    expect([e.status, e.name, e.message]).toEqual([400, 'InvalidArgument', 'Invalid version id specified']);
    const res = await signedRequest(server, 'GET', '/full/doc.txt', { query: { versionId: 'bogus' } });
    expect([element(res.text, 'ArgumentName'), element(res.text, 'ArgumentValue')]).toEqual(['versionId', 'bogus']);
    expect(res.text).not.toContain('current');
    expect((await errorOf(s3.send(new HeadObjectCommand({ Bucket: 'full', Key: 'doc.txt', VersionId: 'bogus' })))).status).toBe(400);
  });

  it('the "null" version is the object', async () => {
    const got = await s3.send(new GetObjectCommand({ Bucket: 'full', Key: 'doc.txt', VersionId: 'null' }));
    expect(await got.Body!.transformToString()).toBe('current');
  });

  it('DeleteObject with a version id that cannot exist deletes nothing', async () => {
    const e = await errorOf(s3.send(new DeleteObjectCommand({ Bucket: 'full', Key: 'doc.txt', VersionId: 'bogus' })));
    expect([e.status, e.name]).toEqual([400, 'InvalidArgument']);
    expect((await s3.send(new HeadObjectCommand({ Bucket: 'full', Key: 'doc.txt' }))).ContentLength).toBe(7);
  });
});
