/**
 * MFA settings through SDK v3 and the AWS CLI: the pool's (SetUserPoolMfaConfig,
 * GetUserPoolMfaConfig, MFA through CreateUserPool / UpdateUserPool / DescribeUserPool) and the
 * user's (SetUserMFAPreference, AdminSetUserMFAPreference, SetUserSettings,
 * AdminSetUserSettings, and what GetUser / AdminGetUser show of them).
 */
import {
  AdminGetUserCommand,
  AdminSetUserMFAPreferenceCommand,
  AdminSetUserSettingsCommand,
  AdminUpdateUserAttributesCommand,
  CreateUserPoolCommand,
  DescribeUserPoolCommand,
  GetUserCommand,
  GetUserPoolMfaConfigCommand,
  InitiateAuthCommand,
  SetUserMFAPreferenceCommand,
  SetUserPoolMfaConfigCommand,
  SetUserSettingsCommand,
  UpdateUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli } from '../../support/cli.js';
import { startServer, type TestServer } from '../../support/gatehouse.js';
import { anonymous, confirmedUser, createPool, errorOf, idp, PASSWORD, type Pool } from './support.js';

let server: TestServer;
const SMS = { SnsCallerArn: 'arn:aws:iam::000000000000:role/sms', ExternalId: 'x' };

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});

async function accessToken(pool: Pool, username: string): Promise<string> {
  const out = await anonymous(server).send(new InitiateAuthCommand({ ClientId: pool.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD } }));
  return out.AuthenticationResult!.AccessToken!;
}

describe('the pool MFA configuration', () => {
  it('CreateUserPool needs an SMS configuration to turn MFA on, as AWS', async () => {
    const c = idp(server);
    expect(await errorOf(c.send(new CreateUserPoolCommand({ PoolName: 'no-sms', MfaConfiguration: 'ON' })))).toEqual({
      name: 'InvalidParameterException',
      message: 'SMS configuration and Auto verification for phone_number are required when MFA is required/optional',
      status: 400,
    });
    const id = (await c.send(new CreateUserPoolCommand({ PoolName: 'sms', MfaConfiguration: 'OPTIONAL', SmsConfiguration: SMS, SmsAuthenticationMessage: 'Code {####}' }))).UserPool!.Id!;
    expect(await c.send(new GetUserPoolMfaConfigCommand({ UserPoolId: id }))).toMatchObject({
      MfaConfiguration: 'OPTIONAL',
      SmsMfaConfiguration: { SmsAuthenticationMessage: 'Code {####}', SmsConfiguration: SMS },
      SoftwareTokenMfaConfiguration: { Enabled: false },
    });
  });

  it('SetUserPoolMfaConfig sets every factor, validates the whole, and DescribeUserPool agrees', async () => {
    const c = idp(server);
    const { poolId } = await createPool(server);
    expect(await c.send(new GetUserPoolMfaConfigCommand({ UserPoolId: poolId }))).toMatchObject({ MfaConfiguration: 'OFF', SoftwareTokenMfaConfiguration: { Enabled: false } });

    expect(await errorOf(c.send(new SetUserPoolMfaConfigCommand({ UserPoolId: poolId, MfaConfiguration: 'ON' })))).toEqual({
      name: 'InvalidParameterException',
      message: "Invalid MFA configuration given, can't disable all MFAs with a required or optional configuration.",
      status: 400,
    });
    expect(await errorOf(c.send(new SetUserPoolMfaConfigCommand({ UserPoolId: poolId, MfaConfiguration: 'OFF', SoftwareTokenMfaConfiguration: { Enabled: true } })))).toEqual({
      name: 'InvalidParameterException',
      message: "Invalid MFA configuration given, can't turn off MFA and configure an MFA together.",
      status: 400,
    });
    // Neither failure changed anything.
    expect((await c.send(new DescribeUserPoolCommand({ UserPoolId: poolId }))).UserPool!.MfaConfiguration).toBe('OFF');

    const set = await c.send(
      new SetUserPoolMfaConfigCommand({
        UserPoolId: poolId,
        MfaConfiguration: 'ON',
        SoftwareTokenMfaConfiguration: { Enabled: true },
        EmailMfaConfiguration: { Message: 'Sign-in code {####}', Subject: 'Your code' },
        SmsMfaConfiguration: { SmsAuthenticationMessage: 'SMS code {####}', SmsConfiguration: SMS },
      }),
    );
    expect(set).toMatchObject({
      MfaConfiguration: 'ON',
      SoftwareTokenMfaConfiguration: { Enabled: true },
      EmailMfaConfiguration: { Message: 'Sign-in code {####}', Subject: 'Your code' },
      SmsMfaConfiguration: { SmsAuthenticationMessage: 'SMS code {####}', SmsConfiguration: SMS },
    });
    expect(await c.send(new GetUserPoolMfaConfigCommand({ UserPoolId: poolId }))).toMatchObject({ MfaConfiguration: 'ON', SoftwareTokenMfaConfiguration: { Enabled: true } });
    const described = (await c.send(new DescribeUserPoolCommand({ UserPoolId: poolId }))).UserPool!;
    expect(described).toMatchObject({ MfaConfiguration: 'ON', SmsAuthenticationMessage: 'SMS code {####}', SmsConfiguration: SMS });
    expect(described).not.toHaveProperty('MfaFactors');

    // TOTP only: SMS and email, left out, are off.
    const totp = await c.send(new SetUserPoolMfaConfigCommand({ UserPoolId: poolId, MfaConfiguration: 'OPTIONAL', SoftwareTokenMfaConfiguration: { Enabled: true } }));
    expect(totp).toEqual(expect.objectContaining({ MfaConfiguration: 'OPTIONAL', SoftwareTokenMfaConfiguration: { Enabled: true } }));
    expect(totp.SmsMfaConfiguration).toBeUndefined();
    expect(totp.EmailMfaConfiguration).toBeUndefined();

    // UpdateUserPool cannot express TOTP, so it keeps it; MFA itself resets to the given value.
    await c.send(new UpdateUserPoolCommand({ UserPoolId: poolId, MfaConfiguration: 'ON', AutoVerifiedAttributes: ['email'] }));
    expect(await c.send(new GetUserPoolMfaConfigCommand({ UserPoolId: poolId }))).toMatchObject({ MfaConfiguration: 'ON', SoftwareTokenMfaConfiguration: { Enabled: true } });
    await c.send(new UpdateUserPoolCommand({ UserPoolId: poolId, AutoVerifiedAttributes: ['email'] }));
    expect((await c.send(new GetUserPoolMfaConfigCommand({ UserPoolId: poolId }))).MfaConfiguration).toBe('OFF');

    expect(await errorOf(c.send(new GetUserPoolMfaConfigCommand({ UserPoolId: 'us-east-1_nope' })))).toMatchObject({ name: 'ResourceNotFoundException' });
  });
});

