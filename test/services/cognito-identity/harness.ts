/**
 * A real HTTP server running only the Identity Pools service through the real edge and API
 * pipeline, with its ports (User Pools, IAM OpenID Connect providers, STS) supplied by the
 * test. It lets the federation logic be driven by the official clients before — and
 * independently of — the services behind those ports; the same flows are then run against
 * the real services in the end-to-end suites.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { exportJWK, generateKeyPair, jwtVerify, SignJWT, errors as joseErrors, type CryptoKey, type JWK } from 'jose';
import { AdjustableClock } from '../../../src/clock.js';
import { loadConfig } from '../../../src/config.js';
import { createLogger } from '../../../src/log.js';
import { DefaultMailer, mailSchema } from '../../../src/mail/mailer.js';
import type { Platform } from '../../../src/platform.js';
import { CompositeCredentialResolver } from '../../../src/credentials.js';
import { Edge } from '../../../src/server/edge.js';
import { cognitoIdentitySchema, createCognitoIdentityService } from '../../../src/services/cognito-identity/index.js';
import {
  LoginTokenRejected,
  RoleAssumptionRefused,
  type Claims,
  type IdentityPoolPorts,
  type IssuedCredentials,
  type OidcProvider,
  type UserPoolTokenVerifier,
  type WebIdentityAssumption,
  type WebIdentityIssuer,
  type WebIdentityStsPort,
} from '../../../src/services/cognito-identity/ports.js';
import { RootOnlyAuthorizer } from '../../../src/services/iam/authorizer.js';
import { SecretBox } from '../../../src/store/secrets.js';
import { migrateSqlite, SqliteDatabase } from '../../../src/store/sqlite.js';
import { ROOT } from '../../support/gatehouse.js';

/** User pools as the User Pools service would verify their ID tokens (RS256, per-pool keys). */
export class FakeUserPools implements UserPoolTokenVerifier {
  readonly #keys = new Map<string, { privateKey: CryptoKey; publicKey: CryptoKey }>();
  readonly revoked = new Set<string>();
  /** Milliseconds each verification takes, to let another request run meanwhile. */
  latencyMs = 0;

  constructor(private readonly clock: { now(): number }) {}

