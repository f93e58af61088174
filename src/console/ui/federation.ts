/**
 * A user pool's "Identity providers" (ListIdentityProviders; "Add identity provider" for OpenID
 * Connect or SAML — its metadata uploaded or named by URL, the pool's entity ID and ACS URL shown
 * for the provider's side — CreateIdentityProvider; delete) and "Resource servers" (ListResourceServers;
 * "Create resource server" with its custom scopes, CreateResourceServer; delete).
 */
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { call } from './api.js';
import { Check, ErrorNote, Field, Radios, Select, Value, attempt, message } from './kit.js';
import { describePool, domainUrls } from './poolsettings.js';

interface ProviderSummary {
  ProviderName: string;
  ProviderType: string;
}

const TYPE_NAMES: Record<string, string> = { OIDC: 'OpenID Connect (OIDC)', SAML: 'SAML' };
/** A metadata document is at most 131072 characters (ProviderDetails); bigger files are not read. */
const MAX_METADATA_BYTES = 256 * 1024;

export function IdentityProvidersTab(p: { poolId: string }) {
  const [providers, setProviders] = useState<ProviderSummary[]>([]);
  const [adding, setAdding] = useState(false);
  const [kind, setKind] = useState('OIDC');
  const [name, setName] = useState('');
  const [clientId, setClientId] = useState('');
  const [secret, setSecret] = useState('');
  const [scopes, setScopes] = useState('openid email');
  const [method, setMethod] = useState('GET');
  const [issuer, setIssuer] = useState('');
  const [emailClaim, setEmailClaim] = useState('email');
  const [source, setSource] = useState('file');
  const [metadataFile, setMetadataFile] = useState<string>();
  const [metadataUrl, setMetadataUrl] = useState('');
  const [signOut, setSignOut] = useState(false);
  const [samlEmail, setSamlEmail] = useState('');
  const [domain, setDomain] = useState<string>();
  const [error, setError] = useState<string>();
  const load = () => call<{ Providers?: ProviderSummary[] }>('cognito-idp', 'ListIdentityProviders', { UserPoolId: p.poolId, MaxResults: 60 }).then((o) => setProviders(o.Providers ?? []), (e) => setError(message(e)));
  useEffect(() => {
    void load();
    describePool(p.poolId).then((d) => setDomain(d.Domain), (e) => setError(message(e)));
  }, [p.poolId]);
  const readMetadata = (input: HTMLInputElement) => {
    const file = input.files?.[0];
    if (file === undefined) return setMetadataFile(undefined);
    if (file.size > MAX_METADATA_BYTES) {
      setMetadataFile(undefined);
      return setError(`${file.name} is larger than a metadata document can be.`);
    }
    file.text().then(setMetadataFile, (e) => setError(message(e)));
  };
  const details = (): Record<string, unknown> => {
    if (kind === 'OIDC') {
      return {
        ProviderDetails: { client_id: clientId.trim(), ...(secret === '' ? {} : { client_secret: secret }), authorize_scopes: scopes.trim(), attributes_request_method: method, oidc_issuer: issuer.trim() },
        AttributeMapping: { username: 'sub', ...(emailClaim.trim() === '' ? {} : { email: emailClaim.trim() }) },
      };
    }
    // No document chosen: nothing sent, so Cognito's own "At least one of …" is what shows.
    const doc = source === 'file' ? (metadataFile === undefined ? {} : { MetadataFile: metadataFile }) : { MetadataURL: metadataUrl.trim() };
    return { ProviderDetails: { ...doc, ...(signOut ? { IDPSignout: 'true' } : {}) }, AttributeMapping: samlEmail.trim() === '' ? {} : { email: samlEmail.trim() } };
  };
  const create = (e: Event) => {
    e.preventDefault();
    void attempt(setError, async () => {
      await call('cognito-idp', 'CreateIdentityProvider', { UserPoolId: p.poolId, ProviderName: name.trim(), ProviderType: kind, ...details() });
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
    !adding && h(ErrorNote, { error }),
    h(
      'table',
      null,
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Provider name'), h('th', { scope: 'col' }, 'Type'), h('th', { scope: 'col' }, 'Actions'))),
      h('tbody', null, providers.length === 0 ? h('tr', null, h('td', { colSpan: 3 }, 'No identity providers: users sign in with the Cognito user pool directory.')) : providers.map((x) => h('tr', { key: x.ProviderName }, h('td', null, x.ProviderName), h('td', null, TYPE_NAMES[x.ProviderType] ?? x.ProviderType), h('td', null, h('button', { type: 'button', class: 'secondary', 'aria-label': `Delete ${x.ProviderName}`, onClick: () => remove(x.ProviderName) }, 'Delete'))))),
    ),
    !adding && h('button', { type: 'button', onClick: () => setAdding(true) }, 'Add identity provider'),
    adding &&
      h(
        'form',
        { onSubmit: create, 'aria-label': 'Add identity provider' },
        h(Radios, { legend: 'Identity provider', value: kind, onChange: setKind, options: [['OIDC', 'OpenID Connect (OIDC)'], ['SAML', 'SAML']] }),
        h(Field, { label: 'Provider name', value: name, onInput: setName, required: true }),
        kind === 'OIDC' && [
          h(Field, { key: 'id', label: 'Client ID', value: clientId, onInput: setClientId, required: true }),
          h(Field, { key: 'secret', label: 'Client secret', value: secret, onInput: setSecret, type: 'password' }),
          h(Field, { key: 'scopes', label: 'Authorized scopes', value: scopes, onInput: setScopes, required: true }),
          h(Select, { key: 'method', label: 'Attribute request method', value: method, onChange: setMethod, options: [['GET', 'GET'], ['POST', 'POST']] }),
          h(Field, { key: 'issuer', label: 'Issuer URL', value: issuer, onInput: setIssuer, required: true }),
          h('h4', { key: 'map' }, 'Map attributes between your OpenID Connect provider and your user pool'),
          h(Field, { key: 'email', label: 'OpenID Connect attribute for email', value: emailClaim, onInput: setEmailClaim }),
        ],
        kind === 'SAML' && [
          h(ServiceProvider, { key: 'sp', poolId: p.poolId, domain }),
          h(Radios, { key: 'source', legend: 'Metadata document source', value: source, onChange: setSource, options: [['file', 'Upload metadata document'], ['url', 'Enter metadata document endpoint URL']] }),
          source === 'file'
            ? h('div', { key: 'file', class: 'field' }, h('label', { for: 'saml-metadata' }, 'Metadata document'), h('input', { id: 'saml-metadata', type: 'file', accept: '.xml,application/xml,application/samlmetadata+xml,text/xml', onChange: (e: Event) => readMetadata(e.target as HTMLInputElement) }))
            : h(Field, { key: 'url', label: 'Metadata document endpoint URL', value: metadataUrl, onInput: setMetadataUrl, required: true, type: 'url' }),
          h(Check, { key: 'signout', label: 'Add sign-out flow', checked: signOut, onChange: setSignOut }),
          h('h4', { key: 'map' }, 'Map attributes between your SAML provider and your user pool'),
          h(Field, { key: 'email', label: 'SAML attribute for email', value: samlEmail, onInput: setSamlEmail }),
        ],
        h(ErrorNote, { error }),
        h('button', { type: 'submit' }, 'Add identity provider'),
      ),
  );
}

/** What the SAML provider needs to know of the user pool: its entity ID and where to post. */
function ServiceProvider(p: { poolId: string; domain: string | undefined }) {
  return h(
    'div',
    { class: 'notice' },
    h('p', null, 'Register the user pool with your SAML provider as a service provider:'),
    h(
      'dl',
      null,
      h(Value, { label: 'Entity ID', value: `urn:amazon:cognito:sp:${p.poolId}` }),
      p.domain === undefined
        ? [h('dt', { key: 'dt' }, 'Assertion consumer service (ACS) URL'), h('dd', { key: 'dd' }, 'The user pool needs a domain first (the "Domain" tab).')]
        : h(Value, { label: 'Assertion consumer service (ACS) URL', value: `${domainUrls(p.domain).host}/saml2/idpresponse` }),
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
