/**
 * A user pool's later settings, each through the public API: "Domain" (CreateUserPoolDomain,
 * the hosted UI's URL), "Sign-in experience" (SetUserPoolMfaConfig; the choice-based sign-in
 * options, SignInPolicy, by UpdateUserPool) and "User pool properties" (Lambda triggers,
 * LambdaConfig, with functions from Lambda's ListFunctions).
 */
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, call, config } from './api.js';
import { Check, ErrorNote, Field, Radios, Saved, Select, Value, attempt, message } from './kit.js';

export interface PoolDescription {
  Id: string;
  Name: string;
  Arn?: string;
  Domain?: string;
  CustomDomain?: string;
  LambdaConfig?: Record<string, unknown>;
  Policies?: { SignInPolicy?: { AllowedFirstAuthFactors?: string[] } } & Record<string, unknown>;
  [key: string]: unknown;
}

/** What UpdateUserPool takes: it replaces them all, so every one is sent back as it is. */
const UPDATABLE = ['Policies', 'DeletionProtection', 'LambdaConfig', 'AutoVerifiedAttributes', 'SmsVerificationMessage', 'EmailVerificationMessage', 'EmailVerificationSubject', 'VerificationMessageTemplate', 'SmsAuthenticationMessage', 'UserAttributeUpdateSettings', 'MfaConfiguration', 'DeviceConfiguration', 'EmailConfiguration', 'SmsConfiguration', 'UserPoolTags', 'AdminCreateUserConfig', 'UserPoolAddOns', 'AccountRecoverySetting', 'UserPoolTier'];

export async function describePool(id: string): Promise<PoolDescription> {
  return (await call<{ UserPool: PoolDescription }>('cognito-idp', 'DescribeUserPool', { UserPoolId: id })).UserPool;
}

/** UpdateUserPool with `change` over the pool's current settings (read fresh, not from the page). */
export async function updateUserPool(id: string, change: (pool: PoolDescription) => Record<string, unknown>): Promise<PoolDescription> {
  const pool = await describePool(id);
  const input: Record<string, unknown> = { UserPoolId: id };
  for (const k of UPDATABLE) if (pool[k] !== undefined) input[k] = pool[k];
  await call('cognito-idp', 'UpdateUserPool', { ...input, ...change(pool) });
  return describePool(id);
}

/** The domain's two addresses: its own host name, and the path form on this host. */
export function domainUrls(prefix: string): { host: string; path: string } {
  const port = location.port === '' ? '' : `:${location.port}`;
  return { host: `${location.protocol}//${prefix}.${config.authHostSuffix}${port}`, path: `${location.origin}/_auth/${prefix}` };
}

export function DomainTab(p: { poolId: string }) {
  const [pool, setPool] = useState<PoolDescription>();
  const [kind, setKind] = useState('prefix');
  const [prefix, setPrefix] = useState('');
  const [custom, setCustom] = useState('');
  const [cert, setCert] = useState('');
  const [version, setVersion] = useState('2');
  const [error, setError] = useState<string>();
  const load = () => describePool(p.poolId).then(setPool, (e) => setError(message(e)));
  useEffect(() => void load(), [p.poolId]);
  const create = (e: Event) => {
    e.preventDefault();
    void attempt(setError, async () => {
      const domain = kind === 'prefix' ? { Domain: prefix.trim() } : { Domain: custom.trim(), CustomDomainConfig: { CertificateArn: cert.trim() } };
      await call('cognito-idp', 'CreateUserPoolDomain', { UserPoolId: p.poolId, ...domain, ManagedLoginVersion: Number(version) });
      await load();
    });
  };
  const remove = (domain: string) => void attempt(setError, async () => {
    await call('cognito-idp', 'DeleteUserPoolDomain', { UserPoolId: p.poolId, Domain: domain });
    await load();
  });
  if (pool === undefined) return h(ErrorNote, { error });
  const urls = pool.Domain === undefined ? undefined : domainUrls(pool.Domain);
  return h(
    'section',
    null,
    h('h2', null, 'Domain'),
    h(ErrorNote, { error }),
    pool.CustomDomain !== undefined &&
      h(
        'div',
        null,
        h('dl', null, h(Value, { label: 'Custom domain', value: pool.CustomDomain })),
        h('button', { type: 'button', class: 'secondary', onClick: () => remove(pool.CustomDomain!) }, 'Delete custom domain'),
      ),
    urls !== undefined &&
      h(
        'div',
        null,
        h('dl', null, h(Value, { label: 'Cognito domain', value: urls.host }), h(Value, { label: 'Cognito domain on this host', value: urls.path })),
        h('p', null, h('a', { href: `${urls.path}/login`, target: '_blank', rel: 'noopener' }, 'Open the hosted UI'), ' (each app client\'s page links to its own login page)'),
        h('button', { type: 'button', class: 'secondary', onClick: () => remove(pool.Domain!) }, 'Delete Cognito domain'),
      ),
    urls === undefined &&
      h(
        'form',
        { onSubmit: create, 'aria-label': 'Create domain' },
        h('p', null, 'No domain yet: the hosted UI and the OAuth 2.0 endpoints answer at a domain.'),
        h(Radios, { legend: 'Domain type', value: kind, onChange: setKind, options: [['prefix', 'Cognito domain'], ['custom', 'Custom domain']] }),
        kind === 'prefix' && h(Field, { label: 'Domain prefix', value: prefix, onInput: setPrefix, required: true }),
        kind === 'prefix' && prefix !== '' && h('p', { class: 'meta' }, `The hosted UI will be at ${domainUrls(prefix.trim()).host}`),
        kind === 'custom' && h(Field, { label: 'Custom domain name', value: custom, onInput: setCustom, required: true }),
        kind === 'custom' && h(Field, { label: 'ACM certificate ARN', value: cert, onInput: setCert, required: true }),
        h(Select, { label: 'Branding version', value: version, onChange: setVersion, options: [['2', 'Managed login'], ['1', 'Hosted UI (classic)']] }),
        h('button', { type: 'submit' }, kind === 'prefix' ? 'Create Cognito domain' : 'Create custom domain'),
      ),
  );
}