  async #key(poolId: string): Promise<{ privateKey: CryptoKey; publicKey: CryptoKey }> {
    let k = this.#keys.get(poolId);
    if (k === undefined) {
      k = await generateKeyPair('RS256');
      this.#keys.set(poolId, k);
    }
    return k;
  }

  async idToken(poolId: string, clientId: string, sub: string, claims: Record<string, unknown> = {}, ttlSeconds = 3600): Promise<string> {
    const now = Math.floor(this.clock.now() / 1000);
    return new SignJWT({ token_use: 'id', 'cognito:username': sub, jti: randomUUID(), ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: `${poolId}-k` })
      .setIssuer(`https://cognito-idp.us-east-1.amazonaws.com/${poolId}`)
      .setAudience(clientId)
      .setSubject(sub)
      .setIssuedAt(now)
      .setExpirationTime(now + ttlSeconds)
      .sign((await this.#key(poolId)).privateKey);
  }

  async verifyIdToken(userPoolId: string, token: string, options: { audiences: readonly string[]; now: number }): Promise<Claims> {
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    let payload: Claims;
    try {
      ({ payload } = await jwtVerify(token, (await this.#key(userPoolId)).publicKey, { currentDate: new Date(this.clock.now()), issuer: `https://cognito-idp.us-east-1.amazonaws.com/${userPoolId}` }));
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw new LoginTokenRejected({ kind: 'expired', now: this.clock.now(), exp: Number(err.payload.exp) });
      if (err instanceof joseErrors.JWTClaimValidationFailed && err.claim === 'iss') throw new LoginTokenRejected({ kind: 'issuer' });
      if (err instanceof joseErrors.JWSSignatureVerificationFailed) throw new LoginTokenRejected({ kind: 'signature' });
      throw new LoginTokenRejected({ kind: 'malformed' });
    }
    if (payload.token_use !== 'id') throw new LoginTokenRejected({ kind: 'token-use' });
    if (!options.audiences.includes(String(payload.aud))) throw new LoginTokenRejected({ kind: 'audience' });
    if (this.revoked.has(String(payload.jti))) throw new LoginTokenRejected({ kind: 'revoked' });
    return payload;
  }
}

/** STS as Identity Pools sees it: records what it is asked, refuses roles the test names. */
export class FakeSts implements WebIdentityStsPort {
  readonly calls: WebIdentityAssumption[] = [];
  readonly issuers: WebIdentityIssuer[] = [];
  readonly untrusted = new Set<string>();

  constructor(private readonly clock: { now(): number }) {}

  assumeRoleWithWebIdentity(request: WebIdentityAssumption): Promise<IssuedCredentials> {
    this.calls.push(request);
    if (this.untrusted.has(request.roleArn)) return Promise.reject(new RoleAssumptionRefused('Not authorized to perform sts:AssumeRoleWithWebIdentity'));
    return Promise.resolve({
      accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: randomBytes(60).toString('base64'),
      expiration: this.clock.now() + (request.durationSeconds ?? 3600) * 1000,
    });
  }

  registerWebIdentityIssuer(issuer: WebIdentityIssuer): void {
    this.issuers.push(issuer);
  }
}

/** A small OpenID Connect issuer on loopback: discovery, JWKS, and ID tokens signed with jose. */
export interface TestIssuer {
  url: string;
  /** `host:port`, the provider's name in IAM ARNs and in Logins. */
  hostPath: string;
  idToken(claims: { sub: string; aud: string } & Record<string, unknown>, ttlSeconds?: number, now?: number): Promise<string>;
  close(): Promise<void>;
}

export async function startIssuer(): Promise<TestIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'issuer-key-1', alg: 'RS256', use: 'sig' };
  let url = '';
  const server = http.createServer((req, res) => {
    if (req.url === '/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer: url, jwks_uri: `${url}/jwks.json`, id_token_signing_alg_values_supported: ['RS256'] }));
    } else if (req.url === '/jwks.json') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  url = `http://127.0.0.1:${port}`;
  return {
    url,
    hostPath: `127.0.0.1:${port}`,
    async idToken(claims, ttlSeconds = 3600, now = Date.now()) {
      const iat = Math.floor(now / 1000);
      return new SignJWT({ ...claims }).setProtectedHeader({ alg: 'RS256', kid: 'issuer-key-1' }).setIssuer(url).setIssuedAt(iat).setExpirationTime(iat + ttlSeconds).sign(privateKey);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export class FakeOidcDirectory {
  readonly providers = new Map<string, OidcProvider>();

  add(hostPath: string, clientIds: string[]): string {
    const arn = `arn:aws:iam::000000000000:oidc-provider/${hostPath}`;
    this.providers.set(arn, { arn, url: hostPath, clientIds, thumbprints: [] });
    return arn;
  }

  getOpenIdConnectProvider(arn: string): Promise<OidcProvider | undefined> {
    return Promise.resolve(this.providers.get(arn));
  }
}

export interface HarnessServer {
  url: string;
  clock: AdjustableClock;
  logs(): Record<string, unknown>[];
  close(): Promise<void>;
}

export async function startHarness(ports: IdentityPoolPorts, clock = new AdjustableClock()): Promise<HarnessServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-identity-'));
  const config = loadConfig({}, { GATEHOUSE_PORT: '0', GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_ROOT_ACCESS_KEY_ID: ROOT.accessKeyId, GATEHOUSE_ROOT_SECRET_ACCESS_KEY: ROOT.secretAccessKey });
  const lines: string[] = [];
  const log = createLogger('info', new Writable({ write: (c: Buffer, _e, cb) => (lines.push(...c.toString('utf8').split('\n').filter((l) => l !== '')), cb()) }));
  const db = new SqliteDatabase(path.join(dataDir, 'gatehouse.db'));
  migrateSqlite(db, [mailSchema, cognitoIdentitySchema]);
  const mailer = new DefaultMailer(db, log, config.mailFrom, undefined, () => clock.now());
  const credentials = new CompositeCredentialResolver(ROOT, config.accountId);
  const platform: Platform = { config, clock, db, secrets: new SecretBox(randomBytes(32)), mailer, log, root: ROOT, credentials, authorizer: new RootOnlyAuthorizer() };
  const identity = createCognitoIdentityService(platform, ports);
  const edge = new Edge(config, { config, clock, credentials, authorizer: platform.authorizer }, { json: new Map([['AWSCognitoIdentityService', identity.service]]), query: new Map(), routes: identity.routes }, log);
  const server = http.createServer(edge.listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  config.publicUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: config.publicUrl,
    clock,
    logs: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      mailer.close();
      await db.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
