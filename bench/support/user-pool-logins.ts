/**
 * Makes a User Pool with an app client and `n` confirmed users, and signs each in for an ID
 * token — the Logins value apps send to Identity Pools. Uses the admin API so that setting up
 * hundreds of users is quick; the tokens are the same ones SRP sign-in returns.
 */
import {
  AdminCreateUserCommand,
  AdminInitiateAuthCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { ROOT } from './server.js';

export interface UserPoolLogins {
  /** `cognito-idp.<region>.amazonaws.com/<userPoolId>`, the Logins key. */
  providerName: string;
  userPoolId: string;
  clientId: string;
  idTokens: string[];
}

export async function userPoolLogins(url: string, n: number, region = 'us-east-1'): Promise<UserPoolLogins> {
  const idp = new CognitoIdentityProviderClient({ endpoint: url, region, credentials: ROOT });
  const pool = await idp.send(new CreateUserPoolCommand({ PoolName: 'bench-users' }));
  const userPoolId = pool.UserPool!.Id!;
  const client = await idp.send(new CreateUserPoolClientCommand({ UserPoolId: userPoolId, ClientName: 'bench-app', ExplicitAuthFlows: ['ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }));
  const clientId = client.UserPoolClient!.ClientId!;
  const password = 'Bench-passw0rd!';
  const idTokens: string[] = [];
  for (let i = 0; i < n; i += 8) {
    const batch = Array.from({ length: Math.min(8, n - i) }, (_, j) => `user${i + j}`);
    idTokens.push(
      ...(await Promise.all(
        batch.map(async (Username) => {
          await idp.send(new AdminCreateUserCommand({ UserPoolId: userPoolId, Username, MessageAction: 'SUPPRESS' }));
          await idp.send(new AdminSetUserPasswordCommand({ UserPoolId: userPoolId, Username, Password: password, Permanent: true }));
          const auth = await idp.send(new AdminInitiateAuthCommand({ UserPoolId: userPoolId, ClientId: clientId, AuthFlow: 'ADMIN_USER_PASSWORD_AUTH', AuthParameters: { USERNAME: Username, PASSWORD: password } }));
          return auth.AuthenticationResult!.IdToken!;
        }),
      )),
    );
  }
  return { providerName: `cognito-idp.${region}.amazonaws.com/${userPoolId}`, userPoolId, clientId, idTokens };
}
