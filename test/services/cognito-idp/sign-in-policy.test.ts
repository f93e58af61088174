/**
 * SignInPolicy through SDK v3 (CreateUserPool, UpdateUserPool, DescribeUserPool): the password
 * must stay a first factor, other factors need the Essentials tier or higher, and nothing is
 * written when the policy is refused.
 */
import { CreateUserPoolCommand, DescribeUserPoolCommand, UpdateUserPoolCommand } from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../../support/gatehouse.js';
import { errorOf, idp } from './support.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.close();
});

describe('SignInPolicy', () => {
  it('keeps PASSWORD among the first factors and passwordless sign-in out of the Lite tier', async () => {
    const c = idp(server);
    const create = (AllowedFirstAuthFactors: ('PASSWORD' | 'EMAIL_OTP' | 'SMS_OTP' | 'WEB_AUTHN')[], UserPoolTier?: 'LITE' | 'ESSENTIALS' | 'PLUS') =>
      c.send(new CreateUserPoolCommand({ PoolName: 'policy', Policies: { SignInPolicy: { AllowedFirstAuthFactors } }, ...(UserPoolTier === undefined ? {} : { UserPoolTier }) }));
    expect(await errorOf(create(['EMAIL_OTP']))).toMatchObject({ name: 'InvalidParameterException', message: 'AllowedFirstAuthFactors must include PASSWORD.', status: 400 });
    expect(await errorOf(create(['PASSWORD', 'WEB_AUTHN'], 'LITE'))).toMatchObject({ name: 'FeatureUnavailableInTierException', status: 400 });
    expect((await create(['PASSWORD'], 'LITE')).UserPool!.Policies!.SignInPolicy).toEqual({ AllowedFirstAuthFactors: ['PASSWORD'] });

    const pool = (await create(['PASSWORD', 'EMAIL_OTP'])).UserPool!;
    expect(pool.UserPoolTier).toBe('ESSENTIALS');
    expect(await errorOf(c.send(new UpdateUserPoolCommand({ UserPoolId: pool.Id!, Policies: { SignInPolicy: { AllowedFirstAuthFactors: ['WEB_AUTHN', 'EMAIL_OTP'] } } })))).toMatchObject({ name: 'InvalidParameterException' });
    // Refused: nothing changed.
    expect((await c.send(new DescribeUserPoolCommand({ UserPoolId: pool.Id! }))).UserPool!.Policies!.SignInPolicy).toEqual({ AllowedFirstAuthFactors: ['PASSWORD', 'EMAIL_OTP'] });
    await c.send(new UpdateUserPoolCommand({ UserPoolId: pool.Id!, Policies: { SignInPolicy: { AllowedFirstAuthFactors: ['PASSWORD', 'SMS_OTP', 'WEB_AUTHN'] } } }));
    expect((await c.send(new DescribeUserPoolCommand({ UserPoolId: pool.Id! }))).UserPool!.Policies!.SignInPolicy).toEqual({ AllowedFirstAuthFactors: ['PASSWORD', 'SMS_OTP', 'WEB_AUTHN'] });
  });
});
