/**
 * Lambda (REST-JSON): the part that deploys and runs the functions Cognito triggers call —
 * functions' CRUD, Invoke, and their resource policies — authorized by the policy engine with
 * `lambda:*` actions on function ARNs. Functions run in child processes (runner.ts).
 * @module
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ServiceError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { loadModel } from '../../protocols/model.js';
import { restRoutes } from '../../protocols/rest-json.js';
import type { Database } from '../../store/database.js';
import { requestConditionKeys } from '../condition-keys.js';
import { accessDeniedMessage, type Authorizer } from '../iam/authorizer.js';
import type { OperationHandlers, RequestContext, RestApiService } from '../types.js';
import type { Operations } from './api.generated.js';
import type { ExecutionRoles, LambdaContext, PackageObjects } from './context.js';
import { configurationView, createFunction, functionArn, loadFunction, notFound, parseFunctionName, updateCode, updateConfiguration } from './functions.js';
import { invoke, SYNC_PAYLOAD_BYTES } from './invoke.js';
import { addStatement, removeStatement } from './policy.js';
import { Runner } from './runner.js';
import { LambdaStore } from './store.js';
import { invokeForTrigger, type TriggerOutcome } from './triggers.js';
import { randomUUID } from 'node:crypto';

export { lambdaSchema } from './store.js';
export type { ExecutionRoles, PackageObjects, RoleCredentials } from './context.js';

/** Request bodies: a package inline (base64 in JSON) up to 16 MiB; larger ones go through S3, as AWS advises. */
const PACKAGE_BODY_BYTES = 16 * 1024 * 1024;
const OTHER_BODY_BYTES = 1024 * 1024;

export interface LambdaDeps {
  db: Database;
  log: Logger;
  authorizer: Authorizer;
  region: string;
  accountId: string;
  endpoint(): string;
  objects: PackageObjects;
  roles: ExecutionRoles;
  /** Defaults to a new directory under the system's temporary directory. */
  workDir?: string;
}

export interface Lambda {
  service: RestApiService;
  context: LambdaContext;
  /** Runs a function for a user pool trigger (cognito-idp's TriggerInvoker). */
  invokeForTrigger(functionArn: string, event: unknown, timeoutMs: number, sourceArn: string): Promise<TriggerOutcome>;
  close(): void;
}

/** IAM action names where they differ from the operation's. */
const ACTIONS: Record<string, string> = { Invoke: 'InvokeFunction' };

