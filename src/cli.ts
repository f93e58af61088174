#!/usr/bin/env node
/**
 * The `gatehouse` command.
 * @module
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, FLAGS, loadConfig } from './config.js';
import { Gatehouse } from './app.js';
import { VERSION } from './version.js';
import { isWorker, reportListening, startWorkers, type Workers } from './workers.js';

const HELP = `gatehouse ${VERSION}: AWS-compatible Cognito, IAM, STS and S3 on one port

Usage:
  gatehouse serve [flags]          start the server
  gatehouse apply FILE             apply an init document (JSON or YAML) to a running server
                                   (gatehouse apply --help for its options)
  gatehouse backup DIR             copy a (running) server's data dir consistently into DIR
  gatehouse restore DIR            restore a backup into an empty data dir
  gatehouse credentials            print the root credentials kept in the data dir (as export lines)
  gatehouse outbox [--to ADDRESS]  print messages kept in the outbox of a running server
                                   (gatehouse outbox --help for its options)
  gatehouse demo [--page FILE]     set up the walkthrough's pools, roles and website bucket on a
                                   running server and deploy the demo app (or a page written for AWS)
  gatehouse ca [--data-dir DIR]    print the local CA's certificate path (creating the CA if
                                   needed) and how to trust it for HTTPS
  gatehouse --version | --help

Flags for serve (each mirrors an environment variable):
${Object.entries(FLAGS)
  .map(([flag, env]) => `  --${flag.padEnd(22)} ${env}`)
  .join('\n')}

Root credentials come from GATEHOUSE_ROOT_ACCESS_KEY_ID and GATEHOUSE_ROOT_SECRET_ACCESS_KEY,
or are generated on first start and kept in <data dir>/root-credentials.json (mode 0600).
`;

function fail(message: string): never {
  process.stderr.write(`gatehouse: ${message}\n`);
  process.exit(2);
}

function flagOptions(): Record<string, { type: 'string' }> {
  const o: Record<string, { type: 'string' }> = {};
  for (const f of Object.keys(FLAGS)) o[f] = { type: 'string' };
  return o;
}

async function serve(args: string[]): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args, options: { ...flagOptions(), help: { type: 'boolean' } }, strict: true }));
  } catch (err) {
    fail(`${(err as Error).message}\n\n${HELP}`);
  }
  if (values.help === true) {
    process.stdout.write(HELP);
    return;
  }
  const overrides: Record<string, string> = {};
  for (const [flag, env] of Object.entries(FLAGS)) {
    const v = values[flag];
    if (typeof v === 'string') overrides[env] = v;
  }
  let gatehouse: Gatehouse;
  // Generated credentials are shown once: also when a later step of the start fails, or they
  // would sit in the data dir unseen (`gatehouse credentials` prints them again).
  let credentialsFile: string | undefined;
  let hadCredentials = true;
  const showNewCredentials = (): void => {
    if (credentialsFile === undefined || hadCredentials || !fs.existsSync(credentialsFile)) return;
    hadCredentials = true;
    const c = readCredentialsFile(credentialsFile);
    if (c === undefined) return;
    process.stderr.write(
      `\nGenerated root credentials (shown once; kept in ${credentialsFile}; \`gatehouse credentials\` prints them again):\n` +
        `  AWS_ACCESS_KEY_ID=${c.accessKeyId}\n  AWS_SECRET_ACCESS_KEY=${c.secretAccessKey}\n\n`,
    );
  };
  try {
    const config = loadConfig(process.env, overrides);
    if (config.rootAccessKeyId === undefined) {
      credentialsFile = path.join(config.dataDir, 'root-credentials.json');
      hadCredentials = fs.existsSync(credentialsFile);
    }
    gatehouse = Gatehouse.create({ config });
  } catch (err) {
    showNewCredentials();
    if (err instanceof ConfigError) fail(`bad configuration: ${err.message}`);
    // The data dir cannot be created, entered or written (EACCES, ENOTDIR, EROFS, …).
    const e = err as NodeJS.ErrnoException;
    if (typeof e.code === 'string' && typeof e.syscall === 'string') fail(`GATEHOUSE_DATA_DIR: ${e.message}`);
    throw err;
  }
  showNewCredentials();
  if ((gatehouse.config.workers ?? 1) > 1 && !isWorker()) return serveWithWorkers(gatehouse);
  let url: string;
  try {
    url = await gatehouse.listen();
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') fail(`GATEHOUSE_PORT: port ${gatehouse.config.port} on ${gatehouse.config.host} is already in use`);
    if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND') fail(`GATEHOUSE_HOST: cannot bind to ${gatehouse.config.host}`);
    throw err;
  }
  // Before the ready line: whoever reads it may signal at once, and without a listener a signal kills.
  const stop = (signal: string): void => {
    gatehouse.log.info({ event: 'shutdown', signal }, 'shutting down');
    gatehouse.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  if (isWorker()) {
    // The primary applies the init document and says the ready line once every worker listens.
    process.once('disconnect', () => stop('primary gone'));
    reportListening(url);
    return;
  }
  if (!(await applyInit(gatehouse, url))) {
    await gatehouse.close();
    process.exit(2);
  }
  sayReady(gatehouse, url);
}

/**
 * The primary of `--workers N`: this process has prepared the data dir and the store (keys,
 * credentials, CA, migrations); it closes its store and lets N workers serve the port.
 */
