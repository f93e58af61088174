/**
 * The one error type services throw. It carries data only (the exact AWS code, the HTTP
 * status, who is at fault, AWS's message); each protocol renders it in its own wire format
 * (JSON `__type`, Query `<ErrorResponse>`, S3 `<Error>`), so services never format errors.
 * @module
 */

export type Fault = 'client' | 'server';

export class ServiceError extends Error {
  readonly code: string;
  readonly status: number;
  readonly fault: Fault;
  /** Extra members some error shapes carry (S3's `<BucketName>`, `<Key>`, …). */
  readonly extra: Readonly<Record<string, string>>;
  /** Extra response headers (e.g. `x-amz-delete-marker`, `Allow`). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    code: string,
    message: string,
    status = 400,
    options: { fault?: Fault; extra?: Record<string, string>; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = code;
    this.code = code;
    this.status = status;
    this.fault = options.fault ?? (status >= 500 ? 'server' : 'client');
    this.extra = options.extra ?? {};
    this.headers = options.headers ?? {};
  }
}

/** An operation the AWS model defines that Gatehouse does not implement (yet). */
export class NotImplementedError extends ServiceError {
  constructor(service: string, operation: string) {
    super(
      'NotImplementedException',
      `Gatehouse does not implement ${service} ${operation} yet; see the README's compatibility table.`,
      501,
    );
  }
}

/** Anything that is not a ServiceError: never shown to the client beyond its request id. */
export function internalError(): ServiceError {
  return new ServiceError('InternalErrorException', 'An internal error occurred.', 500);
}
