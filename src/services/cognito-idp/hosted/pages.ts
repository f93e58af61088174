/**
 * The hosted UI's HTML: every value escaped, no script, and headers that keep the pages out
 * of frames and other origins' hands (a strict Content-Security-Policy, X-Frame-Options DENY,
 * nosniff, no referrer, no caching). Words and labels are Cognito's own.
 * @module
 */
import { createHash } from 'node:crypto';
import type { DomainRequest } from './routes.js';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"'`=]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The origins a form may be sent to, and where its redirects may lead (Chromium applies form-action to redirects). */
function formAction(redirectUri: string | undefined): string {
  if (redirectUri === undefined) return "'self'";
  try {
    const u = new URL(redirectUri);
    const target = u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : u.protocol;
    // Only characters a CSP source may hold: anything else and the redirect target is left out.
    return /^[A-Za-z0-9+.:/\-[\]]+$/.test(target) ? `'self' ${target}` : "'self'";
  } catch {
    return "'self'";
  }
}

export function pageHeaders(redirectUri?: string): Record<string, string> {
  return {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': `default-src 'none'; style-src 'self' '${STYLE_HASH}'; img-src 'self' data:; form-action ${formAction(redirectUri)}; frame-ancestors 'none'; base-uri 'none'`,
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  };
}

const STYLE = `body{font-family:system-ui,sans-serif;background:#fafafa;margin:0}main{max-width:22rem;margin:3rem auto;background:#fff;padding:2rem;border:1px solid #ddd;border-radius:6px}
label{display:block;margin:.8rem 0 .2rem}input[type=text],input[type=password],input[type=email]{width:100%;box-sizing:border-box;padding:.5rem}
button{margin-top:1.2rem;width:100%;padding:.6rem;background:#337ab7;color:#fff;border:0;border-radius:4px}.error{color:#a94442;background:#f2dede;padding:.5rem;border-radius:4px}
.idpButton-customizable{display:block;text-align:center;padding:.6rem;border:1px solid #337ab7;border-radius:4px;color:#337ab7;text-decoration:none}`;

/** The one inline style block, allowed by its hash (no 'unsafe-inline'). */
const STYLE_HASH = `sha256-${createHash('sha256').update(STYLE).digest('base64')}`;

/** Where a page's SetUICustomization CSS and logo are (on the domain), when it has them. */
export interface Branding {
  css?: string;
  logo?: string;
}