async function serveWithWorkers(gatehouse: Gatehouse): Promise<void> {
  const c = gatehouse.config;
  try {
    await gatehouse.ready();
  } catch (err) {
    fail((err as Error).message);
  }
  await gatehouse.close();
  let workers: Workers;
  try {
    workers = await startWorkers(c.workers ?? 1, gatehouse.log);
  } catch (err) {
    fail((err as Error).message);
  }
  const stop = (signal: string): void => {
    gatehouse.log.info({ event: 'shutdown', signal }, 'shutting down');
    workers.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  // The workers listen where the primary was told to; `url` carries the port a 0 picked.
  c.port = Number(new URL(workers.url).port || c.port);
  if (!(await applyInit(gatehouse, workers.url))) {
    await workers.stop();
    process.exit(2);
  }
  sayReady(gatehouse, workers.url);
}

/** Applies GATEHOUSE_INIT (when set) through the API; false (said on stderr) when it fails. */
async function applyInit(gatehouse: Gatehouse, url: string): Promise<boolean> {
  const c = gatehouse.config;
  if (c.init === undefined) return true;
  // The ready line waits for the init document: whoever waits for it may use what it declares.
  const local = `http://${c.host === '0.0.0.0' || c.host === '::' ? '127.0.0.1' : c.host.includes(':') ? `[${c.host}]` : c.host}:${c.port}`;
  try {
    const { applyFile, summary } = await import('./init/apply.js');
    const result = await applyFile(c.init, c.initOutput, {
      url: local,
      region: c.region,
      credentials: { accessKeyId: gatehouse.platform.root.accessKeyId, secretAccessKey: gatehouse.platform.root.secretAccessKey },
      websiteUrl: (bucket) => websiteUrlOf(url, c.websiteHostSuffix, bucket),
      say: (line) => gatehouse.log.info({ event: 'init' }, `init: ${line}`),
    });
    gatehouse.log.info({ event: 'init', file: c.init, output: c.initOutput, changed: result.changed }, summary(result));
    return true;
  } catch (err) {
    process.stderr.write(`gatehouse: GATEHOUSE_INIT: ${(err as Error).message}\n`);
    return false;
  }
}

function sayReady(gatehouse: Gatehouse, url: string): void {
  const c = gatehouse.config;
  gatehouse.log.info(
    {
      event: 'ready',
      url,
      region: c.region,
      accountId: c.accountId,
      dataDir: c.dataDir,
      mail: c.smtpUrl === undefined ? 'outbox' : 'smtp',
      version: VERSION,
      ...(c.workers === undefined ? {} : { workers: c.workers }),
    },
    `gatehouse ready at ${url}`,
  );
  // The ready line is how scripts learn the URL (and a picked port); say it even when quiet.
  if (!gatehouse.log.isLevelEnabled('info')) process.stderr.write(`gatehouse ready at ${url}\n`);
}

const OUTBOX_HELP = `Usage: gatehouse outbox [--to ADDRESS] [--limit N] [--url URL]

Prints the messages a running Gatehouse kept in its outbox (mail when no SMTP server is set,
and every SMS), oldest first. --url defaults to GATEHOUSE_PUBLIC_URL or http://127.0.0.1:4566.
The outbox answers clients on the server's host; elsewhere this sends the root credentials
(GATEHOUSE_ROOT_ACCESS_KEY_ID/…SECRET…, or <data dir>/root-credentials.json) as HTTP Basic.
`;

/** The root key, when this machine has it: for the outbox's HTTP Basic check. */
function rootCredentials(dataDir: string): { accessKeyId: string; secretAccessKey: string } | undefined {
  const env = process.env;
  if (env.GATEHOUSE_ROOT_ACCESS_KEY_ID && env.GATEHOUSE_ROOT_SECRET_ACCESS_KEY) {
    return { accessKeyId: env.GATEHOUSE_ROOT_ACCESS_KEY_ID, secretAccessKey: env.GATEHOUSE_ROOT_SECRET_ACCESS_KEY };
  }
  try {
    const saved = JSON.parse(fs.readFileSync(path.join(dataDir, 'root-credentials.json'), 'utf8')) as { accessKeyId?: unknown; secretAccessKey?: unknown };
    if (typeof saved.accessKeyId === 'string' && typeof saved.secretAccessKey === 'string') return { accessKeyId: saved.accessKeyId, secretAccessKey: saved.secretAccessKey };
  } catch {
    // No readable credentials file: the outbox may still answer a local client.
  }
  return undefined;
}

async function outbox(args: string[]): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args, options: { to: { type: 'string' }, url: { type: 'string' }, limit: { type: 'string' }, help: { type: 'boolean' } }, strict: true }));
  } catch (err) {
    fail(`${(err as Error).message}\n\n${OUTBOX_HELP}`);
  }
  if (values.help === true) {
    process.stdout.write(OUTBOX_HELP);
    return;
  }
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(`bad configuration: ${err.message}`);
    throw err;
  }
  const base = (typeof values.url === 'string' ? values.url : config.publicUrl).replace(/\/+$/, '');
  const q = new URLSearchParams();
  if (typeof values.to === 'string') q.set('to', values.to);
  if (typeof values.limit === 'string') q.set('limit', values.limit);
  const root = rootCredentials(config.dataDir);
  const headers: Record<string, string> = root === undefined ? {} : { authorization: `Basic ${Buffer.from(`${root.accessKeyId}:${root.secretAccessKey}`).toString('base64')}` };
  let res: Response;
  let body: { messages?: { createdAt: string; channel: string; to: string; subject?: string; text: string }[]; message?: string };
  try {
    res = await fetch(`${base}/_gatehouse/outbox?${q.toString()}`, { headers });
    body = (await res.json()) as typeof body;
  } catch {
    fail(`no Gatehouse answers at ${base} (set --url or GATEHOUSE_PUBLIC_URL)`);
  }
  if (!res.ok) fail(body.message ?? `HTTP ${res.status}`);
  for (const m of (body.messages ?? []).reverse()) {
    process.stdout.write(`--- ${m.createdAt} ${m.channel} to ${m.to}${m.subject === undefined ? '' : `: ${m.subject}`}\n${m.text}\n\n`);
  }
}

