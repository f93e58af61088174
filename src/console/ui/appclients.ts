/**
 * A pool's "App clients": the list and "Add an app client" ("App client name", "Generate client
 * secret", the auth flows and token expirations in the AWS console's words) → "Create app
 * client", which shows the "App client id". `ClientSettings` is the same flows-and-lifetimes
 * part, reused by the app client's own page to change them.
 */
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { call } from './api.js';
import { Check, ErrorNote, Field, Value, attempt, message } from './kit.js';

interface ClientSummary {
  ClientId: string;
  ClientName: string;
}

export const AUTH_FLOWS: [string, string][] = [
  ['ALLOW_ADMIN_USER_PASSWORD_AUTH', 'Enable username password auth for admin APIs for authentication (ALLOW_ADMIN_USER_PASSWORD_AUTH)'],
  ['ALLOW_CUSTOM_AUTH', 'Enable lambda trigger based custom authentication (ALLOW_CUSTOM_AUTH)'],
  ['ALLOW_USER_PASSWORD_AUTH', 'Enable username password based authentication (ALLOW_USER_PASSWORD_AUTH)'],
  ['ALLOW_USER_SRP_AUTH', 'Enable SRP (secure remote password) protocol based authentication (ALLOW_USER_SRP_AUTH)'],
  ['ALLOW_USER_AUTH', 'Enable choice-based sign-in (ALLOW_USER_AUTH)'],
  ['ALLOW_REFRESH_TOKEN_AUTH', 'Enable refresh token based authentication (ALLOW_REFRESH_TOKEN_AUTH)'],
];

/** The flows and lifetimes as the form edits them (lifetimes as typed, in the units shown). */
export interface Settings {
  flows: string[];
  refreshDays: string;
  accessMinutes: string;
  idMinutes: string;
}

/** What a client described by DescribeUserPoolClient shows in the form (AWS's defaults where unset). */
export function settingsOf(c: { ExplicitAuthFlows?: string[]; RefreshTokenValidity?: number; AccessTokenValidity?: number; IdTokenValidity?: number; TokenValidityUnits?: Record<string, string> }): Settings {
  const seconds: Record<string, number> = { seconds: 1, minutes: 60, hours: 3600, days: 86400 };
  const u = c.TokenValidityUnits ?? {};
  const inUnit = (v: number | undefined, unit: string | undefined, fallback: string, dflt: number, target: number) => String(v === undefined ? dflt : (v * (seconds[unit ?? fallback] ?? 1)) / target);
  return {
    flows: c.ExplicitAuthFlows ?? [],
    refreshDays: inUnit(c.RefreshTokenValidity, u.RefreshToken, 'days', 30, 86400),
    accessMinutes: inUnit(c.AccessTokenValidity, u.AccessToken, 'hours', 60, 60),
    idMinutes: inUnit(c.IdTokenValidity, u.IdToken, 'hours', 60, 60),
  };
}

/** The API input for the settings: lifetimes in the units the form shows them in. */
export function settingsInput(s: Settings): Record<string, unknown> {
  return {
    ExplicitAuthFlows: s.flows,
    RefreshTokenValidity: Number(s.refreshDays),
    AccessTokenValidity: Number(s.accessMinutes),
    IdTokenValidity: Number(s.idMinutes),
    TokenValidityUnits: { RefreshToken: 'days', AccessToken: 'minutes', IdToken: 'minutes' },
  };
}

export const DEFAULT_SETTINGS: Settings = { flows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'], refreshDays: '30', accessMinutes: '60', idMinutes: '60' };

export function ClientSettings(p: { value: Settings; onChange: (s: Settings) => void }) {
  const s = p.value;
  return h(
    'div',
    null,
    h(Field, { label: 'Refresh token expiration (days)', type: 'number', value: s.refreshDays, onInput: (v) => p.onChange({ ...s, refreshDays: v }), required: true }),
    h(Field, { label: 'Access token expiration (minutes)', type: 'number', value: s.accessMinutes, onInput: (v) => p.onChange({ ...s, accessMinutes: v }), required: true }),
    h(Field, { label: 'ID token expiration (minutes)', type: 'number', value: s.idMinutes, onInput: (v) => p.onChange({ ...s, idMinutes: v }), required: true }),
    h(
      'fieldset',
      null,
      h('legend', null, 'Auth Flows Configuration'),
      AUTH_FLOWS.map(([flow, label]) => h(Check, { key: flow, label, checked: s.flows.includes(flow), onChange: (on) => p.onChange({ ...s, flows: on ? [...s.flows.filter((f) => f !== flow), flow] : s.flows.filter((f) => f !== flow) }) })),
    ),
  );
}

export function AppClients(p: { poolId: string }) {
  const [clients, setClients] = useState<ClientSummary[]>([]);
  const [adding, setAdding] = useState(false);
  const [name, setName] = useState('');
  const [secret, setSecret] = useState(true);
  const [settings, setSettings] = useState<Settings>(DEFAULT_SETTINGS);
  const [created, setCreated] = useState<ClientSummary>();
  const [error, setError] = useState<string>();
  const load = () => call<{ UserPoolClients?: ClientSummary[] }>('cognito-idp', 'ListUserPoolClients', { UserPoolId: p.poolId, MaxResults: 60 }).then((o) => setClients(o.UserPoolClients ?? []), (e) => setError(message(e)));
  useEffect(() => void load(), [p.poolId]);
  const create = async (e: Event) => {
    e.preventDefault();
    await attempt(setError, async () => {
      const out = await call<{ UserPoolClient: ClientSummary }>('cognito-idp', 'CreateUserPoolClient', { UserPoolId: p.poolId, ClientName: name, GenerateSecret: secret, ...settingsInput(settings) });
      setCreated(out.UserPoolClient);
      setAdding(false);
      await load();
    });
  };
  return h(
    'section',
    null,
    h('h2', null, 'App clients'),
    created !== undefined && h('div', { class: 'notice', role: 'status' }, h('p', null, `App client ${created.ClientName} created.`), h('dl', null, h(Value, { label: 'App client id', value: created.ClientId }))),
    clients.length > 0 && h('table', null, h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'App client name'), h('th', { scope: 'col' }, 'App client id'))), h('tbody', null, clients.map((c) => h('tr', { key: c.ClientId }, h('td', null, h('a', { href: `#/user-pools/${p.poolId}/clients/${c.ClientId}` }, c.ClientName)), h('td', null, h('code', null, c.ClientId)))))),
    !adding && h(ErrorNote, { error }),
    // A disclosure: the button stays (and keeps the focus), the form opens after it.
    h('button', { type: 'button', 'aria-expanded': adding, 'aria-controls': 'add-app-client', onClick: () => setAdding(!adding) }, 'Add an app client'),
    adding &&
      h(
        'form',
        { id: 'add-app-client', onSubmit: create, 'aria-label': 'Add an app client' },
        h(Field, { label: 'App client name', value: name, onInput: setName, required: true }),
        h(Check, { label: 'Generate client secret', checked: secret, onChange: setSecret }),
        h(ClientSettings, { value: settings, onChange: setSettings }),
        h(ErrorNote, { error }),
        h('button', { type: 'submit' }, 'Create app client'),
      ),
  );
}
