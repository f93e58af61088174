/**
 * Remembered devices: ConfirmDevice (the device's SRP salt and verifier, given once after a
 * sign-in handed out NewDeviceMetadata), ListDevices, GetDevice, UpdateDeviceStatus,
 * ForgetDevice and their Admin* forms. A device key is looked up with its user, so another
 * user's key answers exactly like one that never existed.
 * @module
 */
import type { OperationHandlers } from '../../types.js';
import type { DeviceType, Operations } from '../api.generated.js';
import type { IdpContext } from '../context.js';
import { invalidParameter, notAuthorized, resourceNotFound, userNotFound } from '../errors.js';
import type { Sessions } from '../sessions.js';
import type { Device } from '../store/devices.js';
import type { UserPool } from '../store/pools.js';
import type { User } from '../store/users.js';

/** ListDevices' and AdminListDevices' largest page (QueryLimitType's maximum). */
const MAX_LIMIT = 60;
/** Salts and verifiers are base64 of at most a 3072-bit number; anything far larger is not one. */
const MAX_VERIFIER = 2048;

const deviceNotFound = (): Error => resourceNotFound('Device does not exist.');

function deviceView(d: Device): DeviceType {
  return {
    DeviceKey: d.deviceKey,
    DeviceAttributes: [
      { Name: 'device_status', Value: 'valid' },
      ...(d.name === undefined ? [] : [{ Name: 'device_name', Value: d.name }]),
      { Name: 'dev:device_remembered_status', Value: d.remembered ? 'remembered' : 'not_remembered' },
      ...(d.lastIp === undefined ? [] : [{ Name: 'last_ip_used', Value: d.lastIp }]),
    ],
    DeviceCreateDate: new Date(d.createdAt),
    DeviceLastModifiedDate: new Date(d.updatedAt),
    DeviceLastAuthenticatedDate: new Date(d.authenticatedAt),
  };
}

function page(all: Device[], limit: number | undefined, token: string | undefined): { Devices: DeviceType[]; PaginationToken?: string } {
  const size = Math.min(limit ?? MAX_LIMIT, MAX_LIMIT);
  const start = token === undefined ? 0 : all.findIndex((d) => d.deviceKey === token) + 1;
  if (token !== undefined && start === 0) throw invalidParameter('Invalid pagination token.');
  const items = all.slice(start, start + size);
  return { Devices: items.map(deviceView), ...(start + size < all.length ? { PaginationToken: items[items.length - 1]!.deviceKey } : {}) };
}

export function deviceOperations(idp: IdpContext, sessions: Sessions): OperationHandlers<Operations> {
  const admin = async (poolId: string, username: string): Promise<{ pool: UserPool; user: User }> => {
    const pool = await idp.pool(poolId);
    const user = await idp.resolveUser(pool, username);
    if (user === undefined) throw userNotFound();
    return { pool, user };
  };
  const confirmed = async (pool: UserPool, user: User, key: string): Promise<Device> => {
    const d = await idp.devices.get(pool.id, user.sub, key);
    if (d === undefined || d.verifier === undefined) throw deviceNotFound();
    return d;
  };

  return {
    async ConfirmDevice(input, ctx) {
      const now = ctx.now();
      const { pool, user } = await sessions.accessToken(input.AccessToken, now);
      if (pool.config.DeviceConfiguration === undefined) throw invalidParameter('Device tracking is not enabled for this user pool.');
      const salt = input.DeviceSecretVerifierConfig?.Salt;
      const verifier = input.DeviceSecretVerifierConfig?.PasswordVerifier;
      if (salt === undefined || verifier === undefined || salt.length === 0 || verifier.length === 0 || salt.length > MAX_VERIFIER || verifier.length > MAX_VERIFIER) {
        throw invalidParameter('DeviceSecretVerifierConfig must have a PasswordVerifier and a Salt.');
      }
      const d = await idp.devices.get(pool.id, user.sub, input.DeviceKey);
      if (d === undefined) throw deviceNotFound();
      // Remembered at once unless the pool leaves it to the user (UpdateDeviceStatus later).
      const onPrompt = pool.config.DeviceConfiguration.DeviceOnlyRememberedOnUserPrompt === true;
      if (!(await idp.devices.confirm(pool.id, user.sub, input.DeviceKey, { salt, verifier, name: input.DeviceName, remembered: !onPrompt, now, ip: ctx.sourceIp }))) {
        throw notAuthorized('Device has already been confirmed.');
      }
      return { UserConfirmationNecessary: onPrompt };
    },

    async ListDevices(input, ctx) {
      const { pool, user } = await sessions.accessToken(input.AccessToken, ctx.now());
      return page(await idp.devices.forUser(pool.id, user.sub), input.Limit, input.PaginationToken);
    },

    async GetDevice(input, ctx) {
      if (input.AccessToken === undefined) throw notAuthorized('Missing Authentication Token');
      const { pool, user } = await sessions.accessToken(input.AccessToken, ctx.now());
      return { Device: deviceView(await confirmed(pool, user, input.DeviceKey)) };
    },

    async UpdateDeviceStatus(input, ctx) {
      const now = ctx.now();
      const { pool, user } = await sessions.accessToken(input.AccessToken, now);
      await confirmed(pool, user, input.DeviceKey);
      await idp.devices.setRemembered(pool.id, user.sub, input.DeviceKey, input.DeviceRememberedStatus === 'remembered', now);
      return {};
    },

    async ForgetDevice(input, ctx) {
      if (input.AccessToken === undefined) throw notAuthorized('Missing Authentication Token');
      const { pool, user } = await sessions.accessToken(input.AccessToken, ctx.now());
      if (!(await idp.devices.delete(pool.id, user.sub, input.DeviceKey))) throw deviceNotFound();
    },

    async AdminListDevices(input) {
      const { pool, user } = await admin(input.UserPoolId, input.Username);
      return page(await idp.devices.forUser(pool.id, user.sub), input.Limit, input.PaginationToken);
    },

    async AdminGetDevice(input) {
      const { pool, user } = await admin(input.UserPoolId, input.Username);
      return { Device: deviceView(await confirmed(pool, user, input.DeviceKey)) };
    },

    async AdminUpdateDeviceStatus(input, ctx) {
      const { pool, user } = await admin(input.UserPoolId, input.Username);
      await confirmed(pool, user, input.DeviceKey);
      await idp.devices.setRemembered(pool.id, user.sub, input.DeviceKey, input.DeviceRememberedStatus === 'remembered', ctx.now());
      return {};
    },

    async AdminForgetDevice(input) {
      const { pool, user } = await admin(input.UserPoolId, input.Username);
      if (!(await idp.devices.delete(pool.id, user.sub, input.DeviceKey))) throw deviceNotFound();
    },
  };
}