const DEMO_HELP = `Usage: gatehouse demo [options]

Provisions, on a running Gatehouse, what the walkthrough sets up on AWS: a user pool with an app
client (no secret), an identity pool using it, the authenticated role with AmazonS3FullAccess, and
a public website bucket with CORS; then deploys Gatehouse's demo app, or with --page a page written
for AWS (its <User Pool ID>, <App Client ID>, <Region> and <Identity Pool ID> placeholders are
filled in and one script pointing the SDKs at Gatehouse is added). Prints the website URL.

Options:
  --page FILE                 deploy this page instead of the demo app
  --url URL                   Gatehouse's URL (default GATEHOUSE_PUBLIC_URL or http://127.0.0.1:4566)
  --bucket NAME               website bucket (default gatehouse-demo)
  --name NAME                 pool and role names (default "Gatehouse Demo")
  --region REGION             default GATEHOUSE_REGION or us-east-1
  --website-host-suffix S     default GATEHOUSE_WEBSITE_HOST_SUFFIX or s3-website.localhost

Credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, else GATEHOUSE_ROOT_ACCESS_KEY_ID/…SECRET…,
else the root credentials file in GATEHOUSE_DATA_DIR (default ./.gatehouse).
`;

async function demo(args: string[]): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        page: { type: 'string' },
        url: { type: 'string' },
        bucket: { type: 'string' },
        name: { type: 'string' },
        region: { type: 'string' },
        'website-host-suffix': { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
    }));
  } catch (err) {
    fail(`${(err as Error).message}\n\n${DEMO_HELP}`);
  }
  if (values.help === true) {
    process.stdout.write(DEMO_HELP);
    return;
  }
  const str = (k: string): string | undefined => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  let config;
  try {
    config = loadConfig(process.env, {
      ...(str('region') === undefined ? {} : { GATEHOUSE_REGION: str('region') }),
      ...(str('website-host-suffix') === undefined ? {} : { GATEHOUSE_WEBSITE_HOST_SUFFIX: str('website-host-suffix') }),
    });
  } catch (err) {
    if (err instanceof ConfigError) fail(`bad configuration: ${err.message}`);
    throw err;
  }
  const page = str('page');
  if (page !== undefined && !fs.existsSync(page)) fail(`--page: ${page} does not exist`);
  const bucket = str('bucket') ?? 'gatehouse-demo';
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) fail(`--bucket: "${bucket}" is not a valid bucket name`);
  const url = (str('url') ?? config.publicUrl).replace(/\/+$/, '');
  const credentials = demoCredentials(config.dataDir);
  const { provisionDemo } = await import('./demo/provision.js');
  let result;
  try {
    result = await provisionDemo({
      url,
      region: config.region,
      credentials,
      name: str('name') ?? 'Gatehouse Demo',
      bucket,
      websiteHostSuffix: config.websiteHostSuffix,
      ...(page === undefined ? {} : { page }),
      say: (line) => process.stderr.write(`  ${line}\n`),
    });
  } catch (err) {
    const e = err as { name?: string; message?: string; code?: string };
    if (e.code === 'ECONNREFUSED' || e.name === 'TypeError') fail(`no Gatehouse answers at ${url}: start it with \`gatehouse serve\` (or npm start) first`);
    fail(`${e.name ?? 'Error'}: ${e.message ?? String(err)}`);
  }
  process.stdout.write(
    `\nThe walkthrough's setup is ready.\n\n` +
      `  Web app          ${result.websiteUrl}\n` +
      `                   (or ${result.websitePathUrl} where *.localhost names do not resolve)\n` +
      `  User pool        ${result.userPoolId}\n  App client       ${result.clientId}\n` +
      `  Identity pool    ${result.identityPoolId}\n  Region           ${result.region}\n` +
      `  Auth role        ${result.authRoleArn}\n  Bucket           ${result.bucket}\n\n` +
      `Verification codes arrive by email when GATEHOUSE_SMTP_URL is set; otherwise read them with\n` +
      `\`gatehouse outbox\` or at ${url}/_gatehouse/outbox.\n`,
  );
}

