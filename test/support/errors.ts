/**
 * The AWS error an SDK call ended with, for asserting code, message and status.
 */

export interface CaughtError {
  /** The AWS error code as the SDK names the error (`__type` / `<Code>`). */
  name: string;
  message: string;
  /** The HTTP status, when the SDK reports one (v3 `$metadata`, v2 `statusCode`). */
  status: number | undefined;
  /** The error itself (not enumerable). */
  readonly raw: unknown;
}

/** Fails the test if the call succeeded. */
export async function errorOf(p: Promise<unknown>): Promise<CaughtError> {
  try {
    await p;
  } catch (err) {
    const e = err as { name: string; code?: string; message: string; statusCode?: number; $metadata?: { httpStatusCode?: number } };
    const caught = { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode ?? e.statusCode } as CaughtError;
    // Not enumerable, so tests can compare the rest with toEqual.
    Object.defineProperty(caught, 'raw', { value: err, enumerable: false });
    return caught;
  }
  throw new Error('expected the call to fail');
}
