/**
 * Concurrent IAM writes to the same entity: each read-check-write runs in one transaction, so
 * no update is lost and no quota or existence check is outrun by another request. Handlers are
 * called in process and all at once, which interleaves them at every await deterministically
 * (over HTTP the same races depend on timing).
 */
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ServiceError } from '../../../src/errors.js';
import { createLogger } from '../../../src/log.js';
import type { Principal } from '../../../src/principal.js';
import { createIam, iamSchema, type Iam } from '../../../src/services/iam/index.js';
import type { RequestContext } from '../../../src/services/types.js';
import { migrateSqlite, SqliteDatabase } from '../../../src/store/sqlite.js';

const ACCT = '111122223333';
const root: Principal = { kind: 'root', accountId: ACCT, arn: `arn:aws:iam::${ACCT}:root`, userId: ACCT, accessKeyId: 'AKIAROOT' };
const ctx = { now: () => Date.now(), accountId: ACCT, region: 'us-east-1', principal: root } as unknown as RequestContext;
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: ACCT }, Action: 'sts:AssumeRole' }] });
const doc = (action: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });

let db: SqliteDatabase;
let iam: Iam;

async function op<T = unknown>(name: string, input: object): Promise<T> {
  const handler = iam.service.operations[name] as unknown as (i: object, c: RequestContext) => Promise<T>;
  return handler(input, ctx);
}

/** Each call's outcome: 'ok' or the AWS error code. */
async function outcomes(calls: Promise<unknown>[]): Promise<string[]> {
  return Promise.all(calls.map((p) => p.then(() => 'ok', (e: unknown) => (e instanceof ServiceError ? e.code : Promise.reject(e)))));
}

beforeEach(async () => {
  db = new SqliteDatabase(':memory:');
  migrateSqlite(db, [iamSchema]);
  iam = createIam({ db, accountId: ACCT, log: createLogger('silent', new Writable({ write: (_c, _e, cb) => cb() })) });
  await op('CreateRole', { RoleName: 'App', AssumeRolePolicyDocument: TRUST });
});
afterEach(async () => {
  await db.close();
});

describe('concurrent writes to one role', () => {
  it('TagRole: every tag of concurrent calls is kept', async () => {
    expect(await outcomes(Array.from({ length: 10 }, (_, i) => op('TagRole', { RoleName: 'App', Tags: [{ Key: `k${i}`, Value: 'v' }] })))).toEqual(Array(10).fill('ok'));
    const { Tags } = await op<{ Tags: { Key: string }[] }>('ListRoleTags', { RoleName: 'App' });
    expect(Tags.map((t) => t.Key).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `k${i}`).sort());
  });

  it('AttachRolePolicy: the quota of 10 holds however many attach at once', async () => {
    const arns: string[] = [];
    for (let i = 0; i < 12; i++) {
      const out = await op<{ Policy: { Arn: string } }>('CreatePolicy', { PolicyName: `p${i}`, PolicyDocument: doc(`s3:Get${i}`) });
      arns.push(out.Policy.Arn);
    }
    const results = await outcomes(arns.map((PolicyArn) => op('AttachRolePolicy', { RoleName: 'App', PolicyArn })));
    expect(results.filter((r) => r === 'ok')).toHaveLength(10);
    expect(results.filter((r) => r === 'LimitExceeded')).toHaveLength(2);
    const { AttachedPolicies } = await op<{ AttachedPolicies: unknown[] }>('ListAttachedRolePolicies', { RoleName: 'App' });
    expect(AttachedPolicies).toHaveLength(10);
  });

  it('PutRolePolicy: the 10,240-character aggregate holds for concurrent puts', async () => {
    const big = (i: number) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: `S${i}`, Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${'b'.repeat(3000)}${i}/*` }] });
    const results = await outcomes([0, 1, 2, 3, 4].map((i) => op('PutRolePolicy', { RoleName: 'App', PolicyName: `p${i}`, PolicyDocument: big(i) })));
    expect(results.filter((r) => r === 'ok')).toHaveLength(3);
    expect(results.filter((r) => r === 'LimitExceeded')).toHaveLength(2);
  });
});

describe('concurrent writes to one managed policy', () => {
  it('DeletePolicy and AttachRolePolicy: never an attachment to a deleted policy', async () => {
    const { Policy } = await op<{ Policy: { Arn: string } }>('CreatePolicy', { PolicyName: 'shared', PolicyDocument: doc('s3:GetObject') });
    const [attach, del] = await outcomes([op('AttachRolePolicy', { RoleName: 'App', PolicyArn: Policy.Arn }), op('DeletePolicy', { PolicyArn: Policy.Arn })]);
    const { AttachedPolicies } = await op<{ AttachedPolicies: unknown[] }>('ListAttachedRolePolicies', { RoleName: 'App' });
    const exists = await op('GetPolicy', { PolicyArn: Policy.Arn }).then(() => true, () => false);
    // Whichever came first, the state is one AWS could be in.
    if (attach === 'ok') expect({ del, exists, attached: AttachedPolicies.length }).toEqual({ del: 'DeleteConflict', exists: true, attached: 1 });
    else expect({ attach, del, exists, attached: AttachedPolicies.length }).toEqual({ attach: 'NoSuchEntity', del: 'ok', exists: false, attached: 0 });
  });

  it('DeletePolicyVersion and SetDefaultPolicyVersion: the default version always exists', async () => {
    const { Policy } = await op<{ Policy: { Arn: string } }>('CreatePolicy', { PolicyName: 'versioned', PolicyDocument: doc('s3:GetObject') });
    await op('CreatePolicyVersion', { PolicyArn: Policy.Arn, PolicyDocument: doc('s3:PutObject') });
    await outcomes([op('SetDefaultPolicyVersion', { PolicyArn: Policy.Arn, VersionId: 'v2' }), op('DeletePolicyVersion', { PolicyArn: Policy.Arn, VersionId: 'v2' })]);
    const { Policy: after } = await op<{ Policy: { DefaultVersionId: string } }>('GetPolicy', { PolicyArn: Policy.Arn });
    await expect(op('GetPolicyVersion', { PolicyArn: Policy.Arn, VersionId: after.DefaultVersionId })).resolves.toBeDefined();
  });

  it('TagPolicy: every tag of concurrent calls is kept', async () => {
    const { Policy } = await op<{ Policy: { Arn: string } }>('CreatePolicy', { PolicyName: 'tagged', PolicyDocument: doc('s3:GetObject') });
    await outcomes(Array.from({ length: 8 }, (_, i) => op('TagPolicy', { PolicyArn: Policy.Arn, Tags: [{ Key: `k${i}`, Value: 'v' }] })));
    const { Tags } = await op<{ Tags: unknown[] }>('ListPolicyTags', { PolicyArn: Policy.Arn });
    expect(Tags).toHaveLength(8);
  });
});

describe('concurrent writes to one OIDC provider', () => {
  it('AddClientIDToOpenIDConnectProvider: every client id is kept', async () => {
    const { OpenIDConnectProviderArn: arn } = await op<{ OpenIDConnectProviderArn: string }>('CreateOpenIDConnectProvider', { Url: 'https://idp.example', ClientIDList: [] });
    await outcomes(Array.from({ length: 8 }, (_, i) => op('AddClientIDToOpenIDConnectProvider', { OpenIDConnectProviderArn: arn, ClientID: `c${i}` })));
    const { ClientIDList } = await op<{ ClientIDList: string[] }>('GetOpenIDConnectProvider', { OpenIDConnectProviderArn: arn });
    expect(ClientIDList).toHaveLength(8);
  });
});
