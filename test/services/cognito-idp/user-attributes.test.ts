/**
 * A signed-in user's own attributes through amazon-cognito-identity-js (updateAttributes,
 * getAttributeVerificationCode, verifyAttribute, deleteAttributes) and SDK v3 for the refusals:
 * a changed email is unverified until the code mailed to it (over SMTP) comes back.
 */
import {
  AdminGetUserCommand,
  AdminUpdateUserAttributesCommand,
  DeleteUserAttributesCommand,
  GetUserAttributeVerificationCodeCommand,
  InitiateAuthCommand,
  UpdateUserAttributesCommand,
  UpdateUserPoolClientCommand,
  VerifyUserAttributeCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { AuthenticationDetails, CognitoUser, CognitoUserAttribute, CognitoUserPool, type CognitoUserSession } from 'amazon-cognito-identity-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, type TestServer } from '../../support/gatehouse.js';
import type { TestSmtp } from '../../support/smtp.js';
import { anonymous, codeIn, confirmedUser, createPool, errorOf, idp, PASSWORD, startPoolServer, type Pool } from './support.js';

let server: TestServer;
let smtp: TestSmtp;
let pool: Pool;
beforeAll(async () => {
  ({ server, smtp, pool } = await startPoolServer({
    Schema: [
      { Name: 'email', Required: true, Mutable: true },
      { Name: 'team', AttributeDataType: 'String', Mutable: true },
    ],
  }));
});
afterAll(() => closeAll(server, smtp));

async function signedInUser(username: string): Promise<CognitoUser> {
  await confirmedUser(server, pool, username);
  const user = new CognitoUser({ Username: username, Pool: new CognitoUserPool({ UserPoolId: pool.poolId, ClientId: pool.clientId, endpoint: server.url }) });
  await new Promise<CognitoUserSession>((resolve, reject) =>
    user.authenticateUser(new AuthenticationDetails({ Username: username, Password: PASSWORD }), { onSuccess: resolve, onFailure: reject }),
  );
  return user;
}

const attributesOf = async (username: string): Promise<Record<string, string>> =>
  Object.fromEntries(((await idp(server).send(new AdminGetUserCommand({ UserPoolId: pool.poolId, Username: username }))).UserAttributes ?? []).map((a) => [a.Name!, a.Value!]));

async function accessToken(username: string): Promise<string> {
  const r = await anonymous(server).send(new InitiateAuthCommand({ ClientId: pool.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD } }));
  return r.AuthenticationResult!.AccessToken!;
}

