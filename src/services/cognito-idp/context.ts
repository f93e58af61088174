/**
 * What every user-pool operation works with: the repositories, codes, messages, sealed
 * sessions, and the lookups all of them share (pool, app client, user by username or alias),
 * each failing with AWS's error.
 * @module
 */
import type { Platform } from '../../platform.js';
import { isEmail, isPhoneNumber } from './domain/attributes.js';
import { checkSecretHash } from './domain/client-config.js';
import { Codes } from './domain/codes.js';
import { Messages } from './domain/messages.js';
import { caseSensitive } from './domain/pool-config.js';
import { Sealer } from './domain/sealed.js';
import { clientNotFound, poolNotFound } from './errors.js';
import { GroupStore } from './store/groups.js';
import { MfaStore } from './store/mfa.js';
import { WebAuthnStore } from './store/webauthn.js';
import { DeviceStore } from './store/devices.js';
import { HostedStore } from './store/hosted.js';
import { LinkStore } from './store/links.js';
import { OAuthStore } from './store/oauth.js';
import { PoolStore, type AppClient, type UserPool } from './store/pools.js';
import { AttemptStore } from './store/attempts.js';
import { UsedNonces } from './store/nonces.js';
import { TokenStore } from './store/tokens.js';
import { UserStore, type User } from './store/users.js';
import { Triggers, type SenderCodes, type TriggerInvoker } from './triggers.js';

export class IdpContext {
  readonly pools: PoolStore;
  readonly users: UserStore;
  readonly tokens: TokenStore;
  readonly groups: GroupStore;
  readonly mfa: MfaStore;
  readonly webauthn: WebAuthnStore;
  readonly devices: DeviceStore;
  readonly attempts: AttemptStore;
  readonly hosted: HostedStore;
  readonly oauth: OAuthStore;
  readonly links: LinkStore;
  readonly codes: Codes;
  readonly messages: Messages;
  readonly sealer: Sealer;
  readonly triggers: Triggers;

  constructor(readonly platform: Platform, invoker?: TriggerInvoker, senderCodes?: SenderCodes) {
    this.triggers = new Triggers(invoker, platform.config.region, platform.config.accountId, platform.log, senderCodes);
    this.pools = new PoolStore(platform.db, platform.secrets);
    this.users = new UserStore(platform.db, platform.secrets);
    this.tokens = new TokenStore(platform.db);
    this.groups = new GroupStore(platform.db);
    this.mfa = new MfaStore(platform.db, platform.secrets);
    this.webauthn = new WebAuthnStore(platform.db);
    this.devices = new DeviceStore(platform.db);
    this.hosted = new HostedStore(platform.db, platform.secrets);
    this.oauth = new OAuthStore(platform.db);
    this.links = new LinkStore(platform.db);
    this.attempts = new AttemptStore(platform.db);
    this.codes = new Codes(platform.secrets.derive('cognito-idp:codes'), this.tokens, this.attempts);
    this.messages = new Messages(platform.mailer, platform.log);
    this.sealer = new Sealer(platform.secrets.derive('cognito-idp:sealed-sessions'), this.attempts, new UsedNonces(platform.db));
  }

  get region(): string {
    return this.platform.config.region;
  }

  /** Read at request time: the public URL is known only once the server listens. */
  issuer(poolId: string): string {
    return `${this.platform.config.publicUrl}/${poolId}`;
  }

  async pool(poolId: string): Promise<UserPool> {
    const pool = await this.pools.getPool(poolId);
    if (pool === undefined) throw poolNotFound(poolId);
    return pool;
  }

  /** An app client and its pool; an unknown client is ResourceNotFoundException. */
  async client(clientId: string): Promise<{ client: AppClient; pool: UserPool }> {
    const client = await this.pools.getClient(clientId);
    if (client === undefined) throw clientNotFound(clientId);
    const pool = await this.pools.getPool(client.poolId);
    if (pool === undefined) throw clientNotFound(clientId);
    return { client, pool };
  }

  /** An app client named together with its pool (admin and client-management calls): it must belong to that pool. */
  async clientIn(poolId: string, clientId: string): Promise<{ client: AppClient; pool: UserPool }> {
    const pool = await this.pool(poolId);
    const client = await this.pools.getClient(clientId);
    if (client === undefined || client.poolId !== pool.id) throw clientNotFound(clientId);
    return { client, pool };
  }

  /**
   * A user by what they sign in with: the username, or the email / phone number when the pool
   * uses them as username, or a verified alias (email, phone) or preferred_username.
   */
  async resolveUser(pool: UserPool, name: string): Promise<User | undefined> {
    const cfg = pool.config;
    const direct = await this.users.byUsername(pool.id, name, caseSensitive(cfg));
    if (direct !== undefined) return direct;
    const byUsernameAttr = cfg.UsernameAttributes ?? [];
    const aliases = cfg.AliasAttributes ?? [];
    if (isEmail(name) && (byUsernameAttr.includes('email') || aliases.includes('email'))) {
      const found = await this.users.byAlias(pool.id, 'email_key', name.toLowerCase());
      const ok = byUsernameAttr.includes('email') ? found : found.filter((u) => u.attributes.get('email_verified') === 'true');
      if (ok[0] !== undefined) return ok[0];
    }
    if (isPhoneNumber(name) && (byUsernameAttr.includes('phone_number') || aliases.includes('phone_number'))) {
      const found = await this.users.byAlias(pool.id, 'phone_key', name);
      const ok = byUsernameAttr.includes('phone_number') ? found : found.filter((u) => u.attributes.get('phone_number_verified') === 'true');
      if (ok[0] !== undefined) return ok[0];
    }
    if (aliases.includes('preferred_username')) {
      const found = await this.users.byAlias(pool.id, 'preferred_key', caseSensitive(cfg) ? name : name.toLowerCase());
      if (found[0] !== undefined) return found[0];
    }
    return undefined;
  }

  /** SECRET_HASH / SecretHash for calls that name a user. */
  checkSecret(client: AppClient, given: string | undefined, names: readonly (string | undefined)[], kind: 'auth' | 'other'): void {
    checkSecretHash(client.clientId, client.secret, given, names.filter((n): n is string => n !== undefined), kind);
  }

  /** Whether the client hides user existence (PreventUserExistenceErrors ENABLED). */
  hidesUsers(client: AppClient): boolean {
    return client.config.PreventUserExistenceErrors === 'ENABLED';
  }
}
