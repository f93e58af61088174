/**
 * A user pool's "Identity providers" (ListIdentityProviders; "Add identity provider" for OpenID
 * Connect, CreateIdentityProvider; delete) and "Resource servers" (ListResourceServers;
 * "Create resource server" with its custom scopes, CreateResourceServer; delete).
 */
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { call } from './api.js';
import { ErrorNote, Field, Select, attempt, message } from './kit.js';

interface ProviderSummary {
  ProviderName: string;
  ProviderType: string;
}

export function IdentityProvidersTab(p: { poolId: string }) {
  const [providers, setProviders] = useState<ProviderSummary[]>([]);
  const [adding, setAdding] = useState(false);
  const [name, setName] = useState('');
  const [clientId, setClientId] = useState('');
  const [secret, setSecret] = useState('');
  const [scopes, setScopes] = useState('openid email');
  const [method, setMethod] = useState('GET');
  const [issuer, setIssuer] = useState('');
  const [emailClaim, setEmailClaim] = useState('email');
  const [error, setError] = useState<string>();
  const load = () => call<{ Providers?: ProviderSummary[] }>('cognito-idp', 'ListIdentityProviders', { UserPoolId: p.poolId, MaxResults: 60 }).then((o) => setProviders(o.Providers ?? []), (e) => setError(message(e)));
  useEffect(() => void load(), [p.poolId]);
  const create = (e: Event) => {
    e.preventDefault();
    void attempt(setError, async () => {
      await call('cognito-idp', 'CreateIdentityProvider', {
        UserPoolId: p.poolId,
        ProviderName: name.trim(),
        ProviderType: 'OIDC',
        ProviderDetails: { client_id: clientId.trim(), ...(secret === '' ? {} : { client_secret: secret }), authorize_scopes: scopes.trim(), attributes_request_method: method, oidc_issuer: issuer.trim() },
        AttributeMapping: { username: 'sub', ...(emailClaim.trim() === '' ? {} : { email: emailClaim.trim() }) },
      });
      setAdding(false);
      setSecret('');
      await load();
    });
  };
  const remove = (n: string) => void attempt(setError, async () => {
    await call('cognito-idp', 'DeleteIdentityProvider', { UserPoolId: p.poolId, ProviderName: n });
    await load();
  });
  return h(
    'section',
    null,
    h('h2', null, 'Identity providers'),
    h(ErrorNote, { error }),
    h(
      'table',
      null,
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Provider name'), h('th', { scope: 'col' }, 'Type'), h('th', { scope: 'col' }, 'Actions'))),
      h('tbody', null, providers.length === 0 ? h('tr', null, h('td', { colSpan: 3 }, 'No identity providers: users sign in with the Cognito user pool directory.')) : providers.map((x) => h('tr', { key: x.ProviderName }, h('td', null, x.ProviderName), h('td', null, x.ProviderType === 'OIDC' ? 'OpenID Connect (OIDC)' : x.ProviderType), h('td', null, h('button', { type: 'button', class: 'secondary', 'aria-label': `Delete ${x.ProviderName}`, onClick: () => remove(x.ProviderName) }, 'Delete'))))),
    ),
    !adding && h('button', { type: 'button', onClick: () => setAdding(true) }, 'Add identity provider'),
    adding &&
      h(
        'form',
        { onSubmit: create, 'aria-label': 'Add identity provider' },
        h('h3', null, 'OpenID Connect (OIDC)'),
        h(Field, { label: 'Provider name', value: name, onInput: setName, required: true }),
        h(Field, { label: 'Client ID', value: clientId, onInput: setClientId, required: true }),
        h(Field, { label: 'Client secret', value: secret, onInput: setSecret, type: 'password' }),
        h(Field, { label: 'Authorized scopes', value: scopes, onInput: setScopes, required: true }),
        h(Select, { label: 'Attribute request method', value: method, onChange: setMethod, options: [['GET', 'GET'], ['POST', 'POST']] }),
        h(Field, { label: 'Issuer URL', value: issuer, onInput: setIssuer, required: true }),
        h('h4', null, 'Map attributes between your OpenID Connect provider and your user pool'),
        h(Field, { label: 'OpenID Connect attribute for email', value: emailClaim, onInput: setEmailClaim }),
        h('button', { type: 'submit' }, 'Add identity provider'),
      ),
  );
}