/** `gatehouse ca`: where the local CA is, and the three ways to trust it. */
async function ca(args: string[]): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args, options: { 'data-dir': { type: 'string' }, help: { type: 'boolean' } }, strict: true }));
  } catch (err) {
    fail((err as Error).message);
  }
  if (values.help === true) {
    process.stdout.write('Usage: gatehouse ca [--data-dir DIR]\n\nPrints the path of the CA certificate Gatehouse signs its HTTPS certificate with, and how to trust it.\n');
    return;
  }
  let config;
  try {
    config = loadConfig(process.env, typeof values['data-dir'] === 'string' ? { GATEHOUSE_DATA_DIR: values['data-dir'] } : {});
  } catch (err) {
    if (err instanceof ConfigError) fail(`bad configuration: ${err.message}`);
    throw err;
  }
  if (config.tlsCertFile !== undefined) {
    process.stdout.write(`HTTPS uses the certificate in GATEHOUSE_TLS_CERT (${config.tlsCertFile}); the local CA is not used.\n`);
    return;
  }
  const { ensureCa, spkiHash } = await import('./tls/local-ca.js');
  const authority = ensureCa(config.dataDir);
  process.stdout.write(
    `${authority.files.cert}\n\n` +
      `Gatehouse serves HTTPS and HTTP on the same port. Its certificate is signed by this local CA${authority.created ? ' (created just now)' : ''}.\n` +
      `Trust it in one of these ways:\n\n` +
      `  System store (Debian/Ubuntu; curl, Chromium with NSS need their own step):\n` +
      `    sudo cp ${authority.files.cert} /usr/local/share/ca-certificates/gatehouse.crt && sudo update-ca-certificates\n\n` +
      `  Chromium / Chrome, without installing it:\n` +
      `    chromium --ignore-certificate-errors-spki-list=${spkiHash(authority.cert)}\n\n` +
      `  Node.js (SDKs, Amplify in Node, tests):\n` +
      `    export NODE_EXTRA_CA_CERTS=${authority.files.cert}\n\n` +
      `The CA's key (${authority.files.key}, mode 0600) signs certificates any browser that trusts the CA accepts: keep it private.\n`,
  );
}

