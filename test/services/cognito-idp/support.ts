/**
 * Helpers for user-pool tests: SDK v3 admin client, the seed-style pool and client, users
 * signed up and confirmed through the API, raw JSON 1.1 calls for bad input, and errors as
 * the SDK reports them.
 */
import {
  AdminConfirmSignUpCommand,
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  SignUpCommand,
  type CreateUserPoolClientCommandInput,
  type CreateUserPoolCommandInput,
} from '@aws-sdk/client-cognito-identity-provider';
import { JwtRsaVerifier } from 'aws-jwt-verify';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { REGION, startServerWithSmtp, type TestServer } from '../../support/gatehouse.js';
import type { TestSmtp } from '../../support/smtp.js';
export { errorOf, type CaughtError } from '../../support/errors.js';

export const PASSWORD = 'Corr3ct-Horse!';

export function idp(server: TestServer): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({ endpoint: server.url, region: REGION, credentials: server.credentials });
}

/** Public operations need no credentials; this client signs nothing it need not. */
export function anonymous(server: TestServer): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({ endpoint: server.url, region: REGION, credentials: { accessKeyId: 'AKIAUNUSEDUNUSED0000', secretAccessKey: 'unused-unused-unused-unused' } });
}

export interface Pool {
  poolId: string;
  clientId: string;
  clientSecret?: string;
}

/** The seed's pool: console defaults (email required and auto-verified), a client without secret. */
export async function createPool(
  server: TestServer,
  pool: Partial<CreateUserPoolCommandInput> = {},
  client: Partial<CreateUserPoolClientCommandInput> = {},
): Promise<Pool> {
  const c = idp(server);
  const created = await c.send(
    new CreateUserPoolCommand({
      PoolName: 'seed-pool',
      AutoVerifiedAttributes: ['email'],
      Schema: [{ Name: 'email', Required: true, Mutable: true }],
      ...pool,
    }),
  );
  const poolId = created.UserPool!.Id!;
  const app = await c.send(
    new CreateUserPoolClientCommand({
      UserPoolId: poolId,
      ClientName: 'seed-app',
      ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_ADMIN_USER_PASSWORD_AUTH'],
      ...client,
    }),
  );
  return { poolId, clientId: app.UserPoolClient!.ClientId!, ...(app.UserPoolClient!.ClientSecret === undefined ? {} : { clientSecret: app.UserPoolClient!.ClientSecret }) };
}

/** Signs a user up through the public API and confirms them as an administrator. */
export async function confirmedUser(server: TestServer, pool: Pool, username: string, email = `${username}@example.com`, password = PASSWORD): Promise<string> {
  const out = await anonymous(server).send(
    new SignUpCommand({ ClientId: pool.clientId, Username: username, Password: password, UserAttributes: [{ Name: 'email', Value: email }] }),
  );
  await idp(server).send(new AdminConfirmSignUpCommand({ UserPoolId: pool.poolId, Username: username }));
  return out.UserSub!;
}


/** A raw, unsigned JSON 1.1 call, for input no SDK would send. */
export async function raw(server: TestServer, op: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${op}` },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** The six-digit code in a message. */
export function codeIn(text: string): string {
  const m = /\b(\d{6})\b/.exec(text);
  if (m === null) throw new Error(`no code in message: ${text}`);
  return m[1]!;
}

/**
 * aws-jwt-verify's verifier for a pool, pointed at Gatehouse's issuer and JWKS. Its own
 * fetcher speaks only https; tests serve http, so the JWKS is fetched with fetch() instead
 * (the verification itself is the library's).
 */
export function jwtVerifier(server: TestServer, poolId: string, audience: string | null, tokenUse?: 'id' | 'access') {
  const jwksCache = new SimpleJwksCache({
    fetcher: { fetch: async (uri: string) => (await fetch(uri)).arrayBuffer() },
  });
  return JwtRsaVerifier.create(
    {
      issuer: `${server.url}/${poolId}`,
      jwksUri: `${server.url}/${poolId}/.well-known/jwks.json`,
      audience,
      ...(tokenUse === undefined ? {} : { customJwtCheck: ({ payload }: { payload: Record<string, unknown> }) => {
        if (payload.token_use !== tokenUse) throw new Error(`token_use is ${String(payload.token_use)}`);
      } }),
    },
    { jwksCache },
  );
}

/** A server mailing over SMTP to a test server, with a seed-style pool and client. */
export async function startPoolServer(pool: Partial<CreateUserPoolCommandInput> = {}): Promise<{ server: TestServer; smtp: TestSmtp; pool: Pool }> {
  const { server, smtp } = await startServerWithSmtp();
  return { server, smtp, pool: await createPool(server, pool) };
}