describe('a user changes their own attributes', () => {
  it('updates an email: unverified, a code mailed to the new address verifies it', async () => {
    const user = await signedInUser('ulla');
    const details = await new Promise<unknown>((resolve, reject) =>
      user.updateAttributes([new CognitoUserAttribute({ Name: 'email', Value: 'ulla.new@example.com' }), new CognitoUserAttribute({ Name: 'custom:team', Value: 'blue' })], (err, _result, d) =>
        err ? reject(err) : resolve(d),
      ),
    );
    expect(details).toEqual({ CodeDeliveryDetailsList: [{ AttributeName: 'email', DeliveryMedium: 'EMAIL', Destination: 'u***@e***.com' }] });
    expect(await attributesOf('ulla')).toMatchObject({ email: 'ulla.new@example.com', email_verified: 'false', 'custom:team': 'blue' });
    const mail = await smtp.waitFor('ulla.new@example.com');
    const wrong = await new Promise<Error>((resolve) => user.verifyAttribute('email', '000000', { onSuccess: () => resolve(new Error('accepted')), onFailure: resolve }));
    expect(wrong).toMatchObject({ code: 'CodeMismatchException' });
    await new Promise((resolve, reject) => user.verifyAttribute('email', codeIn(mail.text), { onSuccess: resolve, onFailure: reject }));
    expect((await attributesOf('ulla')).email_verified).toBe('true');
    // The code was used up.
    expect(await errorOf(anonymous(server).send(new VerifyUserAttributeCommand({ AccessToken: await accessToken('ulla'), AttributeName: 'email', Code: codeIn(mail.text) })))).toMatchObject({
      name: 'ExpiredCodeException',
    });
  });

  it('asks for a verification code again, and deletes an optional attribute', async () => {
    const user = await signedInUser('vik');
    const data = await new Promise<unknown>((resolve, reject) =>
      user.getAttributeVerificationCode('email', { onSuccess: () => reject(new Error('no details')), onFailure: reject, inputVerificationCode: resolve }),
    );
    expect(data).toMatchObject({ CodeDeliveryDetails: { AttributeName: 'email', DeliveryMedium: 'EMAIL', Destination: 'v***@e***.com' } });
    expect(codeIn((await smtp.waitFor('vik@example.com')).text)).toMatch(/^\d{6}$/);
    await new Promise((resolve, reject) => user.updateAttributes([new CognitoUserAttribute({ Name: 'custom:team', Value: 'red' })], (err, r) => (err ? reject(err) : resolve(r))));
    await new Promise((resolve, reject) => user.deleteAttributes(['custom:team'], (err, r) => (err ? reject(err) : resolve(r))));
    expect(await attributesOf('vik')).not.toHaveProperty('custom:team');
  });

  it('an administrator changing an email sends a code there, unless the same call marks it verified', async () => {
    await confirmedUser(server, pool, 'xena');
    const admin = idp(server);
    await admin.send(new AdminUpdateUserAttributesCommand({ UserPoolId: pool.poolId, Username: 'xena', UserAttributes: [{ Name: 'email', Value: 'xena.two@example.com' }] }));
    expect(codeIn((await smtp.waitFor('xena.two@example.com')).text)).toMatch(/^\d{6}$/);
    expect((await attributesOf('xena')).email_verified).toBe('false');
    await admin.send(
      new AdminUpdateUserAttributesCommand({
        UserPoolId: pool.poolId,
        Username: 'xena',
        UserAttributes: [
          { Name: 'email', Value: 'xena.three@example.com' },
          { Name: 'email_verified', Value: 'true' },
        ],
      }),
    );
    expect(await attributesOf('xena')).toMatchObject({ email: 'xena.three@example.com', email_verified: 'true' });
    // A message to that address would have been delivered by now (the call returns after sending).
    expect(smtp.messages.filter((m) => m.to.includes('xena.three@example.com'))).toEqual([]);
  });

  it("refuses what AWS refuses: required, unknown and server-owned attributes, other attributes to verify, a client's WriteAttributes, bad tokens", async () => {
    await confirmedUser(server, pool, 'wanda');
    const token = await accessToken('wanda');
    const c = anonymous(server);
    expect(await errorOf(c.send(new DeleteUserAttributesCommand({ AccessToken: token, UserAttributeNames: ['email'] })))).toMatchObject({ name: 'InvalidParameterException' });
    expect(await errorOf(c.send(new DeleteUserAttributesCommand({ AccessToken: token, UserAttributeNames: ['custom:nope'] })))).toMatchObject({ name: 'InvalidParameterException' });
    expect(await errorOf(c.send(new UpdateUserAttributesCommand({ AccessToken: token, UserAttributes: [{ Name: 'email_verified', Value: 'true' }] })))).toMatchObject({
      name: 'InvalidParameterException',
      message: 'Cannot modify the non-mutable attribute email_verified',
    });
    expect(await errorOf(c.send(new UpdateUserAttributesCommand({ AccessToken: token, UserAttributes: [{ Name: 'sub', Value: 'x' }] })))).toMatchObject({ name: 'InvalidParameterException' });
    expect(await errorOf(c.send(new GetUserAttributeVerificationCodeCommand({ AccessToken: token, AttributeName: 'custom:team' })))).toMatchObject({
      name: 'InvalidParameterException',
      message: 'Invalid attribute name. Only phone_number and email can be verified',
    });
    expect(await errorOf(c.send(new GetUserAttributeVerificationCodeCommand({ AccessToken: token, AttributeName: 'phone_number' })))).toMatchObject({ name: 'InvalidParameterException' });
    expect(await errorOf(c.send(new VerifyUserAttributeCommand({ AccessToken: token, AttributeName: 'email', Code: '123456' })))).toMatchObject({ name: 'ExpiredCodeException' });
    expect(await errorOf(c.send(new UpdateUserAttributesCommand({ AccessToken: `${token}x`, UserAttributes: [{ Name: 'custom:team', Value: 'x' }] })))).toMatchObject({
      name: 'NotAuthorizedException',
      message: 'Invalid Access Token',
    });
    await idp(server).send(
      new UpdateUserPoolClientCommand({
        UserPoolId: pool.poolId,
        ClientId: pool.clientId,
        ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
        WriteAttributes: ['email'],
      }),
    );
    try {
      expect(await errorOf(c.send(new UpdateUserAttributesCommand({ AccessToken: token, UserAttributes: [{ Name: 'custom:team', Value: 'x' }] })))).toMatchObject({
        name: 'NotAuthorizedException',
        message: 'A client attempted to write unauthorized attribute',
      });
    } finally {
      await idp(server).send(
        new UpdateUserPoolClientCommand({ UserPoolId: pool.poolId, ClientId: pool.clientId, ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }),
      );
    }
    expect((await attributesOf('wanda'))['custom:team']).toBeUndefined();
  });
});