interface MfaConfig {
  MfaConfiguration: string;
  SmsMfaConfiguration?: { SmsConfiguration?: { SnsCallerArn?: string; ExternalId?: string } };
  SoftwareTokenMfaConfiguration?: { Enabled: boolean };
  EmailMfaConfiguration?: Record<string, unknown>;
  WebAuthnConfiguration?: { RelyingPartyId?: string; UserVerification?: string };
}

/** SetUserPoolMfaConfig restates everything: the current settings, with `change` over them. */
function mfaInput(poolId: string, c: MfaConfig, change: Partial<MfaConfig>): Record<string, unknown> {
  const next = { ...c, ...change };
  return {
    UserPoolId: poolId,
    MfaConfiguration: next.MfaConfiguration,
    ...(next.SmsMfaConfiguration === undefined ? {} : { SmsMfaConfiguration: next.SmsMfaConfiguration }),
    ...(next.SoftwareTokenMfaConfiguration?.Enabled === true ? { SoftwareTokenMfaConfiguration: { Enabled: true } } : {}),
    ...(next.EmailMfaConfiguration === undefined ? {} : { EmailMfaConfiguration: next.EmailMfaConfiguration }),
    ...(next.WebAuthnConfiguration === undefined ? {} : { WebAuthnConfiguration: next.WebAuthnConfiguration }),
  };
}

