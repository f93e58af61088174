/**
 * Every component's SQL must also run on PostgreSQL: portable migrations contain nothing
 * SQLite-only (a migration that must differ gives both dialects), and no repository statement
 * uses SQLite-only syntax or functions. A new statement that does fails here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mailSchema } from '../../src/mail/mailer.js';
import { masterKeySchema } from '../../src/store/master-key.js';
import { cognitoIdentitySchema } from '../../src/services/cognito-identity/index.js';
import { cognitoIdpSchema } from '../../src/services/cognito-idp/store/schema.js';
import { iamSchema } from '../../src/services/iam/index.js';
import { s3Schema } from '../../src/services/s3/index.js';

/** SQLite-only statements and functions (PostgreSQL has none of these, or means else by them). */
const SQLITE_ONLY: [string, RegExp][] = [
  ['INSERT OR …', /\bINSERT\s+OR\s+/i],
  ['REPLACE INTO', /\bREPLACE\s+INTO\b/i],
  ['AUTOINCREMENT', /\bAUTOINCREMENT\b/i],
  ['WITHOUT ROWID', /\bWITHOUT\s+ROWID\b/i],
  ['rowid', /\b(_?rowid_?|oid)\b/i],
  ['date functions', /\b(strftime|datetime|julianday|unixepoch|date|time)\s*\(/i],
  ['IFNULL / IIF', /\b(ifnull|iif)\s*\(/i],
  ['GLOB', /\bGLOB\b/i],
  ['group_concat', /\bgroup_concat\s*\(/i],
  ['json1 functions', /\bjson_\w+\s*\(/i],
  ['last_insert_rowid / changes()', /\b(last_insert_rowid|changes|total_changes)\s*\(/i],
  ['printf / instr / hex / randomblob / typeof', /\b(printf|instr|hex|randomblob|typeof)\s*\(/i],
  ['PRAGMA', /\bPRAGMA\b/i],
  ['LIMIT -1', /\bLIMIT\s+-1\b/i],
  ['double-quoted string literal', /=\s*"[^"]*"/],
];
/** Only in a portable schema: an INTEGER PRIMARY KEY is SQLite's rowid alias (auto-numbered there, not on PostgreSQL). */
const SCHEMA_ONLY: [string, RegExp][] = [['INTEGER PRIMARY KEY (rowid alias)', /\bINTEGER\s+PRIMARY\s+KEY\b/i], ['BLOB column (BYTEA on PostgreSQL)', /\bBLOB\b/]];

function problems(sql: string, rules: [string, RegExp][]): string[] {
  return rules.filter(([, re]) => re.test(sql)).map(([name]) => name);
}

describe('migrations', () => {
  const schemas = [masterKeySchema, mailSchema, iamSchema, cognitoIdpSchema, cognitoIdentitySchema, s3Schema];
  it.each(schemas.flatMap((s) => s.migrations.map((m) => [`${s.component} v${m.version}`, m] as const)))('%s is portable or gives both dialects', (_name, m) => {
    if (m.sql !== undefined) expect(problems(m.sql, [...SQLITE_ONLY, ...SCHEMA_ONLY])).toEqual([]);
    else expect({ sqlite: m.sqlite !== undefined, postgres: m.postgres !== undefined }).toEqual({ sqlite: true, postgres: true });
  });
});

describe('repository statements', () => {
  const root = path.resolve(import.meta.dirname, '../../src');
  const files = (fs.readdirSync(root, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts') && !f.endsWith('api.generated.ts') && f !== path.join('store', 'sqlite.ts'))
    .map((f) => path.join(root, f));
  /** String literals that read as SQL statements. */
  const statements = (text: string): string[] =>
    [...text.matchAll(/`[^`]*`|'(?:[^'\\\n]|\\.)*'/g)].map((m) => m[0]).filter((s) => /\b(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM)\b/.test(s));

  it('finds the statements it checks', () => {
    expect(files.flatMap((f) => statements(fs.readFileSync(f, 'utf8'))).length).toBeGreaterThan(50);
  });

  it('use no SQLite-only syntax or functions', () => {
    const found = files.flatMap((f) =>
      statements(fs.readFileSync(f, 'utf8')).flatMap((s) => problems(s, SQLITE_ONLY).map((p) => `${path.relative(root, f)}: ${p}: ${s.slice(0, 100)}`)),
    );
    expect(found).toEqual([]);
  });
});
