/**
 * What every AWS service in Gatehouse gives the edge, and what the edge gives each request.
 * @module
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from '../log.js';
import type { Principal } from '../principal.js';
import type { ServiceError } from '../errors.js';
import type { ServiceModel } from '../protocols/model.js';
import type { RestRoute } from '../protocols/rest-json.js';

/** Per-request facts a service may use. Clock and randomness are injected for tests. */
export interface RequestContext {
  requestId: string;
  /** Epoch milliseconds; tests move this clock to expire codes, tokens and signatures. */
  now(): number;
  region: string;
  accountId: string;
  /** Undefined for unsigned requests (public Cognito operations, anonymous S3). */
  principal: Principal | undefined;
  sourceIp: string;
  userAgent: string;
  headers: IncomingHttpHeaders;
  /** Whether the client reached us over TLS (directly or via a proxy that says so). */
  secure: boolean;
  log: Logger;
}

export type Handler<I, O> = (input: I, ctx: RequestContext) => Promise<O> | O;

/** A service's operations keyed by exact AWS operation name, typed from the model. */
export type OperationHandlers<Ops extends { [K in keyof Ops]: { input: unknown; output: unknown } }> = {
  [K in keyof Ops]?: Handler<Ops[K]['input'], Ops[K]['output']>;
};

/** A service spoken in AWS JSON 1.1 or Query, dispatched by operation name. */
export interface ApiService {
  name: string;
  model: ServiceModel;
  /** Error code for constraint violations: InvalidParameterException, ValidationError, … */
  validationErrorCode: string;
  /** Code for unexpected failures: InternalErrorException, ServiceFailure, InternalFailure. */
  internalErrorCode: string;
  /**
   * Handlers, keyed by operation name. Typed loosely here so one dispatcher serves every
   * service; each service's own table is typed by its generated `Operations`.
   */
  operations: Readonly<Record<string, Handler<never, unknown> | undefined>>;
  /**
   * Decides whether a signed caller may run a signed operation. Root may do anything; other
   * principals go to the policy engine with the service's action and resource names.
   */
  authorize?(operation: string, input: unknown, ctx: RequestContext): Promise<void>;
  /**
   * Refuses root sessions (GetSessionToken credentials) whatever the operation, as IAM does at
   * AWS without MFA: they are otherwise root and skip `authorize`.
   */
  refusesRootSessions?: boolean;
}

/** A service spoken in REST-JSON (Lambda): routed by method and path template. */
export interface RestApiService extends ApiService {
  /** The model's routes (`restRoutes(model)`), computed once. */
  routes: readonly RestRoute[];
  /** The largest body an operation accepts, and the error for a larger one (AWS words it per operation). */
  bodyLimit(operation: string): { bytes: number; error: ServiceError };
}