describe('a pool that keeps the verified value until the new one is confirmed (AttributesRequireVerificationBeforeUpdate)', () => {
  it('holds a new email until its code comes back; an administrator may apply it verified at once', async () => {
    const held = await createPool(server, {
      PoolName: 'keep-original',
      UserAttributeUpdateSettings: { AttributesRequireVerificationBeforeUpdate: ['email'] },
    });
    const admin = idp(server);
    await confirmedUser(server, held, 'yuri');
    await admin.send(new AdminUpdateUserAttributesCommand({ UserPoolId: held.poolId, Username: 'yuri', UserAttributes: [{ Name: 'email_verified', Value: 'true' }] }));
    const attrs = async (): Promise<Record<string, string>> =>
      Object.fromEntries(((await admin.send(new AdminGetUserCommand({ UserPoolId: held.poolId, Username: 'yuri' }))).UserAttributes ?? []).map((a) => [a.Name!, a.Value!]));
    const token = (
      await anonymous(server).send(new InitiateAuthCommand({ ClientId: held.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'yuri', PASSWORD } }))
    ).AuthenticationResult!.AccessToken!;
    const c = anonymous(server);

    const out = await c.send(new UpdateUserAttributesCommand({ AccessToken: token, UserAttributes: [{ Name: 'email', Value: 'yuri.next@example.com' }] }));
    expect(out.CodeDeliveryDetailsList).toEqual([{ AttributeName: 'email', DeliveryMedium: 'EMAIL', Destination: 'y***@e***.com' }]);
    expect(await attrs()).toMatchObject({ email: 'yuri@example.com', email_verified: 'true' });
    const first = codeIn((await smtp.waitFor('yuri.next@example.com')).text);
    // Asking again sends a fresh code to the waiting address; the first one is replaced.
    await c.send(new GetUserAttributeVerificationCodeCommand({ AccessToken: token, AttributeName: 'email' }));
    const second = codeIn((await smtp.waitFor('yuri.next@example.com')).text);
    if (first !== second) {
      expect(await errorOf(c.send(new VerifyUserAttributeCommand({ AccessToken: token, AttributeName: 'email', Code: first })))).toMatchObject({ name: 'CodeMismatchException' });
    }
    await c.send(new VerifyUserAttributeCommand({ AccessToken: token, AttributeName: 'email', Code: second }));
    expect(await attrs()).toMatchObject({ email: 'yuri.next@example.com', email_verified: 'true' });

    await admin.send(
      new AdminUpdateUserAttributesCommand({
        UserPoolId: held.poolId,
        Username: 'yuri',
        UserAttributes: [
          { Name: 'email', Value: 'yuri.admin@example.com' },
          { Name: 'email_verified', Value: 'true' },
        ],
      }),
    );
    expect(await attrs()).toMatchObject({ email: 'yuri.admin@example.com', email_verified: 'true' });
    await admin.send(new AdminUpdateUserAttributesCommand({ UserPoolId: held.poolId, Username: 'yuri', UserAttributes: [{ Name: 'email', Value: 'yuri.later@example.com' }] }));
    expect(await attrs()).toMatchObject({ email: 'yuri.admin@example.com', email_verified: 'true' });
    expect(codeIn((await smtp.waitFor('yuri.later@example.com')).text)).toMatch(/^\d{6}$/);
  });
});
