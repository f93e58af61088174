/**
 * Users' tracked devices. A device is created unconfirmed when a sign-in hands out
 * NewDeviceMetadata; ConfirmDevice stores the device's SRP salt and verifier (never a
 * secret: the device password stays on the device). Only confirmed devices are listed.
 * @module
 */
import type { Database } from '../../../store/database.js';

export interface Device {
  poolId: string;
  deviceKey: string;
  sub: string;
  groupKey: string;
  /** As ConfirmDevice's DeviceSecretVerifierConfig carries them (base64). */
  salt: string | undefined;
  verifier: string | undefined;
  name: string | undefined;
  remembered: boolean;
  lastIp: string | undefined;
  createdAt: number;
  updatedAt: number;
  authenticatedAt: number;
}

interface Row {
  pool_id: string;
  device_key: string;
  sub: string;
  group_key: string;
  salt: string | null;
  verifier: string | null;
  name: string | null;
  remembered: number;
  last_ip: string | null;
  created_at: number;
  updated_at: number;
  authenticated_at: number;
}

const toDevice = (r: Row): Device => ({
  poolId: r.pool_id,
  deviceKey: r.device_key,
  sub: r.sub,
  groupKey: r.group_key,
  salt: r.salt ?? undefined,
  verifier: r.verifier ?? undefined,
  name: r.name ?? undefined,
  remembered: Number(r.remembered) === 1,
  lastIp: r.last_ip ?? undefined,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
  authenticatedAt: Number(r.authenticated_at),
});

export class DeviceStore {
  constructor(private readonly db: Database) {}

  /** A user's confirmed devices, oldest first. */
  async forUser(poolId: string, sub: string): Promise<Device[]> {
    return (await this.db.all<Row>('SELECT * FROM cognito_idp_devices WHERE pool_id = ? AND sub = ? AND verifier IS NOT NULL ORDER BY created_at, device_key', [poolId, sub])).map(toDevice);
  }

  /** A device of this user only: another user's key is as unknown as a made-up one. */
  async get(poolId: string, sub: string, deviceKey: string): Promise<Device | undefined> {
    const r = await this.db.get<Row>('SELECT * FROM cognito_idp_devices WHERE pool_id = ? AND device_key = ? AND sub = ?', [poolId, deviceKey, sub]);
    return r === undefined ? undefined : toDevice(r);
  }

  async insert(d: Device): Promise<void> {
    await this.db.run(
      `INSERT INTO cognito_idp_devices (pool_id, device_key, sub, group_key, salt, verifier, name, remembered, last_ip, created_at, updated_at, authenticated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [d.poolId, d.deviceKey, d.sub, d.groupKey, d.salt ?? null, d.verifier ?? null, d.name ?? null, d.remembered ? 1 : 0, d.lastIp ?? null, d.createdAt, d.updatedAt, d.authenticatedAt],
    );
  }

  /** ConfirmDevice, once: a confirmed device's verifier is never replaced. */
  async confirm(poolId: string, sub: string, deviceKey: string, v: { salt: string; verifier: string; name: string | undefined; remembered: boolean; now: number; ip: string }): Promise<boolean> {
    const r = await this.db.run(
      'UPDATE cognito_idp_devices SET salt = ?, verifier = ?, name = ?, remembered = ?, last_ip = ?, updated_at = ? WHERE pool_id = ? AND sub = ? AND device_key = ? AND verifier IS NULL',
      [v.salt, v.verifier, v.name ?? null, v.remembered ? 1 : 0, v.ip, v.now, poolId, sub, deviceKey],
    );
    return r.changes === 1;
  }

  async setRemembered(poolId: string, sub: string, deviceKey: string, remembered: boolean, now: number): Promise<boolean> {
    const r = await this.db.run('UPDATE cognito_idp_devices SET remembered = ?, updated_at = ? WHERE pool_id = ? AND sub = ? AND device_key = ? AND verifier IS NOT NULL', [remembered ? 1 : 0, now, poolId, sub, deviceKey]);
    return r.changes === 1;
  }

  /** A sign-in from this confirmed device of this user: its last-authenticated date moves. */
  async touch(poolId: string, sub: string, deviceKey: string, now: number): Promise<boolean> {
    const r = await this.db.run('UPDATE cognito_idp_devices SET authenticated_at = ? WHERE pool_id = ? AND sub = ? AND device_key = ? AND verifier IS NOT NULL', [now, poolId, sub, deviceKey]);
    return r.changes === 1;
  }

  async delete(poolId: string, sub: string, deviceKey: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM cognito_idp_devices WHERE pool_id = ? AND sub = ? AND device_key = ?', [poolId, sub, deviceKey])).changes === 1;
  }
}
