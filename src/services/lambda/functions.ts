/**
 * Functions: create, read, list, update and delete, with AWS's checks and wording (runtime and
 * handler, the execution role Lambda must be able to assume, reserved and oversized
 * environments, revision ids), and the function's name in its three accepted forms.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { ServiceError } from '../../errors.js';
import type { RequestContext } from '../types.js';
import type { CreateFunctionRequest, FunctionCode, FunctionConfiguration, UpdateFunctionConfigurationRequest } from './api.generated.js';
import { codeSha256, unpack } from './code.js';
import type { LambdaContext } from './context.js';
import type { StoredConfig } from './store.js';

/** Node.js runtimes the built-in runner starts (on this server's own Node.js). */
export const NODE_RUNTIMES = new Set(['nodejs18.x', 'nodejs20.x', 'nodejs22.x', 'nodejs24.x']);

/** Keys Lambda sets itself; AWS refuses them in Environment.Variables. */
const RESERVED = [
  '_HANDLER', '_X_AMZN_TRACE_ID', 'AWS_DEFAULT_REGION', 'AWS_REGION', 'AWS_EXECUTION_ENV', 'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'AWS_LAMBDA_FUNCTION_VERSION', 'AWS_LAMBDA_INITIALIZATION_TYPE', 'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME', 'AWS_ACCESS_KEY', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API', 'LAMBDA_TASK_ROOT', 'LAMBDA_RUNTIME_DIR',
];

const invalid = (message: string): ServiceError => new ServiceError('InvalidParameterValueException', message, 400);

export function notFound(arn: string): ServiceError {
  return new ServiceError('ResourceNotFoundException', `Function not found: ${arn}`, 404);
}

export function functionArn(ctx: { region: string; accountId: string }, name: string): string {
  return `arn:aws:lambda:${ctx.region}:${ctx.accountId}:function:${name}`;
}

/** A function name, partial ARN or ARN → the name and qualifier; another region's or account's is not found. */
export function parseFunctionName(ctx: { region: string; accountId: string }, value: string, qualifier?: string): { name: string; qualifier: string | undefined } {
  const m = /^(?:arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):(\d{12}):function:|(\d{12}):function:|function:)?([a-zA-Z0-9_.-]+)(?::(\$LATEST|[a-zA-Z0-9_-]+))?$/.exec(value);
  if (m === null) throw notFound(functionArn(ctx, value));
  const [, region, account, partialAccount, name, q] = m;
  if ((region !== undefined && region !== ctx.region) || ((account ?? partialAccount) !== undefined && (account ?? partialAccount) !== ctx.accountId)) throw notFound(value);
  if (q !== undefined && qualifier !== undefined && q !== qualifier) {
    throw invalid('The derived qualifier from the function name does not match the specified qualifier.');
  }
  const qual = q ?? qualifier;
  if (qual !== undefined && qual !== '$LATEST') throw notFound(`${functionArn(ctx, name!)}:${qual}`);
  return { name: name!, qualifier: qual };
}