export function page(title: string, body: string, branding: Branding = {}): string {
  const css = branding.css === undefined ? '' : `<link rel="stylesheet" href="${escapeHtml(branding.css)}">`;
  const logo = branding.logo === undefined ? '' : `<img class="logo-customizable" alt="" src="${escapeHtml(branding.logo)}">`;
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style>${css}</head><body><main class="banner-customizable">${logo}${body}</main></body></html>`;
}

export function errorPage(d: DomainRequest, status: number, error: string, message: string): void {
  const html = page('Error', `<h1>An error was encountered with the requested page.</h1><p class="error" role="alert">${escapeHtml(error)}: ${escapeHtml(message)}</p>`);
  d.r.res.writeHead(status, { ...pageHeaders(), 'content-length': Buffer.byteLength(html) });
  d.r.res.end(html);
}

/** An external identity provider the page offers: its name and the authorize request that names it. */
export interface ProviderChoice {
  name: string;
  href: string;
}

export interface LoginForm {
  action: string;
  csrf: string;
  providers?: ProviderChoice[];
  /** False when the client has no COGNITO sign-in: only the providers are offered. */
  password?: boolean;
  username?: string;
  error?: string;
  branding?: Branding;
}

export function loginPage(f: LoginForm): string {
  const error = f.error === undefined ? '' : `<p class="error" role="alert">${escapeHtml(f.error)}</p>`;
  const providers = (f.providers ?? []).map((p) => `<p><a class="idpButton-customizable" href="${escapeHtml(p.href)}">Continue with ${escapeHtml(p.name)}</a></p>`).join('\n');
  if (f.password === false) return page('Signin', `<h1>Sign in with your corporate ID</h1>${error}\n${providers}`, f.branding);
  return page(
    'Signin',
    `${providers === '' ? '' : `<h2>Sign in with your corporate ID</h2>\n${providers}\n<hr>`}<h1>Sign in with your username and password</h1>${error}
<form method="post" action="${escapeHtml(f.action)}">
<input type="hidden" name="_csrf" value="${escapeHtml(f.csrf)}">
<label for="signInFormUsername">Username</label>
<input id="signInFormUsername" name="username" type="text" autocomplete="username" autocapitalize="none" required value="${escapeHtml(f.username ?? '')}">
<label for="signInFormPassword">Password</label>
<input id="signInFormPassword" name="password" type="password" autocomplete="current-password" required>
<p><a href="${escapeHtml(f.action.replace('/login?', '/forgotPassword?'))}">Forgot your password?</a></p>
<button type="submit" name="signInSubmitButton" class="submitButton-customizable">Sign in</button>
</form>
<p>Need an account? <a href="${escapeHtml(f.action.replace('/login?', '/signup?'))}">Sign up</a></p>`,
    f.branding,
  );
}

export interface NewPasswordForm {
  action: string;
  csrf: string;
  session: string;
  /** Required attributes the user has no value for yet; the form asks for them. */
  required: readonly string[];
  error?: string;
  branding?: Branding;
}

/** The step after a correct temporary password (NEW_PASSWORD_REQUIRED), with Cognito's labels. */
export function newPasswordPage(f: NewPasswordForm): string {
  const error = f.error === undefined ? '' : `<p class="error" role="alert">${escapeHtml(f.error)}</p>`;
  const attrs = f.required
    .map((name, i) => `<label for="requiredAttribute${i}">${escapeHtml(name)}</label>\n<input id="requiredAttribute${i}" name="requiredAttributes[${escapeHtml(name)}]" type="text" required>`)
    .join('\n');
  return page(
    'Change Password',
    `<h1>Change Password</h1><p>Please enter a new password.</p>${error}
<form method="post" action="${escapeHtml(f.action)}">
<input type="hidden" name="_csrf" value="${escapeHtml(f.csrf)}">
<input type="hidden" name="step" value="new-password">
<input type="hidden" name="session" value="${escapeHtml(f.session)}">
<label for="new_password">New Password</label>
<input id="new_password" name="password" type="password" autocomplete="new-password" required>
<label for="confirm_password">Enter New Password Again</label>
<input id="confirm_password" name="confirmPassword" type="password" autocomplete="new-password" required>
${attrs}
<button type="submit" name="reset_password" class="submitButton-customizable">Send</button>
</form>`,
    f.branding,
  );
}

export interface MfaForm {
  action: string;
  csrf: string;
  session: string;
  challenge: string;
  /** Where the code went, masked (SMS, email). */
  destination?: string;
  /** SELECT_MFA_TYPE's factors. */
  choices?: readonly string[];
  error?: string;
  branding?: Branding;
}

export const FACTOR_NAMES: Record<string, string> = { SOFTWARE_TOKEN_MFA: 'Authenticator app', SMS_MFA: 'SMS', EMAIL_OTP: 'Email' };

/** The second factor: a code (from the authenticator app, or sent by SMS or email), or the choice of factor. */
export function mfaPage(f: MfaForm): string {
  const error = f.error === undefined ? '' : `<p class="error" role="alert">${escapeHtml(f.error)}</p>`;
  const hidden = `<input type="hidden" name="_csrf" value="${escapeHtml(f.csrf)}">
<input type="hidden" name="step" value="mfa">
<input type="hidden" name="session" value="${escapeHtml(f.session)}">`;
  if (f.challenge === 'SELECT_MFA_TYPE') {
    const buttons = (f.choices ?? []).map((c) => `<button type="submit" name="answer" value="${escapeHtml(c)}">${escapeHtml(FACTOR_NAMES[c] ?? c)}</button>`).join('\n');
    return page('Multi-factor authentication', `<h1>Choose how to sign in</h1><p>Choose a multi-factor authentication method.</p>${error}
<form method="post" action="${escapeHtml(f.action)}">
${hidden}
${buttons}
</form>`, f.branding);
  }
  const where = f.challenge === 'SOFTWARE_TOKEN_MFA'
    ? 'Enter the code from your authenticator app.'
    : `We have sent a code by ${f.challenge === 'SMS_MFA' ? 'SMS' : 'email'} to ${escapeHtml(f.destination ?? '')}. Enter the code to sign in.`;
  return page('Multi-factor authentication', `<h1>Multi-factor authentication</h1><p>${where}</p>${error}
<form method="post" action="${escapeHtml(f.action)}">
${hidden}
<label for="mfaCode">Code</label>
<input id="mfaCode" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="16" required>
<button type="submit" name="signInSubmitButton" class="submitButton-customizable">Sign in</button>
</form>`, f.branding);
}