interface Scope {
  ScopeName: string;
  ScopeDescription: string;
}
interface ResourceServer {
  Identifier: string;
  Name: string;
  Scopes?: Scope[];
}

export function ResourceServersTab(p: { poolId: string }) {
  const [servers, setServers] = useState<ResourceServer[]>([]);
  const [adding, setAdding] = useState(false);
  const [name, setName] = useState('');
  const [identifier, setIdentifier] = useState('');
  const [scopes, setScopes] = useState<Scope[]>([{ ScopeName: '', ScopeDescription: '' }]);
  const [error, setError] = useState<string>();
  const load = () => call<{ ResourceServers?: ResourceServer[] }>('cognito-idp', 'ListResourceServers', { UserPoolId: p.poolId, MaxResults: 50 }).then((o) => setServers(o.ResourceServers ?? []), (e) => setError(message(e)));
  useEffect(() => void load(), [p.poolId]);
  const create = (e: Event) => {
    e.preventDefault();
    void attempt(setError, async () => {
      const named = scopes.filter((s) => s.ScopeName.trim() !== '').map((s) => ({ ScopeName: s.ScopeName.trim(), ScopeDescription: s.ScopeDescription.trim() }));
      await call('cognito-idp', 'CreateResourceServer', { UserPoolId: p.poolId, Identifier: identifier.trim(), Name: name.trim(), ...(named.length === 0 ? {} : { Scopes: named }) });
      setAdding(false);
      await load();
    });
  };
  const remove = (id: string) => void attempt(setError, async () => {
    await call('cognito-idp', 'DeleteResourceServer', { UserPoolId: p.poolId, Identifier: id });
    await load();
  });
  const setScope = (i: number, change: Partial<Scope>) => setScopes(scopes.map((s, j) => (i === j ? { ...s, ...change } : s)));
  return h(
    'section',
    null,
    h('h2', null, 'Resource servers'),
    h(ErrorNote, { error }),
    h(
      'table',
      null,
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Resource server name'), h('th', { scope: 'col' }, 'Resource server identifier'), h('th', { scope: 'col' }, 'Custom scopes'), h('th', { scope: 'col' }, 'Actions'))),
      h('tbody', null, servers.length === 0 ? h('tr', null, h('td', { colSpan: 4 }, 'No resource servers.')) : servers.map((s) => h('tr', { key: s.Identifier }, h('td', null, s.Name), h('td', null, h('code', null, s.Identifier)), h('td', null, (s.Scopes ?? []).map((x) => `${s.Identifier}/${x.ScopeName}`).join(', ')), h('td', null, h('button', { type: 'button', class: 'secondary', 'aria-label': `Delete ${s.Name}`, onClick: () => remove(s.Identifier) }, 'Delete'))))),
    ),
    !adding && h('button', { type: 'button', onClick: () => setAdding(true) }, 'Create resource server'),
    adding &&
      h(
        'form',
        { onSubmit: create, 'aria-label': 'Create resource server' },
        h(Field, { label: 'Resource server name', value: name, onInput: setName, required: true }),
        h(Field, { label: 'Resource server identifier', value: identifier, onInput: setIdentifier, required: true }),
        h('h3', null, 'Custom scopes'),
        scopes.map((s, i) =>
          h('fieldset', { key: i }, h('legend', null, `Scope ${i + 1}`), h(Field, { label: 'Scope name', value: s.ScopeName, onInput: (v) => setScope(i, { ScopeName: v }) }), h(Field, { label: 'Description', value: s.ScopeDescription, onInput: (v) => setScope(i, { ScopeDescription: v }) })),
        ),
        h('button', { type: 'button', class: 'secondary', onClick: () => setScopes([...scopes, { ScopeName: '', ScopeDescription: '' }]) }, 'Add another'),
        h('button', { type: 'submit' }, 'Create resource server'),
      ),
  );
}
