/**
 * Root sessions (GetSessionToken) cannot renew themselves, call IAM (as at AWS without MFA)
 * or outlive the root key that made them (issue 10, item 4). Through SDK v3; the rotation is a restart on the same
 * data dir with another root key.
 */
import { GetCallerIdentityCommand, GetSessionTokenCommand, STSClient, type Credentials } from '@aws-sdk/client-sts';
import { CreateRoleCommand, IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorOf } from '../../support/errors.js';
import { REGION, startServer, type TestServer } from '../../support/gatehouse.js';

const sts = (server: TestServer, c: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) => new STSClient({ endpoint: server.url, region: REGION, credentials: c });
const asSession = (c: Credentials) => ({ accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! });
const invalidToken = { name: 'InvalidClientTokenId', message: 'The security token included in the request is invalid.', status: 403 };

describe('root sessions', () => {
  it('cannot call GetSessionToken again', async () => {
    const server = await startServer();
    try {
      const session = (await sts(server, server.credentials).send(new GetSessionTokenCommand({}))).Credentials!;
      const renewed = errorOf(sts(server, asSession(session)).send(new GetSessionTokenCommand({ DurationSeconds: 3600 })));
      expect(await renewed).toEqual({ name: 'AccessDenied', message: 'Cannot call GetSessionToken with session credentials', status: 403 });
      // The session itself still works.
      expect((await sts(server, asSession(session)).send(new GetCallerIdentityCommand({}))).Arn).toBe('arn:aws:iam::000000000000:root');
      // But not for IAM, as at AWS without MFA: it cannot mint itself a lasting foothold.
      const iam = new IAMClient({ endpoint: server.url, region: REGION, credentials: asSession(session) });
      expect(await errorOf(iam.send(new ListRolesCommand({})))).toEqual(invalidToken);
      const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' }] });
      expect(await errorOf(iam.send(new CreateRoleCommand({ RoleName: 'foothold', AssumeRolePolicyDocument: trust })))).toEqual(invalidToken);
      expect((await new IAMClient({ endpoint: server.url, region: REGION, credentials: server.credentials }).send(new ListRolesCommand({}))).Roles).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('end when the root key is rotated, and survive a restart with the same key', async () => {
    const first = await startServer();
    const dataDir = first.dataDir;
    let session: Credentials;
    try {
      session = (await sts(first, first.credentials).send(new GetSessionTokenCommand({}))).Credentials!;
    } finally {
      await first.gatehouse.close();
    }
    const same = await startServer({ GATEHOUSE_DATA_DIR: dataDir });
    try {
      expect((await sts(same, asSession(session)).send(new GetCallerIdentityCommand({}))).Arn).toBe('arn:aws:iam::000000000000:root');
    } finally {
      await same.gatehouse.close();
    }
    const rotated = await startServer({ GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_ROOT_ACCESS_KEY_ID: 'AKIAROTATEDROOTKEY01', GATEHOUSE_ROOT_SECRET_ACCESS_KEY: 'rotated-root-secret-key-000000000000' });
    try {
      expect(await errorOf(sts(rotated, asSession(session)).send(new GetCallerIdentityCommand({})))).toEqual(invalidToken);
      const fresh = (await sts(rotated, { accessKeyId: 'AKIAROTATEDROOTKEY01', secretAccessKey: 'rotated-root-secret-key-000000000000' }).send(new GetSessionTokenCommand({}))).Credentials!;
      expect((await sts(rotated, asSession(fresh)).send(new GetCallerIdentityCommand({}))).Arn).toBe('arn:aws:iam::000000000000:root');
    } finally {
      await rotated.gatehouse.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
