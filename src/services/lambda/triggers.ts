/**
 * Lambda as the engine behind user pool triggers (cognito-idp's `TriggerInvoker`): the
 * function named by ARN runs as for Invoke, but Cognito waits only `timeoutMs` (5 s); a
 * function with a longer timeout is cut there and reported as Cognito reports it. Only a
 * function whose resource policy allows `cognito-idp.amazonaws.com` from the pool runs.
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { LambdaContext } from './context.js';
import { parseFunctionName } from './functions.js';
import { runFunction } from './invoke.js';

export type TriggerOutcome = { kind: 'result'; payload: unknown } | { kind: 'function-error'; errorMessage: string } | { kind: 'failed'; reason: string };

/** The service principal Cognito invokes triggers as. */
const COGNITO = 'cognito-idp.amazonaws.com';

/**
 * Whether the function's resource policy lets Cognito invoke it for this user pool. As at AWS,
 * a function with no policy (no AddPermission) may not be invoked by Cognito at all.
 */
async function cognitoMayInvoke(lc: LambdaContext, functionArn: string, policy: string | undefined, sourceArn: string): Promise<boolean> {
  if (policy === undefined) return false;
  const d = await lc.authorizer.authorize({
    principal: undefined,
    service: COGNITO,
    action: 'lambda:InvokeFunction',
    resource: functionArn,
    context: { 'aws:SourceArn': sourceArn, 'aws:SourceAccount': lc.accountId },
    resourcePolicies: [policy],
  });
  return d.decision === 'Allow';
}

export async function invokeForTrigger(lc: LambdaContext, functionArn: string, event: unknown, timeoutMs: number, sourceArn: string): Promise<TriggerOutcome> {
  let name: string;
  try {
    name = parseFunctionName(lc, functionArn).name;
  } catch {
    return { kind: 'failed', reason: 'ResourceNotFoundException' };
  }
  const row = await lc.store.get(name);
  if (row === undefined) return { kind: 'failed', reason: 'ResourceNotFoundException' };
  if (!(await cognitoMayInvoke(lc, row.config.FunctionArn, row.policy, sourceArn))) {
    lc.log.warn({ event: 'lambda.trigger', function: name, sourceArn }, 'the function\'s resource policy does not let cognito-idp.amazonaws.com invoke it for this user pool (AddPermission)');
    return { kind: 'failed', reason: 'AccessDeniedException' };
  }
  const cut = row.config.Timeout * 1000 > timeoutMs;
  let outcome;
  try {
    outcome = await runFunction(lc, row.config, event, randomUUID(), undefined, Math.min(row.config.Timeout * 1000, timeoutMs));
  } catch (err) {
    lc.log.warn({ event: 'lambda.trigger', function: name, err: (err as Error).message }, 'trigger could not be run');
    return { kind: 'failed', reason: (err as { code?: string }).code ?? 'ServiceException' };
  }
  if (outcome.failed) {
    const doc = JSON.parse(outcome.payload) as { errorType?: string; errorMessage?: string };
    if (cut && doc.errorType === 'Sandbox.Timedout') return { kind: 'failed', reason: 'Socket timeout while invoking Lambda function' };
    return { kind: 'function-error', errorMessage: typeof doc.errorMessage === 'string' ? doc.errorMessage : 'Unknown error' };
  }
  try {
    return { kind: 'result', payload: JSON.parse(outcome.payload) as unknown };
  } catch {
    return { kind: 'result', payload: undefined };
  }
}
