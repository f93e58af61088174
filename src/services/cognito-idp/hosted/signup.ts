/**
 * The hosted `/signup`, `/confirm`, `/forgotPassword` and `/confirmForgotPassword` pages.
 * They run the API's own SignUp, ConfirmSignUp, ForgotPassword and ConfirmForgotPassword
 * (password policy, required attributes, codes by mail, PreventUserExistenceErrors), with the
 * SECRET_HASH computed here for clients that have a secret. Forms carry the CSRF token the
 * sign-in page uses; a form without it changes nothing. After sign-up the user is sent to
 * /confirm, after confirming to /login, after asking for a reset to /confirmForgotPassword and
 * after the reset to /login, each with the same authorization request.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { BodyTimeout, BodyTooLarge, readBody, send } from '../../../protocols/http.js';
import { ServiceError } from '../../../errors.js';
import type { RequestContext } from '../../types.js';
import type { IdpContext } from '../context.js';
import { secretHash } from '../domain/client-config.js';
import { signUpOperations } from '../operations/sign-up.js';
import { hostedRequest, cookies, setCookie, type AuthorizeRequest } from './authorize.js';
import { CSRF_COOKIE, sameToken } from './login.js';
import { errorPage, escapeHtml, page, pageHeaders } from './pages.js';
import type { DomainRequest } from './routes.js';

export type Kind = 'signup' | 'confirm' | 'forgotPassword' | 'confirmForgotPassword';

const PAGES: Record<Kind, { title: string; heading: string; button: string }> = {
  signup: { title: 'Signup', heading: 'Sign up with a new account', button: 'Sign up' },
  confirm: { title: 'Confirm', heading: 'We have sent a code. Enter it below to confirm your account.', button: 'Confirm account' },
  forgotPassword: { title: 'Forgot password', heading: 'Forgot your password?', button: 'Reset my password' },
  confirmForgotPassword: { title: 'Reset password', heading: 'We have sent a password reset code. Enter it below to reset your password.', button: 'Change Password' },
};

function field(id: string, name: string, label: string, type: string, value = '', autocomplete = 'off'): string {
  return `<label for="${id}">${escapeHtml(label)}</label><input id="${id}" name="${name}" type="${type}" autocomplete="${autocomplete}" required value="${escapeHtml(value)}">`;
}

function form(d: DomainRequest, a: AuthorizeRequest, kind: Kind, status: number, values: Record<string, string>, error?: string, info?: string): void {
  const csrf = randomBytes(24).toString('base64url');
  const needsEmail = d.pool.config.SchemaAttributes.some((s) => s.Name === 'email' && s.Required === true) || (d.pool.config.AutoVerifiedAttributes ?? []).includes('email');
  const user = field('username', 'username', 'Username', 'text', values.username, 'username');
  const fields =
    kind === 'signup'
      ? user + (needsEmail ? field('email', 'email', 'Email', 'email', values.email, 'email') : '') + field('password', 'password', 'Password', 'password', '', 'new-password')
      : kind === 'confirm'
        ? user + field('code', 'code', 'Verification Code', 'text', '', 'one-time-code')
        : kind === 'forgotPassword'
          ? user
          : user + field('code', 'code', 'Verification Code', 'text', '', 'one-time-code') + field('password', 'password', 'New Password', 'password', '', 'new-password');
  const { title, heading, button } = PAGES[kind];
  const html = page(
    title,
    `<h1>${escapeHtml(heading)}</h1>${error === undefined ? '' : `<p class="error" role="alert">${escapeHtml(error)}</p>`}${info === undefined ? '' : `<p role="status">${escapeHtml(info)}</p>`}
<form method="post" action="${escapeHtml(`${d.base}/${kind}?${a.query}`)}"><input type="hidden" name="_csrf" value="${escapeHtml(csrf)}">${fields}<button type="submit">${button}</button></form>`,
  );
  d.r.res.writeHead(status, { ...pageHeaders(a.redirectUri), 'set-cookie': setCookie(d, CSRF_COOKIE, csrf, 3600), 'content-length': Buffer.byteLength(html) });
  d.r.res.end(html);
}

function context(idp: IdpContext, d: DomainRequest): RequestContext {
  return {
    requestId: d.r.requestId, now: () => idp.platform.clock.now(), region: idp.region, accountId: idp.platform.config.accountId, principal: undefined,
    sourceIp: d.r.sourceIp, userAgent: String(d.r.req.headers['user-agent'] ?? ''), headers: d.r.req.headers, secure: d.r.secure, log: d.r.log,
  };
}

/** The query without a previous `username`, plus the new one (for the redirect to /confirm). */
function withUsername(query: string, username: string): string {
  const q = new URLSearchParams(query);
  q.set('username', username);
  return q.toString();
}