export function SignInTab(p: { poolId: string }) {
  const [mfa, setMfa] = useState<MfaConfig>();
  const [mode, setMode] = useState('OFF');
  const [totp, setTotp] = useState(false);
  const [sms, setSms] = useState(false);
  const [email, setEmail] = useState(false);
  const [snsRole, setSnsRole] = useState('');
  const [externalId, setExternalId] = useState('');
  const [factors, setFactors] = useState<string[]>(['PASSWORD']);
  const [rp, setRp] = useState('');
  const [uv, setUv] = useState('preferred');
  const [saved, setSaved] = useState<string>();
  const [error, setError] = useState<string>();
  const load = async () => {
    const c = await call<MfaConfig>('cognito-idp', 'GetUserPoolMfaConfig', { UserPoolId: p.poolId });
    setMfa(c);
    setMode(c.MfaConfiguration);
    setTotp(c.SoftwareTokenMfaConfiguration?.Enabled === true);
    setSms(c.SmsMfaConfiguration !== undefined);
    setEmail(c.EmailMfaConfiguration !== undefined);
    setSnsRole(c.SmsMfaConfiguration?.SmsConfiguration?.SnsCallerArn ?? '');
    setExternalId(c.SmsMfaConfiguration?.SmsConfiguration?.ExternalId ?? '');
    setRp(c.WebAuthnConfiguration?.RelyingPartyId ?? '');
    setUv(c.WebAuthnConfiguration?.UserVerification ?? 'preferred');
    setFactors((await describePool(p.poolId)).Policies?.SignInPolicy?.AllowedFirstAuthFactors ?? ['PASSWORD']);
  };
  useEffect(() => void load().catch((e) => setError(message(e))), [p.poolId]);
  if (mfa === undefined) return h(ErrorNote, { error });
  const saveMfa = (e: Event) => {
    e.preventDefault();
    setSaved(undefined);
    void attempt(setError, async () => {
      const on = mode !== 'OFF';
      await call('cognito-idp', 'SetUserPoolMfaConfig', mfaInput(p.poolId, mfa, {
        MfaConfiguration: mode,
        SoftwareTokenMfaConfiguration: { Enabled: on && totp },
        SmsMfaConfiguration: on && sms ? { SmsConfiguration: { SnsCallerArn: snsRole.trim(), ...(externalId.trim() === '' ? {} : { ExternalId: externalId.trim() }) } } : undefined,
        EmailMfaConfiguration: on && email ? (mfa.EmailMfaConfiguration ?? {}) : undefined,
      }));
      await load();
      setSaved('Multi-factor authentication saved.');
    });
  };
  const saveSignIn = (e: Event) => {
    e.preventDefault();
    setSaved(undefined);
    void attempt(setError, async () => {
      // The passkey's relying party is an MFA-config setting; the first factors are the pool's.
      if (factors.includes('WEB_AUTHN') || rp.trim() !== '') {
        await call('cognito-idp', 'SetUserPoolMfaConfig', mfaInput(p.poolId, mfa, { WebAuthnConfiguration: { ...(rp.trim() === '' ? {} : { RelyingPartyId: rp.trim() }), UserVerification: uv } }));
      }
      await updateUserPool(p.poolId, (pool) => ({ Policies: { ...pool.Policies, SignInPolicy: { AllowedFirstAuthFactors: factors } } }));
      await load();
      setSaved('Sign-in options saved.');
    });
  };
  const factor = (f: string, label: string) => h(Check, { key: f, label, checked: factors.includes(f), onChange: (v) => setFactors(v ? [...factors, f] : factors.filter((x) => x !== f)) });
  return h(
    'section',
    null,
    h('h2', null, 'Sign-in experience'),
    h(ErrorNote, { error }),
    h(Saved, { show: saved !== undefined, text: saved }),
    h(
      'form',
      { onSubmit: saveMfa, 'aria-label': 'Multi-factor authentication' },
      h('h3', null, 'Multi-factor authentication'),
      h(Radios, { legend: 'MFA enforcement', value: mode, onChange: setMode, options: [['OFF', 'No MFA'], ['OPTIONAL', 'Optional MFA'], ['ON', 'Require MFA']] }),
      mode !== 'OFF' &&
        h(
          'fieldset',
          null,
          h('legend', null, 'MFA methods'),
          h(Check, { label: 'Authenticator apps', checked: totp, onChange: setTotp }),
          h(Check, { label: 'SMS message', checked: sms, onChange: setSms }),
          sms && h(Field, { label: 'IAM role ARN for SMS', value: snsRole, onInput: setSnsRole, required: true }),
          sms && h(Field, { label: 'External ID', value: externalId, onInput: setExternalId }),
          h(Check, { label: 'Email message', checked: email, onChange: setEmail }),
        ),
      h('button', { type: 'submit' }, 'Save MFA settings'),
    ),
    h(
      'form',
      { onSubmit: saveSignIn, 'aria-label': 'Options for choice-based sign-in' },
      h('h3', null, 'Options for choice-based sign-in'),
      h('p', { class: 'meta' }, 'The first factors users can choose with the USER_AUTH flow, besides Password (always allowed).'),
      factor('WEB_AUTHN', 'Passkey'),
      factor('EMAIL_OTP', 'Email message one-time password'),
      factor('SMS_OTP', 'SMS message one-time password'),
      h('h4', null, 'Passkey'),
      h(Field, { label: 'Relying party ID', value: rp, onInput: setRp }),
      h(Select, { label: 'User verification', value: uv, onChange: setUv, options: [['preferred', 'Preferred'], ['required', 'Required']] }),
      h('button', { type: 'submit' }, 'Save sign-in options'),
    ),
  );
}

/** LambdaConfig's triggers in the console's words, grouped as it groups them. */
export const TRIGGERS: [string, string][] = [
  ['PreSignUp', 'Sign-up: Pre sign-up trigger'],
  ['PostConfirmation', 'Sign-up: Post confirmation trigger'],
  ['UserMigration', 'Sign-up: Migrate user trigger'],
  ['PreAuthentication', 'Authentication: Pre authentication trigger'],
  ['PostAuthentication', 'Authentication: Post authentication trigger'],
  ['PreTokenGeneration', 'Authentication: Pre token generation trigger'],
  ['DefineAuthChallenge', 'Custom authentication: Define auth challenge trigger'],
  ['CreateAuthChallenge', 'Custom authentication: Create auth challenge trigger'],
  ['VerifyAuthChallengeResponse', 'Custom authentication: Verify auth challenge response trigger'],
  ['CustomMessage', 'Messaging: Custom message trigger'],
];

