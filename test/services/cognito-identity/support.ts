/**
 * Helpers shared by the Identity Pools tests.
 */

export interface CaughtError {
  name: string;
  message: string;
  status: number | undefined;
}

/** The AWS error a call ended with; fails the test if it succeeded. */
export async function errorOf(p: Promise<unknown>): Promise<CaughtError> {
  try {
    await p;
  } catch (err) {
    const e = err as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected the call to fail');
}
