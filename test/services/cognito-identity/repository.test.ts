/**
 * The linking table's own guarantee, below the service: a login, once linked, stays with its
 * identity whatever a later (or concurrent) link asks, so correctness does not rest on the
 * database serializing transactions.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cognitoIdentitySchema } from '../../../src/services/cognito-identity/index.js';
import { findLinkedIdentity, insertIdentity, insertPool, linkLogin, type PoolRecord } from '../../../src/services/cognito-identity/repository.js';
import { migrateSqlite, SqliteDatabase } from '../../../src/store/sqlite.js';

const POOL = 'us-east-1:00000000-0000-0000-0000-000000000001';
const A = 'us-east-1:aaaaaaaa-0000-0000-0000-000000000000';
const B = 'us-east-1:bbbbbbbb-0000-0000-0000-000000000000';
const LOGIN = { provider: 'cognito-idp.us-east-1.amazonaws.com/us-east-1_Abc', subject: 'sub-1' };

let dir: string;
let db: SqliteDatabase;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-identity-repo-'));
  db = new SqliteDatabase(path.join(dir, 'db.sqlite'));
  migrateSqlite(db, [cognitoIdentitySchema]);
  const pool: PoolRecord = {
    id: POOL,
    name: 'p',
    allowUnauthenticated: true,
    allowClassicFlow: undefined,
    developerProvider: undefined,
    providers: { supportedLoginProviders: {}, cognitoIdentityProviders: [], openIdConnectProviderArns: [], samlProviderArns: [] },
    tags: {},
    roles: {},
    roleMappings: {},
    principalTags: {},
    createdAt: 0,
  };
  await insertPool(db, pool);
  for (const id of [A, B]) await insertIdentity(db, { id, poolId: POOL, createdAt: 0, modifiedAt: 0, disabled: false });
});
afterAll(async () => {
  await db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

it('linkLogin links a new login, and never moves one linked to another identity', async () => {
  expect(await linkLogin(db, POOL, LOGIN, A, 1)).toBe(A);
  expect(await linkLogin(db, POOL, LOGIN, A, 2)).toBe(A);
  expect(await linkLogin(db, POOL, LOGIN, B, 3)).toBe(A);
  expect(await findLinkedIdentity(db, POOL, LOGIN.provider, LOGIN.subject)).toBe(A);
});
