/**
 * Remembered devices: NewDeviceMetadata on a pool with DeviceConfiguration, ConfirmDevice as
 * amazon-cognito-identity-js sends it after its own sign-in (device SRP verifier), then its
 * listDevices / getDevice / setDeviceStatusRemembered / setDeviceStatusNotRemembered /
 * forgetDevice, and the Admin* forms through SDK v3. Attacks: another user's device key, a
 * second ConfirmDevice, a forgotten device.
 */
import {
  AdminDeleteUserCommand,
  AdminForgetDeviceCommand,
  DeleteUserPoolCommand,
  AdminGetDeviceCommand,
  AdminListDevicesCommand,
  AdminUpdateDeviceStatusCommand,
  ConfirmDeviceCommand,
  GetDeviceCommand,
  InitiateAuthCommand,
  UpdateDeviceStatusCommand,
  type DeviceType,
} from '@aws-sdk/client-cognito-identity-provider';
import Database from 'better-sqlite3';
import path from 'node:path';
import { AuthenticationDetails, CognitoUser, CognitoUserPool } from 'amazon-cognito-identity-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../../support/gatehouse.js';
import { anonymous, confirmedUser, createPool, errorOf, idp, PASSWORD, type Pool } from './support.js';

let server: TestServer;
let onPrompt: Pool;
let always: Pool;
let untracked: Pool;

beforeAll(async () => {
  server = await startServer();
  onPrompt = await createPool(server, { DeviceConfiguration: { ChallengeRequiredOnNewDevice: false, DeviceOnlyRememberedOnUserPrompt: true } });
  always = await createPool(server, { DeviceConfiguration: { ChallengeRequiredOnNewDevice: false, DeviceOnlyRememberedOnUserPrompt: false } });
  untracked = await createPool(server);
});
afterAll(async () => {
  await server?.close();
});

const signIn = (p: Pool, USERNAME: string) =>
  anonymous(server).send(new InitiateAuthCommand({ ClientId: p.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME, PASSWORD } }));

const attr = (d: DeviceType | undefined, name: string): string | undefined => d?.DeviceAttributes?.find((a) => a.Name === name)?.Value;

/** identity-js' callback API as promises. */
function cb<T>(run: (callbacks: { onSuccess: (r: T) => void; onFailure: (e: Error) => void }) => void): Promise<T> {
  return new Promise((resolve, reject) => run({ onSuccess: resolve, onFailure: reject }));
}

describe('amazon-cognito-identity-js with device tracking', () => {
  it('confirms the new device after SRP sign-in, lists, remembers, reads and forgets it', async () => {
    await confirmedUser(server, onPrompt, 'dora');
    const user = new CognitoUser({ Username: 'dora', Pool: new CognitoUserPool({ UserPoolId: onPrompt.poolId, ClientId: onPrompt.clientId, endpoint: server.url }) });
    const confirmation = await new Promise<boolean | undefined>((resolve, reject) =>
      user.authenticateUser(new AuthenticationDetails({ Username: 'dora', Password: PASSWORD }), {
        onSuccess: (_session, userConfirmationNecessary) => resolve(userConfirmationNecessary),
        onFailure: reject,
      }),
    );
    // DeviceOnlyRememberedOnUserPrompt: the app must ask the user, then call UpdateDeviceStatus.
    expect(confirmation).toBe(true);
    user.getCachedDeviceKeyAndPassword();
    const region = onPrompt.poolId.split('_')[0]!;
    const deviceKey = (user as unknown as { deviceKey: string }).deviceKey;
    expect(deviceKey).toMatch(new RegExp(`^${region}_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`));

    const listed = await cb<{ Devices: DeviceType[] }>((c) => user.listDevices(10, null, c));
    expect(listed.Devices).toHaveLength(1);
    expect(listed.Devices[0]!.DeviceKey).toBe(deviceKey);
    expect(attr(listed.Devices[0], 'dev:device_remembered_status')).toBe('not_remembered');
    expect(attr(listed.Devices[0], 'device_status')).toBe('valid');
    expect(attr(listed.Devices[0], 'device_name')).toEqual(expect.any(String));
    expect(attr(listed.Devices[0], 'last_ip_used')).toEqual(expect.any(String));
    expect(listed.Devices[0]!.DeviceCreateDate).toBeDefined();

    await cb((c) => user.setDeviceStatusRemembered(c));
    // The typings say string; the library passes GetDevice's response.
    const got = (await cb<string>((c) => user.getDevice(c))) as unknown as { Device: DeviceType };
    expect(attr(got.Device, 'dev:device_remembered_status')).toBe('remembered');
    await cb((c) => user.setDeviceStatusNotRemembered(c));
    expect(attr(((await cb<string>((c) => user.getDevice(c))) as unknown as { Device: DeviceType }).Device, 'dev:device_remembered_status')).toBe('not_remembered');

    // Signing in again from the remembered device: no new device, its date moves.
    const again = new CognitoUser({ Username: 'dora', Pool: new CognitoUserPool({ UserPoolId: onPrompt.poolId, ClientId: onPrompt.clientId, endpoint: server.url }) });
    server.gatehouse.clock.advance(5_000);
    await new Promise((resolve, reject) => again.authenticateUser(new AuthenticationDetails({ Username: 'dora', Password: PASSWORD }), { onSuccess: resolve, onFailure: reject }));
    const after = (await cb<{ Devices: DeviceType[] }>((c) => user.listDevices(10, null, c))).Devices;
    expect(after.map((d) => d.DeviceKey)).toEqual([deviceKey]);
    // identity-js passes the JSON as it came: dates are epoch seconds.
    expect(Number(after[0]!.DeviceLastAuthenticatedDate)).toBeGreaterThan(Number(listed.Devices[0]!.DeviceLastAuthenticatedDate));

    await cb((c) => user.forgetDevice(c));
    expect((await cb<{ Devices: DeviceType[] }>((c) => user.listDevices(10, null, c))).Devices).toEqual([]);
  });
});

