/**
 * Input no SDK would send, straight over HTTP: every case gets AWS's error shape and code,
 * and a rejected request changes nothing.
 */
import { AdminConfirmSignUpCommand, AdminGetUserCommand, ListUsersCommand } from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../../support/gatehouse.js';
import { createPool, errorOf, idp, PASSWORD, raw, type Pool } from './support.js';

let server: TestServer;
let pool: Pool;
beforeAll(async () => {
  server = await startServer();
  pool = await createPool(server);
});
afterAll(async () => {
  await server.close();
});

describe('malformed requests', () => {
  it('answers broken JSON and wrong types with SerializationException', async () => {
    let r = await raw(server, 'SignUp', '{"ClientId": ');
    expect(r).toMatchObject({ status: 400, json: { __type: 'SerializationException' } });
    r = await raw(server, 'SignUp', { ClientId: 42, Username: 'x', Password: PASSWORD });
    expect(r).toMatchObject({ status: 400, json: { __type: 'SerializationException' } });
    r = await raw(server, 'SignUp', { ClientId: pool.clientId, Username: 'x', Password: PASSWORD, UserAttributes: { Name: 'email' } });
    expect(r).toMatchObject({ status: 400, json: { __type: 'SerializationException' } });
  });

  it('answers missing and out-of-pattern members with InvalidParameterException in AWS wording', async () => {
    let r = await raw(server, 'SignUp', { Username: 'x', Password: PASSWORD });
    expect(r.json).toEqual({ __type: 'InvalidParameterException', message: "1 validation error detected: Value null at 'clientId' failed to satisfy constraint: Member must not be null" });
    r = await raw(server, 'ConfirmSignUp', { ClientId: pool.clientId, Username: 'has space', ConfirmationCode: '123456' });
    expect(r.json.__type).toBe('InvalidParameterException');
    r = await raw(server, 'InitiateAuth', { ClientId: pool.clientId, AuthFlow: 'USER_SRP_AUTH' });
    expect(r.json).toEqual({ __type: 'InvalidParameterException', message: 'Missing required parameter USERNAME' });
    r = await raw(server, 'InitiateAuth', { ClientId: pool.clientId, AuthFlow: 'USER_SRP_AUTH', AuthParameters: { USERNAME: 'x' } });
    expect(r.json).toEqual({ __type: 'InvalidParameterException', message: 'Missing required parameter SRP_A' });
    r = await raw(server, 'RespondToAuthChallenge', { ClientId: pool.clientId, ChallengeName: 'PASSWORD_VERIFIER', ChallengeResponses: { USERNAME: 'x' } });
    expect(r.json).toEqual({ __type: 'InvalidParameterException', message: 'Missing required parameter PASSWORD_CLAIM_SECRET_BLOCK' });
    r = await raw(server, 'GetTokensFromRefreshToken', { ClientId: pool.clientId, RefreshToken: 'bm8tc3VjaC1yZWZyZXNoLXRva2Vu' });
    expect(r.json).toEqual({ __type: 'NotAuthorizedException', message: 'Invalid Refresh Token' });
    r = await raw(server, 'GetUser', { AccessToken: 'x' });
    expect(r.json).toEqual({ __type: 'NotAuthorizedException', message: 'Invalid Access Token' });
  });

  it('answers unknown and unimplemented operations as the edge does', async () => {
    let r = await raw(server, 'NoSuchOperation', {});
    expect(r).toMatchObject({ status: 400, json: { __type: 'UnknownOperationException' } });
    r = await raw(server, 'UpdateAuthEventFeedback', { UserPoolId: pool.poolId, Username: 'x', EventId: 'e', FeedbackToken: 't', FeedbackValue: 'Valid' });
    expect(r).toMatchObject({ status: 501, json: { __type: 'NotImplementedException' } });
    // CUSTOM_AUTH works with the Define/Create/Verify triggers (test/services/lambda/custom-auth.test.ts); without them, AWS's answer.
    r = await raw(server, 'InitiateAuth', { ClientId: pool.clientId, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: 'x' } });
    expect(r).toMatchObject({ status: 400, json: { __type: 'InvalidParameterException' } });
  });

  it('writes nothing when a sign-up is refused', async () => {
    for (const body of [
      { ClientId: pool.clientId, Username: 'partial', Password: 'weak', UserAttributes: [{ Name: 'email', Value: 'p@example.com' }] },
      { ClientId: pool.clientId, Username: 'partial', Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: 'p@example.com' }, { Name: 'custom:nope', Value: 'x' }] },
      { ClientId: pool.clientId, Username: 'partial', Password: PASSWORD },
    ]) {
      expect((await raw(server, 'SignUp', body)).status).toBe(400);
    }
    expect(await errorOf(idp(server).send(new AdminGetUserCommand({ UserPoolId: pool.poolId, Username: 'partial' })))).toMatchObject({ name: 'UserNotFoundException' });
    expect((await idp(server).send(new ListUsersCommand({ UserPoolId: pool.poolId }))).Users).toEqual([]);
    expect((await (await fetch(`${server.url}/_gatehouse/outbox?to=p@example.com`)).json()) as unknown).toEqual({ messages: [] });
  });

  it('answers a sign-up on a pool that allows only administrators with NotAuthorizedException', async () => {
    const closed = await createPool(server, { AdminCreateUserConfig: { AllowAdminCreateUserOnly: true } });
    const r = await raw(server, 'SignUp', { ClientId: closed.clientId, Username: 'walkin', Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: 'w@example.com' }] });
    expect(r.json).toEqual({ __type: 'NotAuthorizedException', message: 'SignUp is not permitted for this user pool' });
  });

  it('answers sign-in on a pool that requires MFA with a challenge, never tokens', async () => {
    const mfa = await createPool(server, { MfaConfiguration: 'ON', SmsConfiguration: { SnsCallerArn: 'arn:aws:iam::000000000000:role/sms' } });
    await raw(server, 'SignUp', { ClientId: mfa.clientId, Username: 'mfauser', Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: 'm@example.com' }] });
    await idp(server).send(new AdminConfirmSignUpCommand({ UserPoolId: mfa.poolId, Username: 'mfauser' }));
    const r = await raw(server, 'InitiateAuth', { ClientId: mfa.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'mfauser', PASSWORD } });
    // No phone number to text and no other factor: the user must set one up.
    expect(r).toMatchObject({ status: 200, json: { ChallengeName: 'MFA_SETUP', ChallengeParameters: { MFAS_CAN_SETUP: '["SMS_MFA"]' } } });
    expect(r.json.AuthenticationResult).toBeUndefined();
  });
});