function demoCredentials(dataDir: string): { accessKeyId: string; secretAccessKey: string } {
  const env = process.env;
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) return { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY };
  if (env.GATEHOUSE_ROOT_ACCESS_KEY_ID && env.GATEHOUSE_ROOT_SECRET_ACCESS_KEY) {
    return { accessKeyId: env.GATEHOUSE_ROOT_ACCESS_KEY_ID, secretAccessKey: env.GATEHOUSE_ROOT_SECRET_ACCESS_KEY };
  }
  const file = path.join(dataDir, 'root-credentials.json');
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as { accessKeyId: string; secretAccessKey: string };
  } catch {
    return fail(`no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to Gatehouse's root key (none found in ${file})`);
  }
}

function readCredentialsFile(file: string): { accessKeyId: string; secretAccessKey: string } | undefined {
  try {
    const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as { accessKeyId?: unknown; secretAccessKey?: unknown };
    if (typeof saved.accessKeyId === 'string' && typeof saved.secretAccessKey === 'string') return { accessKeyId: saved.accessKeyId, secretAccessKey: saved.secretAccessKey };
  } catch {
    // Missing or unreadable: the caller says so.
  }
  return undefined;
}

/** `http://<bucket>.<suffix>:<port>/` on the URL's own port. */
function websiteUrlOf(base: string, suffix: string, bucket: string): string {
  const u = new URL(base);
  return `${u.protocol}//${bucket}.${suffix}${u.port === '' ? '' : `:${u.port}`}/`;
}

const APPLY_HELP = `Usage: gatehouse apply FILE [--url URL] [--output FILE]

Applies an init document (JSON, or YAML; schema in schemas/init.schema.json) to a running
Gatehouse: user pools with clients, groups and users, identity pools, IAM policies and roles,
buckets with policy, CORS, website and files. What exists and matches is left alone, so applying
the same file again changes nothing. --output writes the ids, ARNs and client secrets as JSON
(mode 0600). --url defaults to GATEHOUSE_PUBLIC_URL or http://127.0.0.1:4566; the root key comes
from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, GATEHOUSE_ROOT_*, or the data dir.
`;

async function apply(args: string[]): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args, allowPositionals: true, options: { url: { type: 'string' }, output: { type: 'string' }, help: { type: 'boolean' } }, strict: true }));
  } catch (err) {
    fail(`${(err as Error).message}\n\n${APPLY_HELP}`);
  }
  if (values.help === true) {
    process.stdout.write(APPLY_HELP);
    return;
  }
  if (positionals.length !== 1) fail(`give one init file\n\n${APPLY_HELP}`);
  const config = loadConfig(process.env, {});
  const url = (typeof values.url === 'string' ? values.url : process.env.GATEHOUSE_PUBLIC_URL || 'http://127.0.0.1:4566').replace(/\/+$/, '');
  const { applyFile, summary, InitError } = await import('./init/apply.js');
  try {
    const result = await applyFile(positionals[0]!, typeof values.output === 'string' ? path.resolve(values.output) : undefined, {
      url,
      region: config.region,
      credentials: demoCredentials(config.dataDir),
      websiteUrl: (bucket) => websiteUrlOf(url, config.websiteHostSuffix, bucket),
      say: (line) => process.stdout.write(`${line}\n`),
    });
    process.stdout.write(`${summary(result)}\n`);
  } catch (err) {
    if (err instanceof InitError) fail(err.message);
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ECONNREFUSED' || (err as Error).message.includes('ECONNREFUSED')) fail(`no Gatehouse answers at ${url} (set --url or GATEHOUSE_PUBLIC_URL)`);
    throw err;
  }
}

