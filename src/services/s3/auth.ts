/**
 * S3's authentication: SigV4 in the Authorization header or a presigned query string, with
 * S3's payload rules (x-amz-content-sha256: a hash checked against the body, UNSIGNED-PAYLOAD,
 * or the STREAMING-* aws-chunked forms whose chunk and trailer signatures `streaming.ts`
 * verifies), a 15-minute skew window, and S3's own error codes for every failure.
 * @module
 */
import type { IncomingHttpHeaders } from 'node:http';
import { ServiceError } from '../../errors.js';
import type { Principal } from '../../principal.js';
import { isoTimestamp } from '../../protocols/xml.js';
import { amzDateToMs, parseSigV4, scope, signingKey, SigV4Failure, verifySigV4, type SigV4Params } from '../../protocols/sigv4.js';
import type { CredentialResolver } from '../../credentials.js';
import type { EdgeRequest } from '../../protocols/http.js';
import { S3Errors } from './errors.js';

/** S3 accepts requests signed up to 15 minutes before or after its clock. */
export const MAX_SKEW_MS = 15 * 60 * 1000;

export type PayloadMode =
  /** Anonymous requests: nothing to check. */
  | { kind: 'anonymous' }
  | { kind: 'unsigned' }
  | { kind: 'sha256'; expected: string }
  | {
      kind: 'chunked';
      /** Chunks carry signatures chained from the request's (STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]). */
      signed: boolean;
      /** A trailer section follows the last chunk (…-TRAILER). */
      trailer: boolean;
      seedSignature: string;
      signingKey: Buffer;
      amzDate: string;
      scope: string;
    };

export interface S3Auth {
  principal: Principal | undefined;
  payload: PayloadMode;
  /** How the request was signed, for the s3:authType condition key. */
  authType: 'REST-HEADER' | 'REST-QUERY-STRING' | undefined;
  accessKeyId?: string;
  /** Milliseconds between signing and now (s3:signatureAge). */
  signatureAge?: number;
}

const ANONYMOUS: S3Auth = { principal: undefined, payload: { kind: 'anonymous' }, authType: undefined };

const SHA256_HEX = /^[0-9a-f]{64}$/;

function hexBytes(s: string): string {
  return Buffer.from(s, 'utf8').toString('hex').replace(/(..)(?!$)/g, '$1 ');
}

const err = (code: string, message: string, status: number, extra?: Record<string, string>): ServiceError =>
  new ServiceError(code, message, status, extra === undefined ? {} : { extra });

