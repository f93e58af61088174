/**
 * The MFA_SETUP pages (hosted/mfa-setup.ts): the choice of factor, the authenticator app's
 * secret (as text, an otpauth:// link and a QR code drawn as an SVG data: image, which the
 * pages' CSP allows as an image and nothing else), and the email address for email MFA.
 * Everything escaped; no script. `stepPage` picks the page for any MFA step.
 * @module
 */
import { escapeHtml, FACTOR_NAMES, mfaPage, page, type MfaForm } from './pages.js';
import type { SetupPart, TotpView } from './mfa-wrapper.js';

export interface StepForm extends MfaForm {
  setup?: SetupPart;
  totp?: TotpView;
}

/** The page for an MFA step: a set-up page for MFA_SETUP, else the code or choice page. */
export function stepPage(f: StepForm): string {
  if (f.challenge !== 'MFA_SETUP') return mfaPage(f);
  const error = f.error === undefined ? '' : `<p class="error" role="alert">${escapeHtml(f.error)}</p>`;
  const form = (inner: string): string => `<form method="post" action="${escapeHtml(f.action)}">
<input type="hidden" name="_csrf" value="${escapeHtml(f.csrf)}">
<input type="hidden" name="step" value="mfa">
<input type="hidden" name="session" value="${escapeHtml(f.session)}">
${inner}
</form>`;
  const title = 'Set up multi-factor authentication';
  if (f.setup === 'choose') {
    const buttons = (f.choices ?? []).map((c) => `<button type="submit" name="answer" value="${escapeHtml(c)}">${escapeHtml(FACTOR_NAMES[c] ?? c)}</button>`).join('\n');
    return page(title, `<h1>${title}</h1><p>Your account requires multi-factor authentication. Choose how you want to receive sign-in codes.</p>${error}\n${form(buttons)}`, f.branding);
  }
  if (f.setup === 'email') {
    return page(title, `<h1>${title}</h1><p>Enter the email address where you want to receive sign-in codes.</p>${error}
${form(`<label for="mfaEmail">Email</label>
<input id="mfaEmail" name="email" type="email" autocomplete="email" required maxlength="256" value="${escapeHtml(f.destination ?? '')}">
<button type="submit" name="sendCodeButton" class="submitButton-customizable">Send code</button>`)}`, f.branding);
  }
  const t = f.totp;
  const secret = t === undefined ? '' : `<p><img class="qr" width="200" height="200" alt="QR code for your authenticator app" src="${escapeHtml(t.qr)}"></p>
<p>Can't scan the code? Enter this secret key in your authenticator app:</p>
<p><code id="totpSecret">${escapeHtml(t.secret)}</code></p>
<p><a href="${escapeHtml(t.uri)}">Open in your authenticator app</a></p>`;
  return page(title, `<h1>Set up an authenticator app</h1><p>Scan the QR code with your authenticator app, then enter the code from your authenticator app.</p>${error}
${secret}
${form(`<label for="mfaCode">Code</label>
<input id="mfaCode" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="16" required>
<button type="submit" name="signInSubmitButton" class="submitButton-customizable">Sign in</button>`)}`, f.branding);
}
