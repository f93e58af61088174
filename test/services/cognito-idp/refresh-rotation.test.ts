/**
 * Refresh-token rotation through SDK v3: a client with RefreshTokenRotation ENABLED gets a new
 * refresh token from every GetTokensFromRefreshToken; the one it replaced works only for the
 * retry grace period; REFRESH_TOKEN_AUTH is refused for such a client; revocation still ends
 * the whole session. A client without rotation keeps its refresh token.
 */
import { CreateUserPoolClientCommand, GetTokensFromRefreshTokenCommand, InitiateAuthCommand, RevokeTokenCommand } from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../../support/gatehouse.js';
import { anonymous, confirmedUser, createPool, errorOf, idp, PASSWORD, type Pool } from './support.js';

let server: TestServer;
let pool: Pool;
let rotating: string;

beforeAll(async () => {
  server = await startServer();
  pool = await createPool(server);
  rotating = (
    await idp(server).send(
      new CreateUserPoolClientCommand({
        UserPoolId: pool.poolId,
        ClientName: 'rotating',
        ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH'],
        RefreshTokenRotation: { Feature: 'ENABLED', RetryGracePeriodSeconds: 10 },
      }),
    )
  ).UserPoolClient!.ClientId!;
  await confirmedUser(server, pool, 'rita');
});
afterAll(async () => {
  await server?.close();
});

const signIn = async (ClientId: string) =>
  (await anonymous(server).send(new InitiateAuthCommand({ ClientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'rita', PASSWORD } }))).AuthenticationResult!;
const refresh = (ClientId: string, RefreshToken: string) => anonymous(server).send(new GetTokensFromRefreshTokenCommand({ ClientId, RefreshToken }));

describe('refresh-token rotation', () => {
  it('rotates on every refresh; the replaced token works only inside the grace period', async () => {
    server.gatehouse.clock.freeze();
    try {
      const r0 = (await signIn(rotating)).RefreshToken!;
      const first = (await refresh(rotating, r0)).AuthenticationResult!;
      expect(first.RefreshToken).toBeDefined();
      expect(first.RefreshToken).not.toBe(r0);
      expect(first.AccessToken).toBeDefined();
      // A retry with the old token (a lost response) inside the grace period still works.
      server.gatehouse.clock.advance(5_000);
      const retry = (await refresh(rotating, r0)).AuthenticationResult!;
      expect(retry.RefreshToken).toBeDefined();
      // Past the grace period the old token is dead; the newest one lives on.
      server.gatehouse.clock.advance(6_000);
      expect(await errorOf(refresh(rotating, r0))).toEqual({ name: 'NotAuthorizedException', message: 'Invalid Refresh Token', status: 400 });
      const next = (await refresh(rotating, retry.RefreshToken!)).AuthenticationResult!;
      expect(next.RefreshToken).not.toBe(retry.RefreshToken);

      await anonymous(server).send(new RevokeTokenCommand({ ClientId: rotating, Token: next.RefreshToken! }));
      expect(await errorOf(refresh(rotating, next.RefreshToken!))).toMatchObject({ name: 'NotAuthorizedException', message: 'Refresh Token has been revoked' });
    } finally {
      server.gatehouse.clock.reset();
    }
  });

  it('refuses REFRESH_TOKEN_AUTH for a rotating client; a plain client keeps its token', async () => {
    const r0 = (await signIn(rotating)).RefreshToken!;
    expect(await errorOf(anonymous(server).send(new InitiateAuthCommand({ ClientId: rotating, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: r0 } })))).toMatchObject({
      name: 'InvalidParameterException',
    });
    const plain = (await signIn(pool.clientId)).RefreshToken!;
    const out = (await refresh(pool.clientId, plain)).AuthenticationResult!;
    expect(out.AccessToken).toBeDefined();
    expect(out.RefreshToken).toBeUndefined();
    expect((await refresh(pool.clientId, plain)).AuthenticationResult?.IdToken).toBeDefined();
    // A token of one client does not refresh at another.
    expect(await errorOf(refresh(rotating, plain))).toMatchObject({ name: 'NotAuthorizedException', message: 'Invalid Refresh Token' });
  });
});