export function createLambda(deps: LambdaDeps): Lambda {
  const workDir = deps.workDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-lambda-'));
  fs.chmodSync(workDir, 0o700);
  const lc: LambdaContext = {
    store: new LambdaStore(deps.db),
    runner: new Runner(),
    objects: deps.objects,
    roles: deps.roles,
    authorizer: deps.authorizer,
    log: deps.log,
    region: deps.region,
    accountId: deps.accountId,
    endpoint: deps.endpoint,
    workDir,
  };
  const model = loadModel('lambda');

  const operations: OperationHandlers<Operations> = {
    CreateFunction: (input, ctx) => createFunction(lc, input, ctx),
    async GetFunction(input, ctx) {
      const { config } = await loadFunction(lc, ctx, input.FunctionName, input.Qualifier);
      return { Configuration: configurationView(config), Code: { RepositoryType: 'S3' } };
    },
    async GetFunctionConfiguration(input, ctx) {
      return configurationView((await loadFunction(lc, ctx, input.FunctionName, input.Qualifier)).config);
    },
    async ListFunctions(input) {
      const max = Math.min(input.MaxItems ?? 50, 50);
      const after = input.Marker === undefined ? '' : Buffer.from(input.Marker, 'base64url').toString('utf8');
      const rows = await lc.store.list(after, max + 1);
      const page = rows.slice(0, max);
      return {
        Functions: page.map(configurationView),
        ...(rows.length > max ? { NextMarker: Buffer.from(page[page.length - 1]!.FunctionName).toString('base64url') } : {}),
      };
    },
    UpdateFunctionConfiguration: (input, ctx) => updateConfiguration(lc, input, ctx),
    UpdateFunctionCode: (input, ctx) => updateCode(lc, input, ctx),
    async DeleteFunction(input, ctx) {
      const { name, qualifier } = parseFunctionName(ctx, input.FunctionName, input.Qualifier);
      if (qualifier === '$LATEST') throw new ServiceError('InvalidParameterValueException', '$LATEST version cannot be deleted without deleting the function.', 400);
      if (!(await lc.store.delete(name))) throw notFound(functionArn(ctx, name));
      lc.runner.retire(name);
      return { StatusCode: 204 };
    },
    Invoke: (input, ctx) => invoke(lc, input, ctx),
    async AddPermission(input, ctx) {
      const { config, policy } = await loadFunction(lc, ctx, input.FunctionName, input.Qualifier);
      const added = addStatement(policy, input, config.FunctionArn);
      const expected = input.RevisionId ?? config.RevisionId;
      if (!(await lc.store.setPolicy(config.FunctionName, added.policy, randomUUID(), expected))) throw revisionMismatch();
      return { Statement: added.statement };
    },
    async RemovePermission(input, ctx) {
      const { config, policy } = await loadFunction(lc, ctx, input.FunctionName, input.Qualifier);
      const left = removeStatement(policy, input.StatementId);
      if (!(await lc.store.setPolicy(config.FunctionName, left, randomUUID(), input.RevisionId ?? config.RevisionId))) throw revisionMismatch();
    },
    async GetPolicy(input, ctx) {
      const { config, policy } = await loadFunction(lc, ctx, input.FunctionName, input.Qualifier);
      if (policy === undefined) throw new ServiceError('ResourceNotFoundException', 'The resource you requested does not exist.', 404);
      return { Policy: policy, RevisionId: config.RevisionId };
    },
  };

  const service: RestApiService = {
    name: 'lambda',
    model,
    validationErrorCode: 'ValidationException',
    internalErrorCode: 'ServiceException',
    operations: operations as RestApiService['operations'],
    routes: restRoutes(model),
    bodyLimit(operation) {
      const bytes = operation === 'Invoke' ? SYNC_PAYLOAD_BYTES : operation === 'CreateFunction' || operation === 'UpdateFunctionCode' ? PACKAGE_BODY_BYTES : OTHER_BODY_BYTES;
      const action = operation === 'Invoke' ? 'InvokeFunction' : operation;
      const code = operation === 'Invoke' ? 'RequestTooLargeException' : 'RequestEntityTooLargeException';
      return { bytes, error: new ServiceError(code, `Request must be smaller than ${bytes} bytes for the ${action} operation`, 413) };
    },
    authorize: (operation, input, ctx) => authorize(lc, operation, input as { FunctionName?: string; Role?: string }, ctx),
  };
  return {
    service,
    context: lc,
    invokeForTrigger: (arn, event, timeoutMs, sourceArn) => invokeForTrigger(lc, arn, event, timeoutMs, sourceArn),
    close() {
      lc.runner.close();
      fs.rmSync(workDir, { recursive: true, force: true });
    },
  };
}

function revisionMismatch(): ServiceError {
  return new ServiceError(
    'PreconditionFailedException',
    'The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id',
    412,
  );
}

async function authorize(lc: LambdaContext, operation: string, input: { FunctionName?: string; Role?: string }, ctx: RequestContext): Promise<void> {
  const action = `lambda:${ACTIONS[operation] ?? operation}`;
  let resource = '*';
  let policies: string[] | undefined;
  if (input.FunctionName !== undefined) {
    const { name } = parseFunctionName(ctx, input.FunctionName);
    resource = functionArn(ctx, name);
    // Invoking may be allowed by the function's own policy (AddPermission).
    if (operation === 'Invoke') {
      const policy = (await lc.store.get(name))?.policy;
      if (policy !== undefined) policies = [policy];
    }
  }
  const check = async (a: string, r: string, resourcePolicies?: string[]): Promise<void> => {
    const request = { principal: ctx.principal, action: a, resource: r, context: requestConditionKeys(ctx), ...(resourcePolicies === undefined ? {} : { resourcePolicies }) };
    const d = await lc.authorizer.authorize(request);
    if (d.decision !== 'Allow') throw new ServiceError('AccessDeniedException', accessDeniedMessage(request, d), 403);
  };
  await check(action, resource, policies);
  // Handing a role to a function is passing it (iam:PassRole), as at AWS.
  if ((operation === 'CreateFunction' || operation === 'UpdateFunctionConfiguration') && input.Role !== undefined) await check('iam:PassRole', input.Role);
}
