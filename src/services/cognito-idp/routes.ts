/**
 * Public key discovery for each user pool, where token verifiers look for it:
 * `/<poolId>/.well-known/jwks.json` and `/<poolId>/.well-known/openid-configuration`; and the
 * hosted UI's logo (SetUICustomization's ImageFile) at `/<poolId>/ui/<clientId|ALL>/logo`,
 * the ImageUrl GetUICustomization gives.
 * Pool ids contain `_`, so these paths never collide with S3 bucket names. Any origin may
 * read them (browsers verify tokens too).
 * @module
 */
import { send, type EdgeRequest, type RawRoute } from '../../protocols/http.js';
import type { IdpContext } from './context.js';
import { customDomainBase, domainBase } from './hosted/routes.js';

const PATH = /^\/([\w-]+_[0-9A-Za-z]+)\/\.well-known\/(jwks\.json|openid-configuration)$/;

const LOGO = /^\/([\w-]+_[0-9A-Za-z]+)\/ui\/([\w+]+)\/logo$/;

const CORS = { 'access-control-allow-origin': '*', 'access-control-allow-methods': 'GET, HEAD, OPTIONS', 'access-control-allow-headers': '*' };

export function discoveryRoutes(idp: IdpContext): RawRoute[] {
  return [
    {
      name: 'cognito-idp.discovery',
      matches: (r) => PATH.test(r.path),
      handle: (r) => answer(idp, r),
    },
    {
      name: 'cognito-idp.ui-logo',
      matches: (r) => LOGO.test(r.path),
      handle: (r) => logo(idp, r),
    },
  ];
}

/** The logo is public (the sign-in page shows it to anyone); its type was checked by its magic number on upload. */
async function logo(idp: IdpContext, r: EdgeRequest): Promise<void> {
  const [, poolId, clientId] = LOGO.exec(r.path)!;
  if (r.method !== 'GET' && r.method !== 'HEAD') {
    send(r.res, 405, { 'content-type': 'application/json', allow: 'GET, HEAD' }, JSON.stringify({ message: 'Use GET.' }));
    return;
  }
  const u = await idp.hosted.uiCustomization(poolId!, clientId!);
  if (u?.image === undefined || u.imageType === undefined) {
    send(r.res, 404, { 'content-type': 'application/json' }, JSON.stringify({ message: 'No logo.' }));
    return;
  }
  const headers = { 'content-type': u.imageType, 'x-content-type-options': 'nosniff', 'cache-control': 'public, max-age=300', 'cross-origin-resource-policy': 'cross-origin' };
  send(r.res, 200, headers, r.method === 'HEAD' ? undefined : u.image);
}

async function answer(idp: IdpContext, r: EdgeRequest): Promise<void> {
  const [, poolId, doc] = PATH.exec(r.path)!;
  if (r.method === 'OPTIONS') {
    send(r.res, 204, { ...CORS, 'access-control-max-age': '86400' });
    return;
  }
  if (r.method !== 'GET' && r.method !== 'HEAD') {
    send(r.res, 405, { ...CORS, 'content-type': 'application/json', allow: 'GET, HEAD, OPTIONS' }, JSON.stringify({ message: 'Use GET.' }));
    return;
  }
  const key = (await idp.pools.getPool(poolId!)) === undefined ? undefined : await idp.pools.signingKey(poolId!);
  if (key === undefined) {
    send(r.res, 404, { ...CORS, 'content-type': 'application/json' }, JSON.stringify({ message: `User pool ${poolId} does not exist.` }));
    return;
  }
  const issuer = idp.issuer(poolId!);
  // With a domain, its endpoints (in the path form, reachable wherever the issuer is).
  const domains = await idp.hosted.domainsOf(poolId!);
  const prefix = domains.find((d) => !d.custom)?.domain;
  const custom = domains.find((d) => d.custom)?.domain;
  // The prefix domain's path form (reachable wherever the issuer is), else the custom domain's host.
  const base = prefix !== undefined ? domainBase(idp.platform.config.publicUrl, prefix) : custom === undefined ? undefined : customDomainBase(idp.platform.config.publicUrl, custom);
  const endpoints =
    base === undefined
      ? {}
      : {
          authorization_endpoint: `${base}/oauth2/authorize`,
          token_endpoint: `${base}/oauth2/token`,
          userinfo_endpoint: `${base}/oauth2/userInfo`,
          end_session_endpoint: `${base}/logout`,
          revocation_endpoint: `${base}/oauth2/revoke`,
          token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
          grant_types_supported: ['authorization_code', 'client_credentials', 'refresh_token'],
          response_types_supported: ['code', 'token'],
          code_challenge_methods_supported: ['S256'],
        };
  const body =
    doc === 'jwks.json'
      ? { keys: [key.jwk] }
      : {
          issuer,
          jwks_uri: `${issuer}/.well-known/jwks.json`,
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
          token_endpoint_auth_methods_supported: [],
          scopes_supported: ['openid', 'email', 'phone', 'profile', 'aws.cognito.signin.user.admin'],
          claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'token_use', 'cognito:username', 'cognito:groups', 'email', 'email_verified', 'phone_number', 'phone_number_verified'],
          response_types_supported: [],
          ...endpoints,
        };
  const json = JSON.stringify(body);
  send(r.res, 200, { ...CORS, 'content-type': 'application/json', 'cache-control': 'public, max-age=300' }, r.method === 'HEAD' ? undefined : json);
}
