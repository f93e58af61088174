import { createHash } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '../support/sha256.js';
import { describe, expect, it } from 'vitest';
import { canonicalUri, parseSigV4, SigV4Failure, verifySigV4, type SignedRequest } from '../../src/protocols/sigv4.js';


const creds = { accessKeyId: 'AKIAEXAMPLEEXAMPLE01', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);

async function signWithSdk(
  service: string,
  init: { method: string; path: string; query?: Record<string, string>; headers?: Record<string, string>; body?: string },
  opts: { presign?: number; sessionToken?: string } = {},
): Promise<{ req: SignedRequest; body: string }> {
  const signer = new SignatureV4({
    service,
    region: 'us-east-1',
    credentials: { ...creds, ...(opts.sessionToken === undefined ? {} : { sessionToken: opts.sessionToken }) },
    sha256: Sha256,
    uriEscapePath: service !== 's3',
  });
  const request = {
    method: init.method,
    protocol: 'http:',
    hostname: 'localhost',
    port: 4566,
    path: init.path,
    query: init.query ?? {},
    headers: { host: 'localhost:4566', ...(init.headers ?? {}) },
    ...(init.body === undefined ? {} : { body: init.body }),
  };
  const signed =
    opts.presign === undefined
      ? await signer.sign(request, { signingDate: new Date(NOW) })
      : await signer.presign(request, { signingDate: new Date(NOW), expiresIn: opts.presign });
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(signed.headers)) headers[k.toLowerCase()] = v;
  const query = Object.entries(signed.query ?? {})
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
  return { req: { method: signed.method, path: signed.path, query, headers }, body: init.body ?? '' };
}

function verify(req: SignedRequest, payloadHash: string, now = NOW, secret = creds.secretAccessKey, maxSkewMs = 5 * 60_000): SigV4Failure | undefined {
  const p = parseSigV4(req);
  if (!p || p instanceof SigV4Failure) throw new Error(`did not parse: ${String(p)}`);
  return verifySigV4(req, p, { secretAccessKey: secret, payloadHash, now, maxSkewMs });
}

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

describe('SigV4 verification against the SDK signer', () => {
  const body = 'Action=GetCallerIdentity&Version=2011-06-15';

  it('accepts a header signature made by @smithy/signature-v4', async () => {
    const { req } = await signWithSdk('sts', { method: 'POST', path: '/', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    expect(verify(req, sha(body))).toBeUndefined();
  });

  it('rejects a body that is not the one signed', async () => {
    const { req } = await signWithSdk('sts', { method: 'POST', path: '/', body });
    expect(verify(req, sha(body + '&x=1'))?.kind).toBe('bad-signature');
  });

  it('rejects the wrong secret', async () => {
    const { req } = await signWithSdk('sts', { method: 'POST', path: '/', body });
    expect(verify(req, sha(body), NOW, 'not-the-secret')?.kind).toBe('bad-signature');
  });

  it('rejects a signed header changed in transit', async () => {
    const { req } = await signWithSdk('cognito-idp', { method: 'POST', path: '/', headers: { 'x-amz-target': 'AWSCognitoIdentityProviderService.ListUserPools' }, body: '{}' });
    const tampered = { ...req, headers: { ...req.headers, 'x-amz-target': 'AWSCognitoIdentityProviderService.DeleteUserPool' } };
    expect(verify(tampered, sha('{}'))?.kind).toBe('bad-signature');
    expect(verify(req, sha('{}'))).toBeUndefined();
  });

  it('rejects requests outside the clock-skew window, on both sides', async () => {
    const { req } = await signWithSdk('sts', { method: 'POST', path: '/', body });
    const late = verify(req, sha(body), NOW + 5 * 60_000 + 1000);
    expect(late?.kind).toBe('skew');
    expect(late?.message).toMatch(/^Signature expired: 20261124T120000Z is now earlier than/);
    expect(verify(req, sha(body), NOW - 6 * 60_000)?.kind).toBe('skew');
    expect(verify(req, sha(body), NOW + 4 * 60_000)).toBeUndefined();
  });

  it('accepts S3 paths with characters that need escaping, signed once-encoded', async () => {
    // The S3 serializer escapes each key segment before signing (uriEscapePath is off for S3).
    const escape = (seg: string): string => encodeURIComponent(seg).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    const key = '/bucket/dir/a b+c~(1)!*é.txt'.split('/').map(escape).join('/');
    const { req } = await signWithSdk('s3', { method: 'GET', path: key, headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
    expect(verify(req, 'UNSIGNED-PAYLOAD', NOW, undefined, 15 * 60_000)).toBeUndefined();
  });

  it('accepts query parameters with reserved characters', async () => {
    const { req } = await signWithSdk('s3', { method: 'GET', path: '/bucket', query: { prefix: 'a b/c&d=e', 'list-type': '2' }, headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
    expect(verify(req, 'UNSIGNED-PAYLOAD')).toBeUndefined();
  });

  it('verifies presigned URLs, with session tokens, until they expire', async () => {
    const { req } = await signWithSdk('s3', { method: 'GET', path: '/bucket/key', headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } }, { presign: 60, sessionToken: 'token/with+chars=' });
    const p = parseSigV4(req);
    expect(p).toMatchObject({ presigned: true, expires: 60, sessionToken: 'token/with+chars=' });
    expect(verify(req, 'UNSIGNED-PAYLOAD', NOW + 59_000)).toBeUndefined();
    expect(verify(req, 'UNSIGNED-PAYLOAD', NOW + 61_000)?.kind).toBe('expired-request');
    const altered = { ...req, query: req.query.replace('X-Amz-Expires=60', 'X-Amz-Expires=600') };
    expect(verify(altered, 'UNSIGNED-PAYLOAD', NOW + 61_000)?.kind).toBe('bad-signature');
  });

  it('reports missing and malformed Authorization headers', () => {
    const base = { method: 'GET', path: '/', query: '' };
    expect(parseSigV4({ ...base, headers: {} })).toBeUndefined();
    expect((parseSigV4({ ...base, headers: { authorization: 'AWS AKIA:abc' } }) as SigV4Failure).kind).toBe('malformed');
    expect((parseSigV4({ ...base, headers: { authorization: 'AWS4-HMAC-SHA256 Credential=AKIA/20260101/us-east-1/s3/aws4_request' } }) as SigV4Failure).kind).toBe('incomplete');
  });

  it('normalizes non-S3 paths and encodes their segments twice', () => {
    expect(canonicalUri('/a/./b/../c d', 'iam')).toBe('/a/c%2520d');
    expect(canonicalUri('/a/./b', 's3')).toBe('/a/./b');
  });
});
