#!/usr/bin/env node
/**
 * The `gatehouse` command.
 * @module
 */
import { parseArgs } from 'node:util';
import { ConfigError, FLAGS, loadConfig } from './config.js';
import { Gatehouse } from './server/app.js';
import { VERSION } from './version.js';

const HELP = `gatehouse ${VERSION}: AWS-compatible Cognito, IAM, STS and S3 on one port

Usage:
  gatehouse serve [flags]          start the server
  gatehouse outbox [--to ADDRESS]  print messages kept in the outbox of a running server
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
  try {
    gatehouse = Gatehouse.create({ config: loadConfig(process.env, overrides) });
  } catch (err) {
    if (err instanceof ConfigError) fail(`bad configuration: ${err.message}`);
    throw err;
  }
  let url: string;
  try {
    url = await gatehouse.listen();
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') fail(`GATEHOUSE_PORT: port ${gatehouse.config.port} on ${gatehouse.config.host} is already in use`);
    if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND') fail(`GATEHOUSE_HOST: cannot bind to ${gatehouse.config.host}`);
    throw err;
  }
  const c = gatehouse.config;
  if (gatehouse.rootCreated) {
    process.stderr.write(
      `\nGenerated root credentials (shown once; kept in ${c.dataDir}/root-credentials.json):\n` +
        `  AWS_ACCESS_KEY_ID=${gatehouse.platform.root.accessKeyId}\n  AWS_SECRET_ACCESS_KEY=${gatehouse.platform.root.secretAccessKey}\n\n`,
    );
  }
  gatehouse.log.info(
    { event: 'ready', url, region: c.region, accountId: c.accountId, dataDir: c.dataDir, mail: c.smtpUrl === undefined ? 'outbox' : 'smtp', version: VERSION },
    `gatehouse ready at ${url}`,
  );
  const stop = (signal: string): void => {
    gatehouse.log.info({ event: 'shutdown', signal }, 'shutting down');
    gatehouse.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

async function outbox(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { to: { type: 'string' }, url: { type: 'string' }, limit: { type: 'string' } }, strict: true });
  const config = loadConfig();
  const base = values.url ?? config.publicUrl;
  const q = new URLSearchParams();
  if (values.to !== undefined) q.set('to', values.to);
  if (values.limit !== undefined) q.set('limit', values.limit);
  let res: Response;
  try {
    res = await fetch(`${base}/_gatehouse/outbox?${q.toString()}`);
  } catch {
    fail(`no Gatehouse answers at ${base} (set --url or GATEHOUSE_PUBLIC_URL)`);
  }
  const body = (await res.json()) as { messages?: { createdAt: string; channel: string; to: string; subject?: string; text: string }[]; message?: string };
  if (!res.ok) fail(body.message ?? `HTTP ${res.status}`);
  for (const m of (body.messages ?? []).reverse()) {
    process.stdout.write(`--- ${m.createdAt} ${m.channel} to ${m.to}${m.subject === undefined ? '' : `: ${m.subject}`}\n${m.text}\n\n`);
  }
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return serve(rest);
    case 'outbox':
      return outbox(rest);
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