describe('ConfirmDevice and the device operations through SDK v3', () => {
  it('gives no NewDeviceMetadata on a pool without DeviceConfiguration', async () => {
    await confirmedUser(server, untracked, 'uli');
    expect((await signIn(untracked, 'uli')).AuthenticationResult!.NewDeviceMetadata).toBeUndefined();
  });

  it('remembers at once when the pool does not wait for the user, once only', async () => {
    await confirmedUser(server, always, 'ada');
    const r = (await signIn(always, 'ada')).AuthenticationResult!;
    const { DeviceKey, DeviceGroupKey } = r.NewDeviceMetadata!;
    expect(DeviceGroupKey).toEqual(expect.any(String));
    const c = anonymous(server);
    const verifier = { PasswordVerifier: Buffer.from('ab'.repeat(64), 'hex').toString('base64'), Salt: Buffer.from('cd'.repeat(16), 'hex').toString('base64') };
    // Not listed before it is confirmed.
    expect((await idp(server).send(new AdminListDevicesCommand({ UserPoolId: always.poolId, Username: 'ada' }))).Devices).toEqual([]);
    expect(await errorOf(c.send(new ConfirmDeviceCommand({ AccessToken: r.AccessToken!, DeviceKey: DeviceKey! })))).toMatchObject({ name: 'InvalidParameterException' });
    expect(await c.send(new ConfirmDeviceCommand({ AccessToken: r.AccessToken!, DeviceKey: DeviceKey!, DeviceName: 'laptop', DeviceSecretVerifierConfig: verifier }))).toMatchObject({ UserConfirmationNecessary: false });
    // A confirmed device's verifier is never replaced.
    expect(await errorOf(c.send(new ConfirmDeviceCommand({ AccessToken: r.AccessToken!, DeviceKey: DeviceKey!, DeviceSecretVerifierConfig: verifier })))).toMatchObject({ name: 'NotAuthorizedException' });

    const admin = idp(server);
    const got = (await admin.send(new AdminGetDeviceCommand({ UserPoolId: always.poolId, Username: 'ada', DeviceKey: DeviceKey! }))).Device;
    expect(attr(got, 'device_name')).toBe('laptop');
    expect(attr(got, 'dev:device_remembered_status')).toBe('remembered');
    await admin.send(new AdminUpdateDeviceStatusCommand({ UserPoolId: always.poolId, Username: 'ada', DeviceKey: DeviceKey!, DeviceRememberedStatus: 'not_remembered' }));
    const listed = (await admin.send(new AdminListDevicesCommand({ UserPoolId: always.poolId, Username: 'ada', Limit: 5 }))).Devices!;
    expect(listed.map((d) => [d.DeviceKey, attr(d, 'dev:device_remembered_status')])).toEqual([[DeviceKey, 'not_remembered']]);

    await admin.send(new AdminForgetDeviceCommand({ UserPoolId: always.poolId, Username: 'ada', DeviceKey: DeviceKey! }));
    const gone = { name: 'ResourceNotFoundException', message: 'Device does not exist.' };
    expect(await errorOf(admin.send(new AdminGetDeviceCommand({ UserPoolId: always.poolId, Username: 'ada', DeviceKey: DeviceKey! })))).toMatchObject(gone);
    expect(await errorOf(c.send(new GetDeviceCommand({ AccessToken: r.AccessToken!, DeviceKey: DeviceKey! })))).toMatchObject(gone);
    expect(await errorOf(admin.send(new AdminForgetDeviceCommand({ UserPoolId: always.poolId, Username: 'ada', DeviceKey: DeviceKey! })))).toMatchObject(gone);
  });

  it('deletes a user\'s devices with the user, and a pool\'s with the pool', async () => {
    const rows = (poolId: string): number => {
      const db = new Database(path.join(server.dataDir, 'gatehouse.db'), { readonly: true });
      try {
        return (db.prepare('SELECT COUNT(*) AS n FROM cognito_idp_devices WHERE pool_id = ?').get(poolId) as { n: number }).n;
      } finally {
        db.close();
      }
    };
    const pool = await createPool(server, { DeviceConfiguration: { ChallengeRequiredOnNewDevice: false, DeviceOnlyRememberedOnUserPrompt: false } });
    for (const name of ['leaver', 'stayer']) {
      await confirmedUser(server, pool, name);
      await signIn(pool, name);
    }
    expect(rows(pool.poolId)).toBe(2);
    await idp(server).send(new AdminDeleteUserCommand({ UserPoolId: pool.poolId, Username: 'leaver' }));
    expect(rows(pool.poolId)).toBe(1);
    await idp(server).send(new DeleteUserPoolCommand({ UserPoolId: pool.poolId }));
    expect(rows(pool.poolId)).toBe(0);
  });

  it("answers another user's device key as one that does not exist", async () => {
    await confirmedUser(server, always, 'eve');
    await confirmedUser(server, always, 'bob');
    const bob = (await signIn(always, 'bob')).AuthenticationResult!;
    const eve = (await signIn(always, 'eve')).AuthenticationResult!;
    const c = anonymous(server);
    const verifier = { PasswordVerifier: Buffer.from('ef'.repeat(64), 'hex').toString('base64'), Salt: Buffer.from('01'.repeat(16), 'hex').toString('base64') };
    const bobKey = bob.NewDeviceMetadata!.DeviceKey!;
    const gone = { name: 'ResourceNotFoundException', message: 'Device does not exist.' };
    // Eve cannot claim Bob's fresh device, nor read, change or forget it once Bob confirmed it.
    expect(await errorOf(c.send(new ConfirmDeviceCommand({ AccessToken: eve.AccessToken!, DeviceKey: bobKey, DeviceSecretVerifierConfig: verifier })))).toMatchObject(gone);
    await c.send(new ConfirmDeviceCommand({ AccessToken: bob.AccessToken!, DeviceKey: bobKey, DeviceSecretVerifierConfig: verifier }));
    expect(await errorOf(c.send(new GetDeviceCommand({ AccessToken: eve.AccessToken!, DeviceKey: bobKey })))).toMatchObject(gone);
    expect(await errorOf(c.send(new UpdateDeviceStatusCommand({ AccessToken: eve.AccessToken!, DeviceKey: bobKey, DeviceRememberedStatus: 'not_remembered' })))).toMatchObject(gone);
    expect(await errorOf(idp(server).send(new AdminGetDeviceCommand({ UserPoolId: always.poolId, Username: 'eve', DeviceKey: bobKey })))).toMatchObject(gone);
    expect(attr((await c.send(new GetDeviceCommand({ AccessToken: bob.AccessToken!, DeviceKey: bobKey }))).Device, 'dev:device_remembered_status')).toBe('remembered');
    // Signing in with Bob's DEVICE_KEY: for Eve that device does not exist (clients then drop the key).
    expect(await errorOf(anonymous(server).send(new InitiateAuthCommand({ ClientId: always.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'eve', PASSWORD, DEVICE_KEY: bobKey } })))).toMatchObject(gone);
    // Bob's own remembered device must prove itself (device SRP, device-srp.test.ts).
    const bobAgain = await anonymous(server).send(new InitiateAuthCommand({ ClientId: always.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'bob', PASSWORD, DEVICE_KEY: bobKey } }));
    expect(bobAgain).toMatchObject({ ChallengeName: 'DEVICE_SRP_AUTH', Session: expect.any(String) });
    expect(bobAgain.AuthenticationResult).toBeUndefined();
  });
});
