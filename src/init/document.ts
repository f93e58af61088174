/**
 * The init document (`GATEHOUSE_INIT=FILE`, `gatehouse apply FILE`): JSON or YAML, validated
 * against the published JSON Schema (`schemas/init.schema.json`) with errors that name the path
 * in the file (`userPools[0].clients[1].secret: must NOT have fewer than 24 characters`), and
 * references (`${userPools.demo.id}`) resolved as the things they name come to exist.
 * @module
 */
import fs from 'node:fs';
import path from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { parse as parseYaml } from 'yaml';

/** Bounds a document from a file someone else may have written. */
const MAX_DOCUMENT_BYTES = 4 * 1024 * 1024;

export interface InitClient {
  name: string;
  id?: string;
  secret?: string;
  generateSecret?: boolean;
  settings?: Record<string, unknown>;
}
export interface InitUser {
  username: string;
  password?: string;
  status?: 'CONFIRMED' | 'FORCE_CHANGE_PASSWORD';
  attributes?: Record<string, string>;
  groups?: string[];
  enabled?: boolean;
}
export interface InitGroup {
  name: string;
  description?: string;
  precedence?: number;
  role?: string;
}
export interface InitUserPool {
  name: string;
  id?: string;
  settings?: Record<string, unknown>;
  clients?: InitClient[];
  groups?: InitGroup[];
  users?: InitUser[];
}
export interface InitIdentityPool {
  name: string;
  allowUnauthenticated?: boolean;
  providers?: { userPool: string; client: string; serverSideTokenCheck?: boolean }[];
  roles?: { authenticated?: string; unauthenticated?: string };
}
export interface InitPolicy {
  name: string;
  path?: string;
  description?: string;
  document: Record<string, unknown>;
}
export interface InitRole {
  name: string;
  path?: string;
  description?: string;
  trust: Record<string, unknown>;
  managedPolicies?: string[];
  inlinePolicies?: Record<string, Record<string, unknown>>;
}
export interface InitBucket {
  name: string;
  policy?: Record<string, unknown>;
  publicAccessBlock?: Record<string, unknown>;
  cors?: Record<string, unknown>[];
  website?: { indexDocument: string; errorDocument?: string };
  upload?: { dir: string; prefix?: string };
}
export interface InitDocument {
  userPools?: InitUserPool[];
  identityPools?: InitIdentityPool[];
  policies?: InitPolicy[];
  roles?: InitRole[];
  buckets?: InitBucket[];
}

export class InitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InitError';
  }
}

export function schemaPath(): string {
  return path.resolve(import.meta.dirname, '..', '..', 'schemas', 'init.schema.json');
}

let validator: ((data: unknown) => boolean) & { errors?: ErrorObject[] | null } | undefined;

/** `/userPools/0/clients/1` → `userPools[0].clients[1]`, as a person reads a path in the file. */
function readablePath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc === '' ? p : `${acc}.${p}`), '');
}

/** Validates a parsed document; throws InitError listing every problem with its path. */
export function validateDocument(data: unknown, source: string): InitDocument {
  if (validator === undefined) {
    const schema = JSON.parse(fs.readFileSync(schemaPath(), 'utf8')) as object;
    validator = new Ajv({ allErrors: true, strict: false }).compile(schema);
  }
  if (validator(data)) return data as InitDocument;
  const problems = (validator.errors ?? []).slice(0, 20).map((e) => {
    const where = readablePath(e.instancePath);
    const extra = e.keyword === 'additionalProperties' ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})` : e.keyword === 'enum' ? ` (${((e.params as { allowedValues?: unknown[] }).allowedValues ?? []).join(', ')})` : '';
    return `  ${where === '' ? '(top level)' : where}: ${e.message ?? 'invalid'}${extra}`;
  });
  throw new InitError(`${source} is not a valid Gatehouse init document:\n${problems.join('\n')}`);
}

/** Reads and validates an init file (`.json`, or YAML for anything else). */
export function loadDocument(file: string): InitDocument {
  let text: string;
  try {
    const stat = fs.statSync(file);
    if (stat.size > MAX_DOCUMENT_BYTES) throw new InitError(`${file}: larger than ${MAX_DOCUMENT_BYTES} bytes`);
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof InitError) throw err;
    throw new InitError(`${file}: ${(err as Error).message}`);
  }
  let data: unknown;
  try {
    // YAML is a superset of JSON, but JSON's own parser gives the clearer message for .json files.
    data = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 100 });
  } catch (err) {
    throw new InitError(`${file}: not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}`);
  }
  return validateDocument(data, file);
}

/** What `${…}` references resolve to, filled in as the apply goes. */
export type References = Map<string, string>;

/** Replaces every `${name}` in the strings of `value`; an unknown name is an error naming `where`. */
export function substitute<T>(value: T, refs: References, where: string): T {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z0-9_.\-/ ]+)\}/g, (_whole, name: string) => {
      const v = refs.get(name);
      // IAM policy variables (${aws:username}, ${cognito-identity.amazonaws.com:sub}) hold a ':'
      // and never match this pattern: they reach the policy as written.
      if (v === undefined) {
        throw new InitError(`${where}: \${${name}} refers to nothing this document declares (or not yet: pools, then identity pools, then roles)`);
      }
      return v;
    }) as T;
  }
  if (Array.isArray(value)) return value.map((v, i) => substitute(v, refs, `${where}[${i}]`)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, refs, `${where}.${k}`)])) as T;
  }
  return value;
}
