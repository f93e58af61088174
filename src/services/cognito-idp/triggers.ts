/**
 * User pool Lambda triggers: the events Cognito sends (shapes and trigger sources as AWS
 * documents them), the 5-second limit Cognito waits, and its answers to a failed trigger —
 * UserLambdaValidationException ("PreSignUp failed with error …." when the function threw),
 * UnexpectedLambdaException (it could not be invoked or took too long) and
 * InvalidLambdaResponseException (its result is not an event). Functions run behind the
 * `TriggerInvoker` port (Gatehouse's Lambda). Callers invoke a trigger before they write
 * anything it can refuse, so a refused operation leaves nothing behind.
 * @module
 */
import { ServiceError } from '../../errors.js';
import type { LambdaConfigType } from './api.generated.js';
import { userPoolArn } from './domain/ids.js';
import type { UserPool } from './store/pools.js';
import type { User } from './store/users.js';

/** How long Cognito waits for a trigger. */
export const TRIGGER_TIMEOUT_MS = 5000;

export type TriggerOutcome =
  | { kind: 'result'; payload: unknown }
  /** The function ran and failed (threw, timed out on its own limit, exited). */
  | { kind: 'function-error'; errorMessage: string }
  /** It could not be run or did not answer in time: the reason as AWS words it. */
  | { kind: 'failed'; reason: string };

/**
 * Runs a function for a trigger (Gatehouse's Lambda implements it). `sourceArn` is the user
 * pool's ARN: the function's resource policy must let `cognito-idp.amazonaws.com` invoke it
 * from there (AddPermission), or the outcome is `failed` with AccessDeniedException.
 */
export interface TriggerInvoker {
  invoke(functionArn: string, event: unknown, timeoutMs: number, sourceArn: string): Promise<TriggerOutcome>;
}

export type TriggerName = Exclude<keyof LambdaConfigType, 'CustomEmailSender' | 'CustomSMSSender' | 'KMSKeyID' | 'PreTokenGenerationConfig' | 'InboundFederation'>;

export interface TriggerCaller {
  clientId?: string | undefined;
  clientMetadata?: Record<string, string> | undefined;
}

/** The attributes a trigger sees: the user's, with its status as `cognito:user_status`. */
export function eventAttributes(user: Pick<User, 'attributes' | 'status'> | { attributes: ReadonlyMap<string, string>; status?: string }, withStatus = true): Record<string, string> {
  const out: Record<string, string> = Object.fromEntries(user.attributes);
  if (withStatus && user.status !== undefined) out['cognito:user_status'] = user.status;
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export class Triggers {
  constructor(
    private readonly invoker: TriggerInvoker | undefined,
    private readonly region: string,
    private readonly accountId: string,
  ) {}

  /** The function configured for a trigger, if any. */
  arnOf(pool: UserPool, trigger: TriggerName | 'PreTokenGeneration'): string | undefined {
    const lc = pool.config.LambdaConfig;
    if (lc === undefined) return undefined;
    if (trigger === 'PreTokenGeneration') return lc.PreTokenGenerationConfig?.LambdaArn ?? lc.PreTokenGeneration;
    return lc[trigger];
  }

  /**
   * Invokes the trigger if the pool has one: the response part of the event the function
   * returned, or undefined when no function is configured.
   */
  async call(
    pool: UserPool,
    trigger: TriggerName | 'PreTokenGeneration',
    triggerSource: string,
    userName: string,
    caller: TriggerCaller,
    request: Record<string, unknown>,
    response: Record<string, unknown>,
    version = '1',
  ): Promise<Record<string, unknown> | undefined> {
    const arn = this.arnOf(pool, trigger);
    if (arn === undefined) return undefined;
    const event = {
      version,
      region: this.region,
      userPoolId: pool.id,
      userName,
      callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: caller.clientId ?? 'CLIENT_ID_NOT_APPLICABLE' },
      triggerSource,
      request: caller.clientMetadata === undefined ? request : { ...request, clientMetadata: caller.clientMetadata },
      response,
    };
    if (this.invoker === undefined) throw new ServiceError('UnexpectedLambdaException', `${trigger} invocation failed due to error ResourceNotFoundException.`, 400);
    const outcome = await this.invoker.invoke(arn, event, TRIGGER_TIMEOUT_MS, userPoolArn(this.region, this.accountId, pool.id));
    if (outcome.kind === 'failed') throw new ServiceError('UnexpectedLambdaException', `${trigger} invocation failed due to error ${outcome.reason}.`, 400);
    if (outcome.kind === 'function-error') throw new ServiceError('UserLambdaValidationException', `${trigger} failed with error ${outcome.errorMessage}.`, 400);
    const payload = outcome.payload;
    if (!isObject(payload) || (payload.response !== undefined && payload.response !== null && !isObject(payload.response))) {
      throw new ServiceError('InvalidLambdaResponseException', 'Unrecognizable lambda output', 400);
    }
    return isObject(payload.response) ? payload.response : {};
  }
}

/** A response field that must be a boolean when present. */
export function flag(response: Record<string, unknown>, name: string): boolean {
  const v = response[name];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw new ServiceError('InvalidLambdaResponseException', 'Unrecognizable lambda output', 400);
  return v;
}

/** A response field that must be a string when present. */
export function text(response: Record<string, unknown>, name: string): string | undefined {
  const v = response[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new ServiceError('InvalidLambdaResponseException', 'Unrecognizable lambda output', 400);
  return v;
}
