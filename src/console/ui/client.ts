/**
 * One app client: its id and the hosted UI's settings ("Login pages": "Allowed callback URLs",
 * "Allowed sign-out URLs", "Identity providers", "OAuth 2.0 grant types", "OpenID Connect
 * scopes", custom scopes) and "App client information" (auth flows, token expirations), each
 * saved with UpdateUserPoolClient; a link to its login page.
 */
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { call } from './api.js';
import { Check, ErrorNote, Lines, Saved, Value, attempt, message } from './kit.js';
import { describePool, domainUrls } from './poolsettings.js';
import { ClientSettings, DEFAULT_SETTINGS, settingsInput, settingsOf, type Settings } from './appclients.js';

interface Client {
  ClientId: string;
  ClientName: string;
  ClientSecret?: string;
  CallbackURLs?: string[];
  LogoutURLs?: string[];
  SupportedIdentityProviders?: string[];
  AllowedOAuthFlows?: string[];
  AllowedOAuthScopes?: string[];
  ExplicitAuthFlows?: string[];
  RefreshTokenValidity?: number;
  AccessTokenValidity?: number;
  IdTokenValidity?: number;
  TokenValidityUnits?: Record<string, string>;
  [key: string]: unknown;
}

/** What UpdateUserPoolClient takes; it replaces them all, so the rest go back unchanged. */
const UPDATABLE = ['ClientName', 'RefreshTokenValidity', 'AccessTokenValidity', 'IdTokenValidity', 'TokenValidityUnits', 'ReadAttributes', 'WriteAttributes', 'ExplicitAuthFlows', 'SupportedIdentityProviders', 'CallbackURLs', 'LogoutURLs', 'DefaultRedirectURI', 'AllowedOAuthFlows', 'AllowedOAuthScopes', 'AllowedOAuthFlowsUserPoolClient', 'AnalyticsConfiguration', 'PreventUserExistenceErrors', 'EnableTokenRevocation', 'EnablePropagateAdditionalUserContextData', 'AuthSessionValidity', 'RefreshTokenRotation'];
const FLOWS: [string, string][] = [['code', 'Authorization code grant'], ['implicit', 'Implicit grant'], ['client_credentials', 'Client credentials']];
const OIDC_SCOPES = ['openid', 'email', 'phone', 'profile', 'aws.cognito.signin.user.admin'];

function toggle(list: string[], v: string, on: boolean): string[] {
  return on ? [...list.filter((x) => x !== v), v] : list.filter((x) => x !== v);
}