/** AWS's LastModified: `2024-05-01T12:00:00.000+0000`. */
function lastModified(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

export function configurationView(c: StoredConfig): FunctionConfiguration {
  return {
    FunctionName: c.FunctionName,
    FunctionArn: c.FunctionArn,
    Runtime: c.Runtime as FunctionConfiguration['Runtime'],
    Role: c.Role,
    Handler: c.Handler,
    CodeSize: c.CodeSize,
    Description: c.Description,
    Timeout: c.Timeout,
    MemorySize: c.MemorySize,
    LastModified: c.LastModified,
    CodeSha256: c.CodeSha256,
    Version: '$LATEST',
    ...(Object.keys(c.Environment).length > 0 ? { Environment: { Variables: { ...c.Environment } } } : {}),
    TracingConfig: { Mode: 'PassThrough' },
    RevisionId: c.RevisionId,
    State: 'Active',
    LastUpdateStatus: 'Successful',
    PackageType: 'Zip',
    Architectures: ['x86_64'],
    EphemeralStorage: { Size: 512 },
    SnapStart: { ApplyOn: 'None', OptimizationStatus: 'Off' },
    LoggingConfig: { LogFormat: 'Text', LogGroup: `/aws/lambda/${c.FunctionName}` },
  };
}

function checkEnvironment(vars: Record<string, string> | undefined): Record<string, string> {
  const env = { ...(vars ?? {}) };
  const reserved = Object.keys(env).filter((k) => RESERVED.includes(k));
  if (reserved.length > 0) {
    throw invalid(
      'Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys ' +
        `that are currently not supported for modification. Reserved keys used in this request: ${reserved.join(', ')}`,
    );
  }
  const measured = JSON.stringify(env);
  if (Buffer.byteLength(measured) > 4096) {
    throw invalid(`Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: ${measured.slice(0, 8192)}`);
  }
  return env;
}

function checkRuntime(runtime: string | undefined, handler: string | undefined): void {
  if (runtime === undefined || handler === undefined) throw invalid('Runtime and Handler are mandatory parameters for functions created with deployment packages.');
  if (!NODE_RUNTIMES.has(runtime)) {
    throw invalid(`The runtime parameter of ${runtime} is not supported by Gatehouse's function runner: use one of ${[...NODE_RUNTIMES].join(', ')}.`);
  }
}

function checkLimits(timeout: number | undefined, memory: number | undefined): void {
  const errors: string[] = [];
  if (timeout !== undefined && timeout > 900) errors.push(`Value '${timeout}' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900`);
  if (memory !== undefined && memory > 10240) errors.push(`Value '${memory}' at 'memorySize' failed to satisfy constraint: Member must have value less than or equal to 10240`);
  if (errors.length > 0) throw new ServiceError('ValidationException', `${errors.length} validation error${errors.length > 1 ? 's' : ''} detected: ${errors.join('; ')}`, 400);
}

async function checkRole(lc: LambdaContext, role: string): Promise<void> {
  if (!(await lc.roles.mayAssume(role))) throw invalid('The role defined for the function cannot be assumed by Lambda.');
}

/** The package a FunctionCode (or UpdateFunctionCode request) names, checked to unzip. */
export async function packageBytes(lc: LambdaContext, code: FunctionCode, ctx: RequestContext): Promise<Uint8Array> {
  if (code.ImageUri !== undefined) throw invalid('Gatehouse runs .zip deployment packages only; container images (ImageUri) are not supported.');
  let zip: Uint8Array;
  if (code.ZipFile !== undefined) {
    if (code.S3Bucket !== undefined || code.S3Key !== undefined) throw invalid('Please do not provide other FunctionCode parameters when providing a ZipFile.');
    zip = code.ZipFile as unknown as Uint8Array;
  } else if (code.S3Bucket !== undefined && code.S3Key !== undefined) {
    const got = await lc.objects.read(code.S3Bucket, code.S3Key, ctx.principal, ctx);
    if (got === 'missing') throw invalid(`Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist.`);
    if (got === 'denied') throw invalid(`Your access has been denied by S3, please make sure your request credentials have permission to GetObject for ${code.S3Bucket}/${code.S3Key}. S3 Error Code: AccessDenied. S3 Error Message: Access Denied`);
    if (got === 'too-large') throw invalid(`Unzipped size must be smaller than 262144000 bytes`);
    zip = got;
  } else throw invalid('Please provide a source for function code.');
  await unpack(zip);
  return zip;
}

export async function createFunction(lc: LambdaContext, input: CreateFunctionRequest, ctx: RequestContext): Promise<FunctionConfiguration> {
  const { name } = parseFunctionName(ctx, input.FunctionName);
  if (input.PackageType === 'Image') throw invalid('Gatehouse runs .zip deployment packages only; container images (PackageType Image) are not supported.');
  checkRuntime(input.Runtime, input.Handler);
  checkLimits(input.Timeout, input.MemorySize);
  const env = checkEnvironment(input.Environment?.Variables);
  await checkRole(lc, input.Role);
  const zip = await packageBytes(lc, input.Code, ctx);
  const config: StoredConfig = {
    FunctionName: name,
    FunctionArn: functionArn(ctx, name),
    Runtime: input.Runtime!,
    Role: input.Role,
    Handler: input.Handler!,
    CodeSize: zip.length,
    CodeSha256: codeSha256(zip),
    Description: input.Description ?? '',
    Timeout: input.Timeout ?? 3,
    MemorySize: input.MemorySize ?? 128,
    LastModified: lastModified(ctx.now()),
    RevisionId: randomUUID(),
    Environment: env,
  };
  if (!(await lc.store.create(config, zip, ctx.now()))) {
    throw new ServiceError('ResourceConflictException', `Function already exist: ${name}`, 409, { extra: { Type: 'User' } });
  }
  return configurationView(config);
}

export async function loadFunction(lc: LambdaContext, ctx: RequestContext, functionName: string, qualifier?: string) {
  const { name } = parseFunctionName(ctx, functionName, qualifier);
  const row = await lc.store.get(name);
  if (row === undefined) throw notFound(functionArn(ctx, name));
  return row;
}

function checkRevision(current: string, given: string | undefined): void {
  if (given !== undefined && given !== current) {
    throw new ServiceError(
      'PreconditionFailedException',
      'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
      412,
    );
  }
}

function conflict(name: string): ServiceError {
  return new ServiceError('ResourceConflictException', `The operation cannot be performed at this time. An update is in progress for resource: ${name}`, 409);
}

export async function updateConfiguration(lc: LambdaContext, input: UpdateFunctionConfigurationRequest, ctx: RequestContext): Promise<FunctionConfiguration> {
  const { config: cur } = await loadFunction(lc, ctx, input.FunctionName);
  checkRevision(cur.RevisionId, input.RevisionId);
  checkLimits(input.Timeout, input.MemorySize);
  if (input.Runtime !== undefined || input.Handler !== undefined) checkRuntime(input.Runtime ?? cur.Runtime, input.Handler ?? cur.Handler);
  if (input.Role !== undefined) await checkRole(lc, input.Role);
  const next: StoredConfig = {
    ...cur,
    ...(input.Runtime === undefined ? {} : { Runtime: input.Runtime }),
    ...(input.Handler === undefined ? {} : { Handler: input.Handler }),
    ...(input.Role === undefined ? {} : { Role: input.Role }),
    ...(input.Description === undefined ? {} : { Description: input.Description }),
    ...(input.Timeout === undefined ? {} : { Timeout: input.Timeout }),
    ...(input.MemorySize === undefined ? {} : { MemorySize: input.MemorySize }),
    ...(input.Environment === undefined ? {} : { Environment: checkEnvironment(input.Environment.Variables) }),
    LastModified: lastModified(ctx.now()),
    RevisionId: randomUUID(),
  };
  if (!(await lc.store.update(next, cur.RevisionId))) throw conflict(cur.FunctionName);
  lc.runner.retire(cur.FunctionName);
  return configurationView(next);
}

export async function updateCode(
  lc: LambdaContext,
  input: { FunctionName: string; ZipFile?: unknown; S3Bucket?: string; S3Key?: string; ImageUri?: string; RevisionId?: string; DryRun?: boolean },
  ctx: RequestContext,
): Promise<FunctionConfiguration> {
  const { config: cur } = await loadFunction(lc, ctx, input.FunctionName);
  checkRevision(cur.RevisionId, input.RevisionId);
  const code: FunctionCode = {};
  if (input.ZipFile !== undefined) code.ZipFile = input.ZipFile as FunctionCode['ZipFile'];
  if (input.S3Bucket !== undefined) code.S3Bucket = input.S3Bucket;
  if (input.S3Key !== undefined) code.S3Key = input.S3Key;
  if (input.ImageUri !== undefined) code.ImageUri = input.ImageUri;
  const zip = await packageBytes(lc, code, ctx);
  const next: StoredConfig = { ...cur, CodeSize: zip.length, CodeSha256: codeSha256(zip), LastModified: lastModified(ctx.now()), RevisionId: randomUUID() };
  if (input.DryRun === true) return configurationView({ ...next, RevisionId: cur.RevisionId });
  if (!(await lc.store.update(next, cur.RevisionId, zip))) throw conflict(cur.FunctionName);
  lc.runner.retire(cur.FunctionName);
  return configurationView(next);
}