/**
 * Cognito invokes a trigger only when the function's resource policy lets cognito-idp.amazonaws.com
 * invoke it for this pool. The AWS console adds that statement when it assigns a trigger, and so
 * does this page: one per function and pool (an existing one is kept).
 */
async function allowCognito(functionArn: string, pool: PoolDescription): Promise<void> {
  try {
    await call('lambda', 'AddPermission', { FunctionName: functionArn, StatementId: `cognito-idp-${pool.Id}`, Action: 'lambda:InvokeFunction', Principal: 'cognito-idp.amazonaws.com', ...(pool.Arn === undefined ? {} : { SourceArn: pool.Arn }) });
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 'ResourceConflictException' && err.message.includes('already exists'))) throw err;
  }
}

export function PropertiesTab(p: { poolId: string }) {
  const [pool, setPool] = useState<PoolDescription>();
  const [functions, setFunctions] = useState<{ FunctionName: string; FunctionArn: string }[]>([]);
  const [trigger, setTrigger] = useState(TRIGGERS[0]![0]);
  const [fn, setFn] = useState('');
  const [error, setError] = useState<string>();
  useEffect(() => {
    describePool(p.poolId).then(setPool, (e) => setError(message(e)));
    call<{ Functions?: { FunctionName: string; FunctionArn: string }[] }>('lambda', 'ListFunctions', { MaxItems: 50 }).then((o) => {
      setFunctions(o.Functions ?? []);
      setFn(o.Functions?.[0]?.FunctionArn ?? '');
    }, (e) => setError(message(e)));
  }, [p.poolId]);
  if (pool === undefined) return h(ErrorNote, { error });
  const lambdaConfig = pool.LambdaConfig ?? {};
  const save = (next: Record<string, unknown>) => void attempt(setError, async () => setPool(await updateUserPool(p.poolId, () => ({ LambdaConfig: next }))));
  const add = (e: Event) => {
    e.preventDefault();
    void attempt(setError, async () => {
      await allowCognito(fn, pool);
      // The console sets a pre token generation trigger in both forms (V1_0 event) as AWS's does.
      const next = { ...lambdaConfig, [trigger]: fn, ...(trigger === 'PreTokenGeneration' ? { PreTokenGenerationConfig: { LambdaArn: fn, LambdaVersion: 'V1_0' } } : {}) };
      setPool(await updateUserPool(p.poolId, () => ({ LambdaConfig: next })));
    });
  };
  const remove = (t: string) => {
    const next = { ...lambdaConfig };
    delete next[t];
    if (t === 'PreTokenGeneration') delete next.PreTokenGenerationConfig;
    save(next);
  };
  const assigned = TRIGGERS.filter(([t]) => typeof lambdaConfig[t] === 'string');
  return h(
    'section',
    null,
    h('h2', null, 'User pool properties'),
    h(ErrorNote, { error }),
    h(
      'table',
      null,
      h('caption', null, 'Lambda triggers'),
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Trigger'), h('th', { scope: 'col' }, 'Lambda function'), h('th', { scope: 'col' }, 'Actions'))),
      h('tbody', null, assigned.length === 0 ? h('tr', null, h('td', { colSpan: 3 }, 'No Lambda triggers.')) : assigned.map(([t, label]) => h('tr', { key: t }, h('td', null, label), h('td', null, h('code', null, String(lambdaConfig[t]))), h('td', null, h('button', { type: 'button', class: 'secondary', 'aria-label': `Remove ${label}`, onClick: () => remove(t) }, 'Remove'))))),
    ),
    h(
      'form',
      { onSubmit: add, 'aria-label': 'Add Lambda trigger' },
      h('h3', null, 'Add Lambda trigger'),
      h(Select, { label: 'Trigger type', value: trigger, onChange: setTrigger, options: TRIGGERS }),
      functions.length === 0
        ? h('p', null, 'No Lambda functions yet: create one with the CLI or an SDK (lambda create-function).')
        : h(Select, { label: 'Assign Lambda function', value: fn, onChange: setFn, options: functions.map((f): [string, string] => [f.FunctionArn, f.FunctionName]) }),
      h('button', { type: 'submit', disabled: functions.length === 0 }, 'Add Lambda trigger'),
    ),
  );
}