describe('a user’s MFA preference', () => {
  let pool: Pool;
  beforeAll(async () => {
    pool = await createPool(server, { MfaConfiguration: 'OPTIONAL', SmsConfiguration: SMS });
    await idp(server).send(new SetUserPoolMfaConfigCommand({ UserPoolId: pool.poolId, MfaConfiguration: 'OPTIONAL', SmsMfaConfiguration: {}, EmailMfaConfiguration: {}, SoftwareTokenMfaConfiguration: { Enabled: true } }));
    await confirmedUser(server, pool, 'mia');
    await confirmedUser(server, pool, 'noah');
  });

  it('SetUserMFAPreference refuses factors the user cannot use, with AWS messages', async () => {
    const token = await accessToken(pool, 'mia');
    const c = anonymous(server);
    expect(await errorOf(c.send(new SetUserMFAPreferenceCommand({ AccessToken: token, SMSMfaSettings: { Enabled: true } })))).toEqual({
      name: 'InvalidParameterException',
      message: 'User does not have delivery config set to turn on SMS_MFA',
      status: 400,
    });
    expect(await errorOf(c.send(new SetUserMFAPreferenceCommand({ AccessToken: token, SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true } })))).toEqual({
      name: 'InvalidParameterException',
      message: 'User has not set up software token mfa',
      status: 400,
    });
    expect(await errorOf(c.send(new SetUserMFAPreferenceCommand({ AccessToken: 'not-a-token', EmailMfaSettings: { Enabled: true } })))).toMatchObject({ name: 'NotAuthorizedException', message: 'Invalid Access Token' });
    const user = await c.send(new GetUserCommand({ AccessToken: token }));
    expect(user.UserMFASettingList).toBeUndefined();
    expect(user.PreferredMfaSetting).toBeUndefined();
  });

  it('SetUserMFAPreference turns email MFA on as preferred; GetUser and AdminGetUser show it', async () => {
    const token = await accessToken(pool, 'mia');
    await anonymous(server).send(new SetUserMFAPreferenceCommand({ AccessToken: token, EmailMfaSettings: { Enabled: true, PreferredMfa: true } }));
    expect(await anonymous(server).send(new GetUserCommand({ AccessToken: token }))).toMatchObject({ UserMFASettingList: ['EMAIL_OTP'], PreferredMfaSetting: 'EMAIL_OTP' });
    const admin = await idp(server).send(new AdminGetUserCommand({ UserPoolId: pool.poolId, Username: 'mia' }));
    expect(admin).toMatchObject({ UserMFASettingList: ['EMAIL_OTP'], PreferredMfaSetting: 'EMAIL_OTP' });
    expect(admin.MFAOptions).toBeUndefined();
    // Not preferred any more, still on.
    await anonymous(server).send(new SetUserMFAPreferenceCommand({ AccessToken: token, EmailMfaSettings: { Enabled: true, PreferredMfa: false } }));
    const after = await anonymous(server).send(new GetUserCommand({ AccessToken: token }));
    expect(after.UserMFASettingList).toEqual(['EMAIL_OTP']);
    expect(after.PreferredMfaSetting).toBeUndefined();
  });

  it('AdminSetUserMFAPreference and the legacy settings turn SMS MFA on and off', async () => {
    const c = idp(server);
    await c.send(new AdminUpdateUserAttributesCommand({ UserPoolId: pool.poolId, Username: 'noah', UserAttributes: [{ Name: 'phone_number', Value: '+15555550100' }] }));
    await c.send(new AdminSetUserMFAPreferenceCommand({ UserPoolId: pool.poolId, Username: 'noah', SMSMfaSettings: { Enabled: true, PreferredMfa: true } }));
    expect(await c.send(new AdminGetUserCommand({ UserPoolId: pool.poolId, Username: 'noah' }))).toMatchObject({
      UserMFASettingList: ['SMS_MFA'],
      PreferredMfaSetting: 'SMS_MFA',
      MFAOptions: [{ DeliveryMedium: 'SMS', AttributeName: 'phone_number' }],
    });
    await c.send(new AdminSetUserSettingsCommand({ UserPoolId: pool.poolId, Username: 'noah', MFAOptions: [] }));
    const off = await c.send(new AdminGetUserCommand({ UserPoolId: pool.poolId, Username: 'noah' }));
    expect([off.UserMFASettingList, off.PreferredMfaSetting, off.MFAOptions]).toEqual([undefined, undefined, undefined]);
    expect(await errorOf(c.send(new AdminSetUserMFAPreferenceCommand({ UserPoolId: pool.poolId, Username: 'nobody', SMSMfaSettings: { Enabled: true } })))).toEqual({
      name: 'UserNotFoundException',
      message: 'User does not exist.',
      status: 400,
    });
  });

  it('SetUserSettings with an access token turns SMS MFA on for a user with a phone number', async () => {
    const c = idp(server);
    await confirmedUser(server, pool, 'olga');
    await c.send(new AdminUpdateUserAttributesCommand({ UserPoolId: pool.poolId, Username: 'olga', UserAttributes: [{ Name: 'phone_number', Value: '+15555550101' }] }));
    const token = await accessToken(pool, 'olga');
    expect(await errorOf(anonymous(server).send(new SetUserSettingsCommand({ AccessToken: token, MFAOptions: [{ DeliveryMedium: 'EMAIL', AttributeName: 'email' }] })))).toMatchObject({ name: 'InvalidParameterException' });
    await anonymous(server).send(new SetUserSettingsCommand({ AccessToken: token, MFAOptions: [{ DeliveryMedium: 'SMS', AttributeName: 'phone_number' }] }));
    expect(await anonymous(server).send(new GetUserCommand({ AccessToken: token }))).toMatchObject({ UserMFASettingList: ['SMS_MFA'], MFAOptions: [{ DeliveryMedium: 'SMS', AttributeName: 'phone_number' }] });
  });
});

