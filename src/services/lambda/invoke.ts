/**
 * Invoke: RequestResponse (the result, `X-Amz-Function-Error: Unhandled` with the runtime's
 * error document when the handler fails), Event (202, run in the background) and DryRun (204,
 * authorization only); `LogType: Tail` returns the last 4 KB of the log. Also the function's
 * process environment (Lambda's variables and the execution role's credentials).
 * @module
 */
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ServiceError } from '../../errors.js';
import type { RequestContext } from '../types.js';
import type { InvocationRequest, InvocationResponse } from './api.generated.js';
import { unpack, writeTree } from './code.js';
import type { LambdaContext } from './context.js';
import { loadFunction } from './functions.js';
import type { FunctionSpec, InvokeOutcome } from './runner.js';
import type { StoredConfig } from './store.js';

/** AWS: 6 MB synchronous, 1 MB asynchronous (Event) payloads. */
export const SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024;
const EVENT_PAYLOAD_BYTES = 1024 * 1024;
const TAIL_BYTES = 4096;
/** Console output written to Gatehouse's log per invocation, at most. */
const LOGGED_OUTPUT = 8192;

/** The node_modules directory Gatehouse's own AWS SDK is installed in. */
const SDK_NODE_PATH = fileURLToPath(new URL('../../../node_modules', import.meta.url));

const unpacked = new Map<string, Promise<string>>();

/** The package unpacked once per content hash under the work dir. */
async function codeDir(lc: LambdaContext, c: StoredConfig): Promise<string> {
  const id = Buffer.from(c.CodeSha256, 'base64').toString('hex');
  const dir = path.join(lc.workDir, 'code', id);
  let p = unpacked.get(dir);
  if (p === undefined) {
    p = (async () => {
      if (fs.existsSync(path.join(dir, '.complete'))) return dir;
      const zip = await lc.store.code(c.CodeSha256);
      if (zip === undefined) throw new ServiceError('ResourceNotFoundException', `Function not found: ${c.FunctionArn}`, 404);
      const tmp = `${dir}.${randomUUID()}`;
      await writeTree(tmp, await unpack(zip));
      await fs.promises.writeFile(path.join(tmp, '.complete'), '');
      await fs.promises.rm(dir, { recursive: true, force: true });
      await fs.promises.rename(tmp, dir);
      return dir;
    })();
    unpacked.set(dir, p);
    p.catch(() => unpacked.delete(dir));
  }
  return p;
}

function logStreamName(now: number): string {
  const d = new Date(now).toISOString().slice(0, 10).replace(/-/g, '/');
  return `${d}/[$LATEST]${randomBytes(16).toString('hex')}`;
}