export async function signUpPagesEndpoint(idp: IdpContext, d: DomainRequest, kind: Kind): Promise<void> {
  const hosted = await hostedRequest(idp, d, ['GET', 'POST']);
  if (hosted === undefined) return;
  const { r } = d;
  const { a, query } = hosted;
  if (r.method === 'GET') return form(d, a, kind, 200, { username: (query.get('username') ?? '').slice(0, 128) });
  let body: Buffer;
  try {
    body = await readBody(r.req, 16 * 1024, 30_000);
  } catch (err) {
    if (err instanceof BodyTooLarge || err instanceof BodyTimeout) return errorPage(d, 400, 'invalid_request', 'The form is too large.');
    throw err;
  }
  const f = new URLSearchParams(body.toString('utf8'));
  if (!sameToken(f.get('_csrf') ?? undefined, cookies(d).get(CSRF_COOKIE))) {
    return errorPage(d, 403, 'invalid_request', 'The form has expired or did not come from this page. Go back and try again.');
  }
  const username = (f.get('username') ?? '').trim().slice(0, 128);
  const hash = a.client.secret === undefined ? {} : { SecretHash: secretHash(a.client.secret, username, a.client.clientId) };
  const ops = signUpOperations(idp);
  try {
    if (kind === 'signup') {
      const email = f.get('email') ?? undefined;
      await ops.SignUp!({ ClientId: a.client.clientId, Username: username, Password: (f.get('password') ?? '').slice(0, 256), UserAttributes: email === undefined ? [] : [{ Name: 'email', Value: email.slice(0, 2048) }], ...hash }, context(idp, d));
      send(r.res, 302, { location: `${d.base}/confirm?${withUsername(a.query, username)}`, 'cache-control': 'no-store' });
    } else if (kind === 'confirm') {
      await ops.ConfirmSignUp!({ ClientId: a.client.clientId, Username: username, ConfirmationCode: (f.get('code') ?? '').trim().slice(0, 2048), ...hash }, context(idp, d));
      send(r.res, 302, { location: `${d.base}/login?${a.query}`, 'cache-control': 'no-store' });
    } else if (kind === 'forgotPassword') {
      await ops.ForgotPassword!({ ClientId: a.client.clientId, Username: username, ...hash }, context(idp, d));
      send(r.res, 302, { location: `${d.base}/confirmForgotPassword?${withUsername(a.query, username)}`, 'cache-control': 'no-store' });
    } else {
      await ops.ConfirmForgotPassword!(
        { ClientId: a.client.clientId, Username: username, ConfirmationCode: (f.get('code') ?? '').trim().slice(0, 2048), Password: (f.get('password') ?? '').slice(0, 256), ...hash },
        context(idp, d),
      );
      send(r.res, 302, { location: `${d.base}/login?${a.query}`, 'cache-control': 'no-store' });
    }
  } catch (err) {
    if (err instanceof ServiceError && err.status < 500) return form(d, a, kind, 400, { username, email: f.get('email') ?? '' }, err.message);
    throw err;
  }
}
