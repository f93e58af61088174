/**
 * The error each AWS protocol answers when a request cannot be authenticated or is denied:
 * the codes and statuses differ between AWS JSON 1.1 services and Query services.
 * @module
 */
import { ServiceError } from '../errors.js';
import type { SigV4FailureKind } from './sigv4.js';

export type Protocol = 'json' | 'query';

const AUTH_ERRORS: Record<Protocol, Record<SigV4FailureKind | 'denied', [code: string, status: number]>> = {
  json: {
    missing: ['MissingAuthenticationTokenException', 400],
    incomplete: ['IncompleteSignatureException', 400],
    malformed: ['IncompleteSignatureException', 400],
    'unknown-key': ['UnrecognizedClientException', 400],
    'bad-signature': ['InvalidSignatureException', 400],
    skew: ['InvalidSignatureException', 400],
    'expired-request': ['InvalidSignatureException', 400],
    'invalid-token': ['UnrecognizedClientException', 400],
    'expired-token': ['ExpiredTokenException', 400],
    'unsigned-headers': ['IncompleteSignatureException', 400],
    denied: ['AccessDeniedException', 400],
  },
  query: {
    missing: ['MissingAuthenticationToken', 403],
    incomplete: ['IncompleteSignature', 403],
    malformed: ['IncompleteSignature', 403],
    'unknown-key': ['InvalidClientTokenId', 403],
    'bad-signature': ['SignatureDoesNotMatch', 403],
    skew: ['SignatureDoesNotMatch', 403],
    'expired-request': ['SignatureDoesNotMatch', 403],
    'invalid-token': ['InvalidClientTokenId', 403],
    'expired-token': ['ExpiredToken', 403],
    'unsigned-headers': ['IncompleteSignature', 403],
    denied: ['AccessDenied', 403],
  },
};

export function authError(protocol: Protocol, kind: SigV4FailureKind | 'denied', message: string): ServiceError {
  const [code, status] = AUTH_ERRORS[protocol][kind];
  return new ServiceError(code, message, status);
}