export async function functionSpec(lc: LambdaContext, c: StoredConfig): Promise<FunctionSpec> {
  const dir = await codeDir(lc, c);
  const tmpDir = path.join(lc.workDir, 'tmp', c.FunctionName);
  fs.mkdirSync(tmpDir, { recursive: true, mode: 0o700 });
  return {
    key: `${c.FunctionName}\n${c.RevisionId}`,
    name: c.FunctionName,
    memoryMb: c.MemorySize,
    timeoutMs: c.Timeout * 1000,
    codeDir: dir,
    tmpDir,
    environment: async () => {
      const creds = await lc.roles.credentials(c.Role, c.FunctionName);
      if (creds === undefined) {
        throw new ServiceError('InvalidParameterValueException', 'The role defined for the function cannot be assumed by Lambda.', 400);
      }
      // Built from nothing: Gatehouse's own environment (its keys, its database URL) is not the function's.
      return {
        ...c.Environment,
        PATH: '/usr/local/bin:/usr/bin:/bin',
        LANG: 'en_US.UTF-8',
        TZ: ':UTC',
        TMPDIR: tmpDir,
        HOME: tmpDir,
        LAMBDA_TASK_ROOT: dir,
        LAMBDA_RUNTIME_DIR: path.dirname(dir),
        _HANDLER: c.Handler,
        AWS_EXECUTION_ENV: `AWS_Lambda_${c.Runtime}`,
        AWS_LAMBDA_FUNCTION_NAME: c.FunctionName,
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(c.MemorySize),
        AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
        AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${c.FunctionName}`,
        AWS_LAMBDA_LOG_STREAM_NAME: logStreamName(Date.now()),
        AWS_REGION: lc.region,
        AWS_DEFAULT_REGION: lc.region,
        AWS_ACCESS_KEY_ID: creds.AccessKeyId,
        AWS_SECRET_ACCESS_KEY: creds.SecretAccessKey,
        AWS_SESSION_TOKEN: creds.SessionToken,
        AWS_ENDPOINT_URL: lc.endpoint(),
        NODE_OPTIONS: '',
        // As Lambda's Node.js runtimes include the AWS SDK v3: require() finds Gatehouse's copy.
        NODE_PATH: SDK_NODE_PATH,
      };
    },
  };
}

/** Runs the function once (used by Invoke and by the triggers). */
export async function runFunction(lc: LambdaContext, c: StoredConfig, event: unknown, requestId: string, clientContext?: unknown): Promise<InvokeOutcome> {
  const spec = await functionSpec(lc, c);
  const outcome = await lc.runner.invoke(spec, { requestId, invokedFunctionArn: c.FunctionArn, event, clientContext });
  lc.log.info(
    {
      event: 'lambda.invoke',
      function: c.FunctionName,
      requestId,
      ms: Math.round(outcome.durationMs),
      ...(outcome.failed ? { errorType: (JSON.parse(outcome.payload) as { errorType?: string }).errorType } : {}),
      output: outcome.log.slice(-LOGGED_OUTPUT),
    },
    'function invoked',
  );
  return outcome;
}

function parsePayload(body: Uint8Array | undefined): unknown {
  if (body === undefined || body.length === 0) return {};
  try {
    return JSON.parse(Buffer.from(body).toString('utf8'));
  } catch (err) {
    throw new ServiceError('InvalidRequestContentException', `Could not parse request body into json: Could not parse payload into json: ${(err as Error).message.slice(0, 200)}`, 400);
  }
}

function clientContextOf(header: string | undefined): unknown {
  if (header === undefined) return undefined;
  try {
    return JSON.parse(Buffer.from(header, 'base64').toString('utf8'));
  } catch {
    throw new ServiceError('InvalidRequestContentException', 'Client context must be a valid Base64-encoded JSON object.', 400);
  }
}

export async function invoke(lc: LambdaContext, input: InvocationRequest, ctx: RequestContext): Promise<InvocationResponse> {
  const { config } = await loadFunction(lc, ctx, input.FunctionName, input.Qualifier);
  const type = input.InvocationType ?? 'RequestResponse';
  const payload = input.Payload as Uint8Array | undefined;
  if (type === 'Event' && (payload?.length ?? 0) > EVENT_PAYLOAD_BYTES) {
    throw new ServiceError('RequestTooLargeException', `Request must be smaller than ${EVENT_PAYLOAD_BYTES} bytes for the InvokeFunction operation`, 413);
  }
  const event = parsePayload(payload);
  const clientContext = clientContextOf(input.ClientContext);
  if (type === 'DryRun') return { StatusCode: 204 };
  if (type === 'Event') {
    // Queued as AWS does: the caller learns nothing of the outcome; the log has it.
    void runFunction(lc, config, event, randomUUID(), clientContext).catch((err: unknown) =>
      lc.log.warn({ event: 'lambda.invoke', function: config.FunctionName, err: (err as Error).message }, 'asynchronous invocation failed'),
    );
    return { StatusCode: 202 };
  }
  const outcome = await runFunction(lc, config, event, ctx.requestId, clientContext);
  const out: InvocationResponse = { StatusCode: 200, ExecutedVersion: '$LATEST', Payload: Buffer.from(outcome.payload, 'utf8') as unknown as InvocationResponse['Payload'] };
  if (outcome.failed) out.FunctionError = 'Unhandled';
  if (input.LogType === 'Tail') {
    const bytes = Buffer.from(outcome.log, 'utf8');
    out.LogResult = bytes.subarray(Math.max(0, bytes.length - TAIL_BYTES)).toString('base64');
  }
  return out;
}