export function AppClientPage(p: { poolId: string; clientId: string }) {
  const [client, setClient] = useState<Client>();
  const [domain, setDomain] = useState<string>();
  const [idps, setIdps] = useState<string[]>([]);
  const [custom, setCustom] = useState<string[]>([]);
  const [callbacks, setCallbacks] = useState<string[]>([]);
  const [logouts, setLogouts] = useState<string[]>([]);
  const [providers, setProviders] = useState<string[]>([]);
  const [flows, setFlows] = useState<string[]>([]);
  const [scopes, setScopes] = useState<string[]>([]);
  const [settings, setSettings] = useState<Settings>(DEFAULT_SETTINGS);
  const [saved, setSaved] = useState<'login' | 'settings'>();
  const [error, setError] = useState<string>();
  const show = (c: Client) => {
    setClient(c);
    setSettings(settingsOf(c));
    setCallbacks(c.CallbackURLs ?? []);
    setLogouts(c.LogoutURLs ?? []);
    setProviders(c.SupportedIdentityProviders ?? []);
    setFlows(c.AllowedOAuthFlows ?? []);
    setScopes(c.AllowedOAuthScopes ?? []);
  };
  const describe = async () => (await call<{ UserPoolClient: Client }>('cognito-idp', 'DescribeUserPoolClient', { UserPoolId: p.poolId, ClientId: p.clientId })).UserPoolClient;
  useEffect(() => {
    describe().then(show, (e) => setError(message(e)));
    describePool(p.poolId).then((d) => setDomain(d.Domain), (e) => setError(message(e)));
    call<{ Providers?: { ProviderName: string }[] }>('cognito-idp', 'ListIdentityProviders', { UserPoolId: p.poolId, MaxResults: 60 }).then((o) => setIdps((o.Providers ?? []).map((x) => x.ProviderName)), (e) => setError(message(e)));
    call<{ ResourceServers?: { Identifier: string; Scopes?: { ScopeName: string }[] }[] }>('cognito-idp', 'ListResourceServers', { UserPoolId: p.poolId, MaxResults: 50 }).then((o) => setCustom((o.ResourceServers ?? []).flatMap((r) => (r.Scopes ?? []).map((s) => `${r.Identifier}/${s.ScopeName}`))), (e) => setError(message(e)));
  }, [p.poolId, p.clientId]);
  if (client === undefined) return h(ErrorNote, { error });
  /** UpdateUserPoolClient replaces every setting: the current ones go back with the changes. */
  const update = async (changes: Record<string, unknown>) => {
    const current = await describe();
    const input: Record<string, unknown> = { UserPoolId: p.poolId, ClientId: p.clientId };
    for (const k of UPDATABLE) if (current[k] !== undefined) input[k] = current[k];
    Object.assign(input, changes);
    // A default redirect that is no longer a callback URL would be refused: it goes with them.
    if (typeof input.DefaultRedirectURI === 'string' && !(input.CallbackURLs as string[] | undefined ?? []).includes(input.DefaultRedirectURI)) delete input.DefaultRedirectURI;
    show((await call<{ UserPoolClient: Client }>('cognito-idp', 'UpdateUserPoolClient', input)).UserPoolClient);
  };
  const save = (e: Event) => {
    e.preventDefault();
    setSaved(undefined);
    void attempt(setError, async () => {
      await update({ CallbackURLs: callbacks, LogoutURLs: logouts, SupportedIdentityProviders: providers, AllowedOAuthFlows: flows, AllowedOAuthScopes: scopes, AllowedOAuthFlowsUserPoolClient: flows.length > 0 });
      setSaved('login');
    });
  };
  const saveSettings = (e: Event) => {
    e.preventDefault();
    setSaved(undefined);
    void attempt(setError, async () => {
      await update(settingsInput(settings));
      setSaved('settings');
    });
  };
  const login = domain !== undefined && client.CallbackURLs?.[0] !== undefined && (client.AllowedOAuthFlows ?? []).includes('code')
    ? `${domainUrls(domain).path}/login?${new URLSearchParams({ client_id: client.ClientId, response_type: 'code', scope: (client.AllowedOAuthScopes ?? []).join(' '), redirect_uri: client.CallbackURLs[0] }).toString()}`
    : undefined;
  return h(
    'section',
    null,
    h('h2', null, `App client: ${client.ClientName}`),
    h('p', null, h('a', { href: `#/user-pools/${p.poolId}/clients` }, 'Back to App clients')),
    h('dl', null, h(Value, { label: 'App client id', value: client.ClientId }), h('dt', null, 'Client secret'), h('dd', null, client.ClientSecret === undefined ? 'None' : 'Generated (shown by DescribeUserPoolClient to those allowed)')),
    login !== undefined ? h('p', null, h('a', { href: login, target: '_blank', rel: 'noopener' }, 'View login page')) : h('p', { class: 'meta' }, 'The login page needs a domain (the pool\'s "Domain" tab), a callback URL and the authorization code grant.'),
    h(ErrorNote, { error }),
    h(
      'form',
      { onSubmit: saveSettings, 'aria-label': 'App client information' },
      h('h3', null, 'App client information'),
      h(ClientSettings, { value: settings, onChange: setSettings }),
      h(Saved, { show: saved === 'settings', text: 'App client information saved.' }),
      h('button', { type: 'submit' }, 'Save app client information'),
    ),
    h(
      'form',
      { onSubmit: save, 'aria-label': 'Login pages' },
      h('h3', null, 'Login pages'),
      h(Lines, { key: `cb${client.ClientId}`, label: 'Allowed callback URLs (one per line)', value: callbacks, onChange: setCallbacks }),
      h(Lines, { key: `lo${client.ClientId}`, label: 'Allowed sign-out URLs (one per line)', value: logouts, onChange: setLogouts }),
      h('fieldset', null, h('legend', null, 'Identity providers'), ['COGNITO', ...idps].map((n) => h(Check, { key: n, label: n === 'COGNITO' ? 'Cognito user pool directory' : n, checked: providers.includes(n), onChange: (v) => setProviders(toggle(providers, n, v)) }))),
      h('fieldset', null, h('legend', null, 'OAuth 2.0 grant types'), FLOWS.map(([f, label]) => h(Check, { key: f, label, checked: flows.includes(f), onChange: (v) => setFlows(toggle(flows, f, v)) }))),
      h('fieldset', null, h('legend', null, 'OpenID Connect scopes'), OIDC_SCOPES.map((s) => h(Check, { key: s, label: s, checked: scopes.includes(s), onChange: (v) => setScopes(toggle(scopes, s, v)) }))),
      custom.length > 0 && h('fieldset', null, h('legend', null, 'Custom scopes'), custom.map((s) => h(Check, { key: s, label: s, checked: scopes.includes(s), onChange: (v) => setScopes(toggle(scopes, s, v)) }))),
      h(Saved, { show: saved === 'login', text: 'Login pages saved.' }),
      h('button', { type: 'submit' }, 'Save changes'),
    ),
  );
}
