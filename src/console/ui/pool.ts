/** One user pool: "General settings" (Pool Id, ARN) and "App clients" ("Add an app client"). */
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { call } from './api.js';
import { Check, ErrorNote, Field, Page, Value, attempt, message } from './kit.js';
import { AppClientPage } from './client.js';
import { IdentityProvidersTab, ResourceServersTab } from './federation.js';
import { DomainTab, PropertiesTab, SignInTab } from './poolsettings.js';
import { Groups, Users } from './users.js';

interface Pool {
  Id: string;
  Name: string;
  Arn: string;
  EstimatedNumberOfUsers?: number;
}
interface ClientSummary {
  ClientId: string;
  ClientName: string;
}

export function UserPool(p: { id: string; tab: string; sub?: string }) {
  const [pool, setPool] = useState<Pool>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    call<{ UserPool: Pool }>('cognito-idp', 'DescribeUserPool', { UserPoolId: p.id }).then((o) => setPool(o.UserPool), (e) => setError(message(e)));
  }, [p.id]);
  const tabs: [string, string][] = [
    ['general', 'General settings'], ['clients', 'App clients'], ['users', 'Users'], ['groups', 'Groups'], ['sign-in', 'Sign-in experience'],
    ['properties', 'User pool properties'], ['domain', 'Domain'], ['providers', 'Identity providers'], ['resource-servers', 'Resource servers'],
  ];
  return h(
    Page,
    { title: pool?.Name ?? 'User pool' },
    h(ErrorNote, { error }),
    h('nav', { class: 'tabs', 'aria-label': 'User pool sections' }, tabs.map(([t, label]) => h('a', { key: t, href: `#/user-pools/${p.id}/${t}`, 'aria-current': p.tab === t ? 'page' : undefined }, label))),
    pool !== undefined && p.tab === 'general' && h('section', null, h('h2', null, 'General settings'), h('dl', null, h(Value, { label: 'Pool Id', value: pool.Id }), h(Value, { label: 'Pool ARN', value: pool.Arn }))),
    p.tab === 'clients' && p.sub === undefined && h(AppClients, { poolId: p.id }),
    p.tab === 'clients' && p.sub !== undefined && h(AppClientPage, { key: p.sub, poolId: p.id, clientId: p.sub }),
    p.tab === 'sign-in' && h(SignInTab, { poolId: p.id }),
    p.tab === 'properties' && h(PropertiesTab, { poolId: p.id }),
    p.tab === 'domain' && h(DomainTab, { poolId: p.id }),
    p.tab === 'providers' && h(IdentityProvidersTab, { poolId: p.id }),
    p.tab === 'resource-servers' && h(ResourceServersTab, { poolId: p.id }),
    p.tab === 'users' && h(Users, { poolId: p.id }),
    p.tab === 'groups' && h(Groups, { poolId: p.id }),
  );
}

function AppClients(p: { poolId: string }) {
  const [clients, setClients] = useState<ClientSummary[]>([]);
  const [adding, setAdding] = useState(false);
  const [name, setName] = useState('');
  const [secret, setSecret] = useState(true);
  const [srp, setSrp] = useState(true);
  const [created, setCreated] = useState<ClientSummary>();
  const [error, setError] = useState<string>();
  const load = () => call<{ UserPoolClients?: ClientSummary[] }>('cognito-idp', 'ListUserPoolClients', { UserPoolId: p.poolId, MaxResults: 60 }).then((o) => setClients(o.UserPoolClients ?? []), (e) => setError(message(e)));
  useEffect(() => void load(), [p.poolId]);
  const create = async (e: Event) => {
    e.preventDefault();
    await attempt(setError, async () => {
      const flows = ['ALLOW_REFRESH_TOKEN_AUTH', ...(srp ? ['ALLOW_USER_SRP_AUTH'] : [])];
      const out = await call<{ UserPoolClient: ClientSummary }>('cognito-idp', 'CreateUserPoolClient', { UserPoolId: p.poolId, ClientName: name, GenerateSecret: secret, ExplicitAuthFlows: flows });
      setCreated(out.UserPoolClient);
      setAdding(false);
      await load();
    });
  };
  return h(
    'section',
    null,
    h('h2', null, 'App clients'),
    h(ErrorNote, { error }),
    created !== undefined && h('div', { class: 'notice', role: 'status' }, h('p', null, `App client ${created.ClientName} created.`), h('dl', null, h(Value, { label: 'App client id', value: created.ClientId }))),
    clients.length > 0 && h('table', null, h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'App client name'), h('th', { scope: 'col' }, 'App client id'))), h('tbody', null, clients.map((c) => h('tr', { key: c.ClientId }, h('td', null, h('a', { href: `#/user-pools/${p.poolId}/clients/${c.ClientId}` }, c.ClientName)), h('td', null, h('code', null, c.ClientId)))))),
    !adding && h('button', { type: 'button', onClick: () => setAdding(true) }, 'Add an app client'),
    adding &&
      h(
        'form',
        { onSubmit: create, 'aria-label': 'Add an app client' },
        h(Field, { label: 'App client name', value: name, onInput: setName, required: true }),
        h(Check, { label: 'Generate client secret', checked: secret, onChange: setSecret }),
        h(Check, { label: 'Enable SRP (secure remote password) protocol based authentication (ALLOW_USER_SRP_AUTH)', checked: srp, onChange: setSrp }),
        h('button', { type: 'submit' }, 'Create app client'),
      ),
  );
}