function contentSha256Invalid(): ServiceError {
  return S3Errors.invalidArgument(
    'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value.',
    'x-amz-content-sha256',
  );
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function parseFailure(f: SigV4Failure, presigned: boolean): ServiceError {
  if (presigned) return err('AuthorizationQueryParametersError', f.message, 400);
  if (f.message.startsWith('Unsupported authorization type')) {
    return S3Errors.invalidRequest('The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.');
  }
  return err('AuthorizationHeaderMalformed', `The authorization header is malformed; ${f.message}`, 400);
}

function credentialFailure(f: SigV4Failure, accessKeyId: string): ServiceError {
  switch (f.kind) {
    case 'expired-token':
      return err('ExpiredToken', 'The provided token has expired.', 400);
    case 'invalid-token':
      return err('InvalidToken', 'The provided token is malformed or otherwise invalid.', 400);
    default:
      return err('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', 403, { AWSAccessKeyId: accessKeyId });
  }
}

/**
 * Authenticates an S3 request. Unsigned requests are anonymous (principal undefined) and left
 * to authorization; signed ones either establish a principal or fail with S3's error.
 */
export async function authenticateS3(edge: EdgeRequest, credentials: CredentialResolver, now: number): Promise<S3Auth> {
  const headers = edge.req.headers;
  const auth = headers.authorization;
  if (auth === undefined) {
    if (edge.query === '' || (edge.query.indexOf('X-Amz-') < 0 && edge.query.indexOf('AWSAccessKeyId=') < 0)) return ANONYMOUS;
    if (/(?:^|&)AWSAccessKeyId=/.test(edge.query) && !/(?:^|&)X-Amz-Algorithm=/.test(edge.query)) {
      throw S3Errors.invalidRequest('The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.');
    }
  }
  const signed = { method: edge.method, path: edge.path, query: edge.query, headers };
  const p = parseSigV4(signed);
  if (p === undefined) return ANONYMOUS;
  if (p instanceof SigV4Failure) throw parseFailure(p, auth === undefined);
  if (p.service !== 's3') {
    const m = `incorrect service "${p.service}". This endpoint belongs to "s3".`;
    throw p.presigned ? err('AuthorizationQueryParametersError', `Error parsing the X-Amz-Credential parameter; ${m}`, 400) : err('AuthorizationHeaderMalformed', `The authorization header is malformed; ${m}`, 400);
  }

  let payloadHash: string;
  const declared = headerValue(headers, 'x-amz-content-sha256');
  if (p.presigned) payloadHash = declared ?? 'UNSIGNED-PAYLOAD';
  else if (declared === undefined) throw S3Errors.invalidRequest('Missing required header for this request: x-amz-content-sha256');
  else payloadHash = declared;

  const resolved = await credentials.resolve(p.accessKeyId, p.sessionToken, now);
  if (resolved instanceof SigV4Failure) throw credentialFailure(resolved, p.accessKeyId);

  const failure = verifySigV4(signed, p, { secretAccessKey: resolved.secretAccessKey, payloadHash, now, maxSkewMs: MAX_SKEW_MS });
  if (failure !== undefined) throw verifyFailure(failure, p, now);

  const payload = payloadMode(payloadHash, p, resolved.secretAccessKey);
  return {
    principal: resolved.principal,
    payload,
    authType: p.presigned ? 'REST-QUERY-STRING' : 'REST-HEADER',
    accessKeyId: p.accessKeyId,
    signatureAge: now - amzDateToMs(p.amzDate),
  };
}

function payloadMode(hash: string, p: SigV4Params, secret: string): PayloadMode {
  if (hash === 'UNSIGNED-PAYLOAD') return { kind: 'unsigned' };
  if (SHA256_HEX.test(hash)) return { kind: 'sha256', expected: hash };
  const chunked = (signedChunks: boolean, trailer: boolean): PayloadMode => ({
    kind: 'chunked',
    signed: signedChunks,
    trailer,
    seedSignature: p.signature.toLowerCase(),
    signingKey: signingKey(secret, p.date, p.region, p.service),
    amzDate: p.amzDate,
    scope: scope(p),
  });
  switch (hash) {
    case 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD':
      return chunked(true, false);
    case 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER':
      return chunked(true, true);
    case 'STREAMING-UNSIGNED-PAYLOAD-TRAILER':
      return chunked(false, true);
    case 'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD':
    case 'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER':
      throw S3Errors.notImplemented('SigV4a (ECDSA) streaming signatures');
    default:
      throw contentSha256Invalid();
  }
}

function verifyFailure(f: SigV4Failure, p: SigV4Params, now: number): ServiceError {
  switch (f.kind) {
    case 'skew':
      if (p.presigned) return S3Errors.accessDenied('Request is not valid yet');
      return err('RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.', 403, {
        RequestTime: p.amzDate,
        ServerTime: isoTimestamp(new Date(now)),
        MaxAllowedSkewMilliseconds: String(MAX_SKEW_MS),
      });
    case 'expired-request':
      return err('AccessDenied', 'Request has expired', 403, {
        'X-Amz-Expires': String(p.expires ?? 0),
        Expires: isoTimestamp(new Date(amzDateToMs(p.amzDate) + (p.expires ?? 0) * 1000)),
        ServerTime: isoTimestamp(new Date(now)),
      });
    case 'unsigned-headers':
      return err('AccessDenied', f.message, 403, { HeadersNotSigned: (f.detail.headersNotSigned ?? []).join(', ') });
    case 'bad-signature': {
      const sts = f.detail.stringToSign ?? '';
      const cr = f.detail.canonicalRequest ?? '';
      return err('SignatureDoesNotMatch', f.message, 403, {
        AWSAccessKeyId: p.accessKeyId,
        StringToSign: sts,
        SignatureProvided: p.signature,
        StringToSignBytes: hexBytes(sts),
        CanonicalRequest: cr,
        CanonicalRequestBytes: hexBytes(cr),
      });
    }
    default:
      return parseFailure(f, p.presigned);
  }
}