const BACKUP_HELP = `Usage: gatehouse backup DIR [--data-dir DATA]
       gatehouse restore DIR [--data-dir DATA]

backup copies the data dir DATA (default GATEHOUSE_DATA_DIR or ./.gatehouse) into the new or empty
DIR while the server keeps running: the database as of one instant, the object files it refers
to, the keys. restore checks DIR against its manifest and copies it into the empty data dir DATA;
start the server on DATA afterwards. DIR holds keys and secrets: keep it as safe as the data dir.
`;

async function backupOrRestore(command: 'backup' | 'restore', args: string[]): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args, allowPositionals: true, options: { 'data-dir': { type: 'string' }, help: { type: 'boolean' } }, strict: true }));
  } catch (err) {
    fail(`${(err as Error).message}\n\n${BACKUP_HELP}`);
  }
  if (values.help === true) {
    process.stdout.write(BACKUP_HELP);
    return;
  }
  if (positionals.length !== 1) fail(`give one backup directory\n\n${BACKUP_HELP}`);
  const dataDir = path.resolve(typeof values['data-dir'] === 'string' ? values['data-dir'] : process.env.GATEHOUSE_DATA_DIR || './.gatehouse');
  const dir = path.resolve(positionals[0]!);
  // On PostgreSQL the database is not in the data dir: PostgreSQL's own tools copy it consistently.
  if (process.env.GATEHOUSE_DATABASE_URL) fail(`GATEHOUSE_DATABASE_URL is set: back up PostgreSQL with pg_dump (restore with pg_restore or psql) and the blob directory (GATEHOUSE_DATA_DIR/s3) with your file-system tools; ${command} covers the embedded SQLite store only`);
  const { backup, restore, BackupError } = await import('./backup.js');
  try {
    const started = Date.now();
    const m = command === 'backup' ? await backup(dataDir, dir, VERSION) : await restore(dir, dataDir);
    const what = `${Object.keys(m.files).length} files and ${m.blobs} object files`;
    process.stdout.write(command === 'backup' ? `backed up ${dataDir} into ${dir}: ${what} in ${Date.now() - started} ms\n` : `restored ${dir} (taken ${m.createdAt}) into ${dataDir}: ${what}\n`);
  } catch (err) {
    if (err instanceof BackupError) fail(err.message);
    throw err;
  }
}

const CREDENTIALS_HELP = `Usage: gatehouse credentials [--data-dir DIR] [--json]

Prints the root credentials Gatehouse generated on its first start, from DIR/root-credentials.json
(DIR defaults to GATEHOUSE_DATA_DIR or ./.gatehouse), as lines for a shell's export, or as JSON.
With GATEHOUSE_ROOT_ACCESS_KEY_ID set the server uses those and nothing was generated.
`;

function credentials(args: string[]): void {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args, options: { 'data-dir': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } }, strict: true }));
  } catch (err) {
    fail(`${(err as Error).message}\n\n${CREDENTIALS_HELP}`);
  }
  if (values.help === true) {
    process.stdout.write(CREDENTIALS_HELP);
    return;
  }
  const dataDir = path.resolve(typeof values['data-dir'] === 'string' ? values['data-dir'] : process.env.GATEHOUSE_DATA_DIR || './.gatehouse');
  const file = path.join(dataDir, 'root-credentials.json');
  const c = readCredentialsFile(file);
  if (c === undefined) fail(`no root credentials in ${file} (they are generated on the first start of \`gatehouse serve\` with that data dir)`);
  process.stdout.write(values.json === true ? JSON.stringify(c) + '\n' : `AWS_ACCESS_KEY_ID=${c.accessKeyId}\nAWS_SECRET_ACCESS_KEY=${c.secretAccessKey}\n`);
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return serve(rest);
    case 'outbox':
      return outbox(rest);
    case 'credentials':
      return credentials(rest);
    case 'apply':
      return apply(rest);
    case 'backup':
    case 'restore':
      return backupOrRestore(command, rest);
    case 'demo':
      return demo(rest);
    case 'ca':
      return ca(rest);
    case '--version':
    case 'version':
      process.stdout.write(`${VERSION}\n`);
      return;
    case undefined:
    case '--help':
    case 'help':
      process.stdout.write(HELP);
      return;
    default:
      fail(`unknown command "${command}"\n\n${HELP}`);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`gatehouse: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
