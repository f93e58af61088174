/**
 * The user pool domain's endpoints (Cognito's "user pool endpoints"): a prefix domain answers
 * at `<prefix>.<GATEHOUSE_AUTH_HOST_SUFFIX>` and, for clients that cannot use such host names
 * (Node resolves no `*.localhost`), at `/_auth/<prefix>/…` on Gatehouse's own host. Both
 * forms serve the same endpoints; the discovery document names the path form, which is
 * reachable wherever the issuer is. A custom domain (CustomDomainConfig) answers at its own
 * host name: the edge asks `claims` for hosts that may be one (domain/custom-domains.ts).
 * @module
 */
import { send, type EdgeRequest, type RawRoute } from '../../../protocols/http.js';
import type { IdpContext } from '../context.js';
import { mayBeCustomHost } from '../domain/custom-domains.js';
import type { Sessions } from '../sessions.js';
import type { SignIn } from '../sign-in.js';
import type { TotpSetup } from '../totp-setup.js';
import { authorizeEndpoint } from './authorize.js';
import { brandingEndpoint } from './branding.js';
import { codeGrant } from './code-grant.js';
import { idpResponseEndpoint } from './federation.js';
import { loginEndpoint } from './login.js';
import { logoutEndpoint, revokeEndpoint } from './logout.js';
import { refreshGrant } from './refresh.js';
import { samlResponseEndpoint } from './saml-federation.js';
import { signUpPagesEndpoint, type Kind } from './signup.js';
import { userInfoEndpoint } from './userinfo.js';
import type { PoolDomain } from '../store/hosted.js';
import type { UserPool } from '../store/pools.js';
import { tokenEndpoint } from './token.js';

const PATH_FORM = /^\/_auth\/([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\/.*)?$/;

/** What an endpoint handler gets: the request, the domain and its pool, and the path inside the domain. */
export interface DomainRequest {
  r: EdgeRequest;
  domain: PoolDomain;
  pool: UserPool;
  /** The path after the domain part (`/oauth2/token`). */
  path: string;
  /** The domain's base URL as this request reached it (scheme, host, path prefix). */
  base: string;
}

/** The path-form base URL of a domain on the public URL, as discovery names it. */
export function domainBase(publicUrl: string, prefix: string): string {
  return `${publicUrl}/_auth/${prefix}`;
}

/** Whether a request's host is a user pool's custom domain (so its hosted UI answers there, and TLS names it). */
export async function isCustomDomainHost(idp: IdpContext, host: string): Promise<boolean> {
  return mayBeCustomHost(idp.platform.config, host) && (await idp.hosted.domain(host))?.custom === true;
}

/** A custom domain's base URL: its host on Gatehouse's own scheme and port (DNS points the name here). */
export function customDomainBase(publicUrl: string, host: string): string {
  const u = new URL(publicUrl);
  u.hostname = host;
  return `${u.origin}${u.pathname.replace(/\/$/, '')}`;
}

function locate(idp: IdpContext, r: EdgeRequest): { prefix: string; path: string; base: string; custom: boolean } | undefined {
  const suffix = `.${idp.platform.config.authHostSuffix}`;
  if (r.host.endsWith(suffix)) {
    const prefix = r.host.slice(0, -suffix.length);
    if (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(prefix)) return undefined;
    const hostHeader = String(r.req.headers.host ?? r.host);
    return { prefix, path: r.path, base: `${r.secure ? 'https' : 'http'}://${hostHeader}`, custom: false };
  }
  const hostHeader = String(r.req.headers.host ?? r.host);
  const m = PATH_FORM.exec(r.path);
  // Not the suffix, not the path form: the edge let it through as a custom domain's host.
  if (m === null) return mayBeCustomHost(idp.platform.config, r.host) ? { prefix: r.host, path: r.path, base: `${r.secure ? 'https' : 'http'}://${hostHeader}`, custom: true } : undefined;
  return { prefix: m[1]!, path: m[2] ?? '/', base: `${r.secure ? 'https' : 'http'}://${hostHeader}/_auth/${m[1]!}`, custom: false };
}

export function hostedRoutes(idp: IdpContext, sessions: Sessions, signIn: SignIn, totp: TotpSetup): RawRoute[] {
  const grants = { refreshToken: refreshGrant(sessions), authorizationCode: codeGrant(sessions) };
  const suffix = (): string => `.${idp.platform.config.authHostSuffix}`;
  return [
    {
      name: 'cognito-idp.hosted',
      matches: (r) => r.host.endsWith(suffix()) || r.path.startsWith('/_auth/'),
      claims: (r) => isCustomDomainHost(idp, r.host),
      handle: async (r) => {
        const at = locate(idp, r);
        const found = at === undefined ? undefined : await idp.hosted.domain(at.prefix);
        // A prefix answers only at its prefix forms, a custom domain only at its host.
        const domain = found?.custom === at?.custom ? found : undefined;
        const pool = domain === undefined ? undefined : await idp.pools.getPool(domain.poolId);
        if (at === undefined || domain === undefined || pool === undefined) {
          send(r.res, 404, { 'content-type': 'text/plain; charset=utf-8' }, 'This user pool domain does not exist.\n');
          return;
        }
        const d: DomainRequest = { r, domain, pool, path: at.path, base: at.base };
        switch (at.path) {
          case '/oauth2/token':
            r.operation = 'cognito-idp.oauth2.token';
            return tokenEndpoint(idp, d, grants);
          case '/oauth2/authorize':
            r.operation = 'cognito-idp.oauth2.authorize';
            return authorizeEndpoint(idp, sessions, d);
          case '/oauth2/idpresponse':
            r.operation = 'cognito-idp.oauth2.idpresponse';
            return idpResponseEndpoint(idp, sessions, d);
          case '/saml2/idpresponse':
            r.operation = 'cognito-idp.saml2.idpresponse';
            return samlResponseEndpoint(idp, sessions, d);
          case '/login':
            r.operation = 'cognito-idp.hosted.login';
            return loginEndpoint(idp, { signIn, totp }, sessions, d);
          case '/ui/css':
          case '/ui/logo':
            r.operation = 'cognito-idp.hosted.branding';
            return brandingEndpoint(idp, d, at.path === '/ui/css' ? 'css' : 'logo');
          case '/signup':
          case '/confirm':
          case '/forgotPassword':
          case '/confirmForgotPassword':
            r.operation = `cognito-idp.hosted.${at.path.slice(1)}`;
            return signUpPagesEndpoint(idp, d, at.path.slice(1) as Kind);
          case '/logout':
            r.operation = 'cognito-idp.hosted.logout';
            return logoutEndpoint(idp, d);
          case '/oauth2/revoke':
            r.operation = 'cognito-idp.oauth2.revoke';
            return revokeEndpoint(idp, d);
          case '/oauth2/userInfo':
            r.operation = 'cognito-idp.oauth2.userInfo';
            return userInfoEndpoint(idp, sessions, d);
          default:
            send(r.res, 404, { 'content-type': 'text/plain; charset=utf-8' }, 'Not found\n');
        }
      },
    },
  ];
}
