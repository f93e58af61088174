// Gatehouse's Node.js Lambda runtime: one function per process, started by
// src/services/lambda/runner.ts with the function's environment only and its code directory as
// the working directory. Invocations arrive on stdin and results leave on fd 3, each as a
// 4-byte big-endian length and a JSON document; console output goes to stdout in Lambda's text
// log format. The handler runs in this process, so nothing here is trusted by the server: it
// bounds what it reads from fd 3 and kills the process on anything it does not expect.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import util from 'node:util';

const MAX_RESPONSE = 6 * 1024 * 1024;
const out = new net.Socket({ fd: 3, readable: false, writable: true });
const write = (doc) => {
  const body = Buffer.from(JSON.stringify(doc), 'utf8');
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length);
  out.write(Buffer.concat([head, body]));
};

let requestId;
for (const [method, level] of [['log', 'INFO'], ['info', 'INFO'], ['warn', 'WARN'], ['error', 'ERROR'], ['debug', 'DEBUG'], ['trace', 'TRACE']]) {
  console[method] = (...args) => {
    // Lambda's text format: one record per line, newlines inside a message become \r.
    process.stdout.write(`${new Date().toISOString()}\t${requestId ?? 'undefined'}\t${level}\t${util.format(...args).replace(/\n/g, '\r')}\n`);
  };
}

const errorDoc = (e) => {
  if (e instanceof Error) return { errorType: e.name || e.constructor?.name || 'Error', errorMessage: e.message, trace: String(e.stack ?? '').split('\n') };
  return { errorType: typeof e, errorMessage: String(e), trace: [] };
};

let handler;
async function load() {
  const spec = process.env._HANDLER ?? '';
  const dot = spec.lastIndexOf('.');
  const modulePath = dot < 0 ? spec : spec.slice(0, dot);
  const name = dot < 0 ? '' : spec.slice(dot + 1);
  const root = process.env.LAMBDA_TASK_ROOT;
  const base = path.resolve(root, modulePath);
  const file = base.startsWith(root + path.sep) ? ['.js', '.mjs', '.cjs'].map((x) => base + x).find((f) => fs.existsSync(f)) : undefined;
  if (file === undefined) {
    throw Object.assign(new Error(`Error: Cannot find module '${modulePath}'\nRequire stack:\n- /var/runtime/index.mjs`), { name: 'Runtime.ImportModuleError' });
  }
  const mod = await import(pathToFileURL(file).href);
  const fn = mod[name] ?? mod.default?.[name];
  if (typeof fn !== 'function') throw Object.assign(new Error(`${modulePath}.${name} is undefined or not exported`), { name: 'Runtime.HandlerNotFound' });
  return fn;
}

function run(fn, event, context) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const callback = (err, result) => {
      if (settled) return;
      settled = true;
      if (err !== null && err !== undefined) reject(err);
      else resolve(result);
    };
    context.done = callback;
    context.succeed = (r) => callback(null, r);
    context.fail = (e) => callback(e ?? new Error('handled'));
    let r;
    try {
      r = fn(event, context, callback);
    } catch (e) {
      callback(e);
      return;
    }
    if (r !== null && typeof r === 'object' && typeof r.then === 'function') r.then((v) => callback(null, v), (e) => callback(e ?? new Error('rejected')));
    else if (fn.length < 3) callback(null, null);
  });
}

async function invoke(msg) {
  requestId = msg.requestId;
  const deadline = msg.deadline;
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: msg.invokedFunctionArn,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: msg.requestId,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    identity: undefined,
    clientContext: msg.clientContext,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  let doc;
  try {
    handler ??= await load();
    const result = await run(handler, msg.event, context);
    const payload = JSON.stringify(result === undefined ? null : result);
    doc = payload.length > MAX_RESPONSE
      ? { id: msg.id, ok: false, error: { errorType: 'Function.ResponseSizeTooLarge', errorMessage: `Response payload size exceeded maximum allowed payload size (${MAX_RESPONSE} bytes).` } }
      : { id: msg.id, ok: true, payload };
  } catch (e) {
    const error = errorDoc(e);
    process.stdout.write(`${new Date().toISOString()}\t${requestId}\tERROR\tInvoke Error \t${JSON.stringify(error)}\n`);
    doc = { id: msg.id, ok: false, error };
  }
  // The marker tells the server that everything printed for this invocation is on stdout.
  process.stdout.write(`\u0000gatehouse-end ${msg.id}\n`, () => write(doc));
}

let buf = Buffer.alloc(0);
process.stdin.on('data', (chunk) => {
  buf = Buffer.concat([buf, chunk]);
  while (buf.length >= 4) {
    const n = buf.readUInt32BE(0);
    if (buf.length < 4 + n) break;
    const msg = JSON.parse(buf.subarray(4, 4 + n).toString('utf8'));
    buf = buf.subarray(4 + n);
    invoke(msg);
  }
});
// The server closing stdin means: stop.
process.stdin.on('end', () => process.exit(0));
write({ ready: true });
