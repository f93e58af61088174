/**
 * What a copy of the database alone gives away: SRP verifiers (password equivalents for offline
 * guessing) are sealed, bound to their user; rows from before sealing still work.
 */
import { AdminUpdateUserAttributesCommand, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import Database from 'better-sqlite3';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMasterKey, SecretBox } from '../../../src/store/secrets.js';
import { closeAll, type TestServer } from '../../support/gatehouse.js';
import type { TestSmtp } from '../../support/smtp.js';
import { anonymous, confirmedUser, errorOf, idp, PASSWORD, startPoolServer, type Pool } from './support.js';

let server: TestServer;
let smtp: TestSmtp;
let pool: Pool;
beforeAll(async () => {
  ({ server, smtp, pool } = await startPoolServer());
});
afterAll(() => closeAll(server, smtp));

interface Row {
  sub: string;
  salt: string;
  verifier: string;
}
function row(username: string): Row {
  const db = new Database(path.join(server.dataDir, 'gatehouse.db'), { readonly: true });
  try {
    return db.prepare('SELECT sub, salt, verifier FROM cognito_idp_users WHERE pool_id = ? AND username = ?').get(pool.poolId, username) as Row;
  } finally {
    db.close();
  }
}
const logIn = (username: string, password = PASSWORD) =>
  anonymous(server).send(new InitiateAuthCommand({ ClientId: pool.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD: password } }));

describe('SRP verifiers at rest', () => {
  it('are sealed, open only for their own user, and still check passwords', async () => {
    await confirmedUser(server, pool, 'vera');
    await confirmedUser(server, pool, 'walt');
    const vera = row('vera');
    expect(vera.salt).toMatch(/^[0-9a-f]+$/);
    expect(vera.verifier).toMatch(/^v1\./);
    const box = new SecretBox(loadMasterKey(server.dataDir));
    expect(box.open(vera.verifier, `cognito-idp:verifier:${pool.poolId}:${vera.sub}`)).toHaveLength(384);
    expect(() => box.open(vera.verifier, `cognito-idp:verifier:${pool.poolId}:${row('walt').sub}`)).toThrow();
    expect((await logIn('vera')).AuthenticationResult?.IdToken).toBeDefined();
    expect(await errorOf(logIn('vera', 'Wrong-Horse-1!'))).toMatchObject({ name: 'NotAuthorizedException' });
  });

  it('a verifier stored in hex (before sealing) still signs in, and is sealed on the next save', async () => {
    await confirmedUser(server, pool, 'olga');
    const olga = row('olga');
    const plain = new SecretBox(loadMasterKey(server.dataDir)).open(olga.verifier, `cognito-idp:verifier:${pool.poolId}:${olga.sub}`);
    const db = new Database(path.join(server.dataDir, 'gatehouse.db'));
    db.prepare('UPDATE cognito_idp_users SET verifier = ? WHERE pool_id = ? AND sub = ?').run(plain.toString('hex'), pool.poolId, olga.sub);
    db.close();
    expect((await logIn('olga')).AuthenticationResult?.IdToken).toBeDefined();
    await idp(server).send(new AdminUpdateUserAttributesCommand({ UserPoolId: pool.poolId, Username: 'olga', UserAttributes: [{ Name: 'name', Value: 'Olga' }] }));
    expect(row('olga').verifier).toMatch(/^v1\./);
    expect((await logIn('olga')).AuthenticationResult?.IdToken).toBeDefined();
  });
});
