/**
 * The external engine (`GATEHOUSE_LAMBDA_ENDPOINT`): triggers go to the standard Lambda Invoke
 * API at that URL — AWS SAM's `sam local start-lambda`, another emulator, or another
 * Gatehouse — through the AWS SDK, instead of the built-in runner. The function is named as
 * the trigger's ARN names it (emulators key functions by name); Cognito's 5 s limit holds.
 * Whether `cognito-idp.amazonaws.com` may invoke it is that engine's to decide (its own
 * resource policies, if it keeps any): the user pool's ARN is not checked here.
 * @module
 */
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { TriggerOutcome } from './triggers.js';

export function externalTriggerInvoker(
  endpoint: string,
  region: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
): (functionArn: string, event: unknown, timeoutMs: number, sourceArn: string) => Promise<TriggerOutcome> {
  // The SDK client is loaded with the first trigger, not at start: most servers never use it.
  let loaded: Promise<{ client: LambdaClient; InvokeCommand: typeof import('@aws-sdk/client-lambda').InvokeCommand }> | undefined;
  const sdk = () => (loaded ??= import('@aws-sdk/client-lambda').then((m) => ({ client: new m.LambdaClient({ endpoint, region, credentials, maxAttempts: 1 }), InvokeCommand: m.InvokeCommand })));
  return async (functionArn, event, timeoutMs) => {
    const name = /:function:([^:]+)/.exec(functionArn)?.[1] ?? functionArn;
    const { client, InvokeCommand } = await sdk();
    let r;
    try {
      r = await client.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify(event)) }), { abortSignal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      const e = err as { name?: string };
      if (e.name === 'AbortError' || e.name === 'TimeoutError') return { kind: 'failed', reason: 'Socket timeout while invoking Lambda function' };
      return { kind: 'failed', reason: typeof e.name === 'string' && /^[A-Za-z]+$/.test(e.name) ? e.name : 'ServiceException' };
    }
    const text = Buffer.from(r.Payload ?? new Uint8Array()).toString('utf8');
    let payload: unknown;
    try {
      payload = text === '' ? null : (JSON.parse(text) as unknown);
    } catch {
      payload = undefined;
    }
    if (r.FunctionError !== undefined) {
      const m = (payload as { errorMessage?: unknown } | null)?.errorMessage;
      return { kind: 'function-error', errorMessage: typeof m === 'string' ? m : 'Unknown error' };
    }
    return { kind: 'result', payload };
  };
}
