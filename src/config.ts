/**
 * Configuration from flags and environment. Every setting has an environment variable; flags
 * mirror them for `gatehouse serve`. Invalid values stop start-up with a message naming the
 * variable, because a server that half-starts on a typo is worse than one that refuses.
 * @module
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** Base URL clients reach Gatehouse at; token issuers and links are built from it. */
  publicUrl: string;
  /** False when publicUrl was derived from host and port (it follows the bound port then). */
  publicUrlSet: boolean;
  region: string;
  accountId: string;
  smtpUrl: string | undefined;
  /** Where text messages are POSTed as JSON `{to, message}`; unset → the outbox. */
  smsWebhookUrl: string | undefined;
  mailFrom: string;
  rootAccessKeyId: string | undefined;
  rootSecretAccessKey: string | undefined;
  /** Host suffix for virtual-hosted-style S3 (`<bucket>.<suffix>`). */
  s3HostSuffix: string;
  /** Host suffix for static website endpoints (`<bucket>.<suffix>`). */
  websiteHostSuffix: string;
  /** Host suffix of user pool domains' hosted UI and OAuth endpoints (`<prefix>.<suffix>`). */
  authHostSuffix: string;
  /** PEM files for HTTPS; when unset, a local CA in the data dir signs a certificate. */
  tlsCertFile: string | undefined;
  tlsKeyFile: string | undefined;
  logLevel: LogLevel;
  /** Outbox messages older than this are deleted (they hold codes and temporary passwords). */
  outboxMaxAgeHours: number;
  /** At most this many messages are kept in the outbox; the oldest go first. */
  outboxMaxMessages: number;
  /** Who may read /_gatehouse/metrics: `local` (as the outbox: loopback or root Basic), `open`, `off`. */
  metrics?: 'local' | 'open' | 'off';
  /** PostgreSQL URL of the shared store (GATEHOUSE_DATABASE_URL); unset → SQLite in the data dir. */
  databaseUrl?: string;
  /** The master key as base64 (GATEHOUSE_MASTER_KEY), for nodes sharing one store; unset → <data dir>/master.key. */
  masterKey?: string;
  /** Processes serving the one port (GATEHOUSE_WORKERS; `auto`: one per core); 1 runs in this process. */
  workers?: number;
  /** An init document applied after start, before the ready line (GATEHOUSE_INIT). */
  init?: string;
  /** Where the applied document's ids, ARNs and secrets are written (default <data dir>/init-outputs.json). */
  initOutput?: string;
}

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export class ConfigError extends Error {
  constructor(readonly variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

/** Flag name → environment variable it mirrors. */
export const FLAGS: Readonly<Record<string, string>> = {
  port: 'GATEHOUSE_PORT',
  host: 'GATEHOUSE_HOST',
  'data-dir': 'GATEHOUSE_DATA_DIR',
  'public-url': 'GATEHOUSE_PUBLIC_URL',
  region: 'GATEHOUSE_REGION',
  'account-id': 'GATEHOUSE_ACCOUNT_ID',
  'smtp-url': 'GATEHOUSE_SMTP_URL',
  'mail-from': 'GATEHOUSE_MAIL_FROM',
  'sms-webhook-url': 'GATEHOUSE_SMS_WEBHOOK_URL',
  's3-host-suffix': 'GATEHOUSE_S3_HOST_SUFFIX',
  'website-host-suffix': 'GATEHOUSE_WEBSITE_HOST_SUFFIX',
  'auth-host-suffix': 'GATEHOUSE_AUTH_HOST_SUFFIX',
  'tls-cert': 'GATEHOUSE_TLS_CERT',
  'tls-key': 'GATEHOUSE_TLS_KEY',
  'log-level': 'GATEHOUSE_LOG_LEVEL',
  'outbox-max-age-hours': 'GATEHOUSE_OUTBOX_MAX_AGE_HOURS',
  'outbox-max-messages': 'GATEHOUSE_OUTBOX_MAX_MESSAGES',
  metrics: 'GATEHOUSE_METRICS',
  'database-url': 'GATEHOUSE_DATABASE_URL',
  workers: 'GATEHOUSE_WORKERS',
  init: 'GATEHOUSE_INIT',
  'init-output': 'GATEHOUSE_INIT_OUTPUT',
};

/** More processes than this on one machine only add memory and contention. */
const MAX_WORKERS = 64;
const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
const ACCESS_KEY_ID = /^[A-Z0-9]{16,128}$/;

/**
 * Builds the configuration from environment variables, with `overrides` (flags, or a test's
 * settings) taking precedence. Values in `overrides` use the environment variable names.
 */
export function loadConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
  overrides: Readonly<Record<string, string | undefined>> = {},
): Config {
  const get = (name: string): string | undefined => {
    const v = overrides[name] ?? env[name];
    return v === undefined || v === '' ? undefined : v;
  };

  const port = parsePort(get('GATEHOUSE_PORT') ?? '4566');
  const host = get('GATEHOUSE_HOST') ?? '127.0.0.1';
  const dataDir = path.resolve(get('GATEHOUSE_DATA_DIR') ?? './.gatehouse');

  const region = get('GATEHOUSE_REGION') ?? 'us-east-1';
  if (!REGION.test(region)) throw new ConfigError('GATEHOUSE_REGION', `"${region}" is not an AWS region name such as us-east-1`);

  const accountId = get('GATEHOUSE_ACCOUNT_ID') ?? '000000000000';
  if (!/^\d{12}$/.test(accountId)) throw new ConfigError('GATEHOUSE_ACCOUNT_ID', 'must be 12 digits');

  const displayHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  const publicUrl = (get('GATEHOUSE_PUBLIC_URL') ?? `http://${displayHost}:${port}`).replace(/\/+$/, '');
  try {
    const u = new URL(publicUrl);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
    if (u.search || u.hash) throw new Error('query');
  } catch {
    throw new ConfigError('GATEHOUSE_PUBLIC_URL', `"${publicUrl}" is not an http(s) URL without query or fragment`);
  }

  const smtpUrl = get('GATEHOUSE_SMTP_URL');
  if (smtpUrl !== undefined && !hasScheme(smtpUrl, ['smtp:', 'smtps:'])) throw new ConfigError('GATEHOUSE_SMTP_URL', `"${smtpUrl}" is not an smtp:// or smtps:// URL`);

  const smsWebhookUrl = get('GATEHOUSE_SMS_WEBHOOK_URL');
  if (smsWebhookUrl !== undefined && !hasScheme(smsWebhookUrl, ['http:', 'https:'])) throw new ConfigError('GATEHOUSE_SMS_WEBHOOK_URL', `"${smsWebhookUrl}" is not an http:// or https:// URL`);

  const mailFrom = get('GATEHOUSE_MAIL_FROM') ?? 'no-reply@verificationemail.com';
  if (!/^[^@\s]+@[^@\s]+$/.test(mailFrom) && !/<[^@\s]+@[^@\s]+>$/.test(mailFrom)) {
    throw new ConfigError('GATEHOUSE_MAIL_FROM', `"${mailFrom}" is not an email address`);
  }

  const rootAccessKeyId = get('GATEHOUSE_ROOT_ACCESS_KEY_ID');
  const rootSecretAccessKey = get('GATEHOUSE_ROOT_SECRET_ACCESS_KEY');
  if ((rootAccessKeyId === undefined) !== (rootSecretAccessKey === undefined)) {
    throw new ConfigError(
      rootAccessKeyId === undefined ? 'GATEHOUSE_ROOT_ACCESS_KEY_ID' : 'GATEHOUSE_ROOT_SECRET_ACCESS_KEY',
      'set both GATEHOUSE_ROOT_ACCESS_KEY_ID and GATEHOUSE_ROOT_SECRET_ACCESS_KEY, or neither',
    );
  }
  if (rootAccessKeyId !== undefined && !ACCESS_KEY_ID.test(rootAccessKeyId)) {
    throw new ConfigError('GATEHOUSE_ROOT_ACCESS_KEY_ID', 'must be 16 to 128 upper-case letters and digits');
  }
  if (rootAccessKeyId?.startsWith('ASIA')) {
    throw new ConfigError('GATEHOUSE_ROOT_ACCESS_KEY_ID', 'must not start with ASIA (reserved for temporary credentials)');
  }
  if (rootSecretAccessKey !== undefined && rootSecretAccessKey.length < 16) {
    throw new ConfigError('GATEHOUSE_ROOT_SECRET_ACCESS_KEY', 'must be at least 16 characters');
  }

  const s3HostSuffix = hostSuffix('GATEHOUSE_S3_HOST_SUFFIX', get('GATEHOUSE_S3_HOST_SUFFIX') ?? 's3.localhost');
  const websiteHostSuffix = hostSuffix(
    'GATEHOUSE_WEBSITE_HOST_SUFFIX',
    get('GATEHOUSE_WEBSITE_HOST_SUFFIX') ?? 's3-website.localhost',
  );

  const authHostSuffix = hostSuffix('GATEHOUSE_AUTH_HOST_SUFFIX', get('GATEHOUSE_AUTH_HOST_SUFFIX') ?? 'auth.localhost');

  const tlsCert = get('GATEHOUSE_TLS_CERT');
  const tlsKey = get('GATEHOUSE_TLS_KEY');
  if ((tlsCert === undefined) !== (tlsKey === undefined)) {
    throw new ConfigError(tlsCert === undefined ? 'GATEHOUSE_TLS_CERT' : 'GATEHOUSE_TLS_KEY', 'set both GATEHOUSE_TLS_CERT and GATEHOUSE_TLS_KEY (PEM files), or neither');
  }
  for (const [variable, file] of [['GATEHOUSE_TLS_CERT', tlsCert], ['GATEHOUSE_TLS_KEY', tlsKey]] as const) {
    if (file !== undefined && !fs.existsSync(file)) throw new ConfigError(variable, `"${file}" does not exist`);
  }

  const logLevel = (get('GATEHOUSE_LOG_LEVEL') ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError('GATEHOUSE_LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);
  }

  const outboxMaxAgeHours = positiveInteger('GATEHOUSE_OUTBOX_MAX_AGE_HOURS', get('GATEHOUSE_OUTBOX_MAX_AGE_HOURS') ?? '24', 24 * 365);
  const outboxMaxMessages = positiveInteger('GATEHOUSE_OUTBOX_MAX_MESSAGES', get('GATEHOUSE_OUTBOX_MAX_MESSAGES') ?? '1000', 1_000_000);
  const metrics = get('GATEHOUSE_METRICS') ?? 'local';
  if (metrics !== 'local' && metrics !== 'open' && metrics !== 'off') {
    throw new ConfigError('GATEHOUSE_METRICS', 'must be one of local, open, off');
  }

  const databaseUrl = get('GATEHOUSE_DATABASE_URL');
  // The URL may hold a password: the message never repeats it.
  if (databaseUrl !== undefined && !hasScheme(databaseUrl, ['postgres:', 'postgresql:'])) throw new ConfigError('GATEHOUSE_DATABASE_URL', 'is not a postgres:// or postgresql:// URL with a host');
  const masterKey = get('GATEHOUSE_MASTER_KEY');
  if (masterKey !== undefined && Buffer.from(masterKey, 'base64').length !== 32) {
    throw new ConfigError('GATEHOUSE_MASTER_KEY', 'must be 32 bytes in base64 (as in a master.key file)');
  }

  const workersRaw = get('GATEHOUSE_WORKERS') ?? '1';
  const workers = workersRaw === 'auto' ? Math.min(os.availableParallelism(), MAX_WORKERS) : Number(workersRaw);
  if ((workersRaw !== 'auto' && !/^\d+$/.test(workersRaw)) || workers < 1 || workers > MAX_WORKERS) throw new ConfigError('GATEHOUSE_WORKERS', `"${workersRaw}" is not auto or a whole number from 1 to ${MAX_WORKERS}`);

  const initRaw = get('GATEHOUSE_INIT');
  const init = initRaw === undefined ? undefined : path.resolve(initRaw);
  if (init !== undefined && !fs.existsSync(init)) throw new ConfigError('GATEHOUSE_INIT', `${init} does not exist`);

  return {
    port,
    host,
    dataDir,
    publicUrl,
    publicUrlSet: get('GATEHOUSE_PUBLIC_URL') !== undefined,
    region,
    accountId,
    smtpUrl,
    smsWebhookUrl,
    mailFrom,
    rootAccessKeyId,
    rootSecretAccessKey,
    s3HostSuffix,
    websiteHostSuffix,
    authHostSuffix,
    tlsCertFile: tlsCert === undefined ? undefined : path.resolve(tlsCert),
    tlsKeyFile: tlsKey === undefined ? undefined : path.resolve(tlsKey),
    logLevel,
    outboxMaxAgeHours,
    outboxMaxMessages,
    metrics,
    ...(databaseUrl === undefined ? {} : { databaseUrl }),
    ...(masterKey === undefined ? {} : { masterKey }),
    ...(workers === 1 ? {} : { workers }),
    ...(init === undefined ? {} : { init, initOutput: path.resolve(get('GATEHOUSE_INIT_OUTPUT') ?? path.join(dataDir, 'init-outputs.json')) }),
  };
}

/** True when `raw` is a URL with one of `schemes` and a host. */
function hasScheme(raw: string, schemes: readonly string[]): boolean {
  try {
    const u = new URL(raw);
    return schemes.includes(u.protocol) && u.hostname !== '';
  } catch {
    return false;
  }
}

function positiveInteger(variable: string, raw: string, max: number): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < 1 || n > max) throw new ConfigError(variable, `"${raw}" is not a whole number from 1 to ${max}`);
  return n;
}

function parsePort(raw: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isInteger(n) || n < 0 || n > 65535) {
    throw new ConfigError('GATEHOUSE_PORT', `"${raw}" is not a port number (0-65535; 0 picks a free port)`);
  }
  return n;
}

function hostSuffix(variable: string, raw: string): string {
  const v = raw.toLowerCase().replace(/^\.+|\.+$/g, '');
  if (!/^[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(v)) throw new ConfigError(variable, `"${raw}" is not a host name`);
  return v;
}