describe('the AWS CLI', () => {
  it('sets and reads the pool MFA configuration and a user’s preference', async () => {
    const cli = async (args: string[]): Promise<Record<string, unknown>> => {
      const r = await awsCli(server.url, server.credentials, ['cognito-idp', ...args]);
      if (r.code !== 0) throw new Error(`aws ${args.join(' ')} failed: ${r.stderr}`);
      return r.stdout.trim() === '' ? {} : (JSON.parse(r.stdout) as Record<string, unknown>);
    };
    const pool = await createPool(server);
    const set = await cli(['set-user-pool-mfa-config', '--user-pool-id', pool.poolId, '--mfa-configuration', 'OPTIONAL', '--software-token-mfa-configuration', 'Enabled=true', '--email-mfa-configuration', 'Message="Code {####}",Subject=Code']);
    expect(set).toMatchObject({ MfaConfiguration: 'OPTIONAL', SoftwareTokenMfaConfiguration: { Enabled: true }, EmailMfaConfiguration: { Message: 'Code {####}', Subject: 'Code' } });
    expect(await cli(['get-user-pool-mfa-config', '--user-pool-id', pool.poolId])).toMatchObject({ MfaConfiguration: 'OPTIONAL' });
    await confirmedUser(server, pool, 'pia');
    await cli(['admin-set-user-mfa-preference', '--user-pool-id', pool.poolId, '--username', 'pia', '--email-mfa-settings', 'Enabled=true,PreferredMfa=true']);
    expect(await cli(['admin-get-user', '--user-pool-id', pool.poolId, '--username', 'pia'])).toMatchObject({ UserMFASettingList: ['EMAIL_OTP'], PreferredMfaSetting: 'EMAIL_OTP' });
    // Four CLI runs: each starts a Python interpreter, seconds apiece on a loaded machine.
  }, 180_000);
});
