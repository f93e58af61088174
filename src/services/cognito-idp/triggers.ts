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
import type { Logger } from '../../log.js';
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

/**
 * Encrypts a custom sender's secret (code or temporary password) under the pool's KMS key as
 * Cognito does (Gatehouse's KMS implements it); undefined when the key cannot be used.
 */
export interface SenderCodes {
  encrypt(keyArn: string, plaintext: string, userPoolArn: string): Promise<string | undefined>;
}

export type SenderName = 'CustomEmailSender' | 'CustomSMSSender';

/** Custom senders are invoked asynchronously (Cognito does not wait): the function's own timeout, up to Lambda's 15 minutes. */
const SENDER_TIMEOUT_MS = 15 * 60_000;

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
    private readonly log: Logger,
    private readonly codes?: SenderCodes,
  ) {}

  /** Whether the pool hands its email (or SMS) messages to a custom sender function. */
  hasSender(pool: UserPool, kind: SenderName): boolean {
    return pool.config.LambdaConfig?.[kind]?.LambdaArn !== undefined;
  }

  #event(pool: UserPool, userName: string, caller: TriggerCaller, triggerSource: string, request: Record<string, unknown>, response: Record<string, unknown>, version: string) {
    return {
      version,
      region: this.region,
      userPoolId: pool.id,
      userName,
      callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: caller.clientId ?? 'CLIENT_ID_NOT_APPLICABLE' },
      triggerSource,
      request: caller.clientMetadata === undefined ? request : { ...request, clientMetadata: caller.clientMetadata },
      response,
    };
  }

  /**
   * Hands a message's secret to the pool's custom sender instead of sending the message: the
   * secret encrypted under the pool's KMSKeyID (AWS Encryption SDK message, base64) in a
   * `customEmailSenderRequestV1` / `customSMSSenderRequestV1` event. As at AWS the function is
   * invoked asynchronously: the operation does not wait for it, and its failures are logged.
   */
  async send(pool: UserPool, kind: SenderName, triggerSource: string, user: { username: string; attributes: ReadonlyMap<string, string>; status?: string }, caller: TriggerCaller, secret: string): Promise<void> {
    const lc = pool.config.LambdaConfig;
    const arn = lc?.[kind]?.LambdaArn;
    if (arn === undefined) return;
    const sourceArn = userPoolArn(this.region, this.accountId, pool.id);
    const log = { event: 'cognito-idp.custom-sender', userPoolId: pool.id, trigger: kind, triggerSource };
    const code = lc?.KMSKeyID === undefined || this.codes === undefined ? undefined : await this.codes.encrypt(lc.KMSKeyID, secret, sourceArn);
    if (code === undefined || this.invoker === undefined) {
      this.log.warn(log, 'message not sent: the pool\'s KMSKeyID is missing, or its key policy does not let cognito-idp.amazonaws.com use it (kms:CreateGrant)');
      return;
    }
    const type = kind === 'CustomEmailSender' ? 'customEmailSenderRequestV1' : 'customSMSSenderRequestV1';
    const event = this.#event(pool, user.username, caller, triggerSource, { type, code, userAttributes: eventAttributes(user) }, {}, '1');
    this.invoker.invoke(arn, event, SENDER_TIMEOUT_MS, sourceArn).then(
      (o) => {
        if (o.kind !== 'result') this.log.warn({ ...log, reason: o.kind === 'failed' ? o.reason : o.errorMessage }, 'the custom sender failed');
      },
      (err: unknown) => this.log.warn({ ...log, err }, 'the custom sender could not be invoked'),
    );
  }

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
    const event = this.#event(pool, userName, caller, triggerSource, request, response, version);
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
