/**
 * Identity pools in the walkthrough's words: "Manage Identity Pools" → "Create new identity pool"
 * ("Identity pool name", "Enable access to unauthenticated identities", "Authentication
 * providers" → "Cognito": "User Pool ID", "App client id") → "Create Pool"; then "Your Cognito
 * identities require access to your resources" → "Allow", which creates the two roles with the
 * trust policies the AWS console writes and sets them on the pool; "Edit identity pool" (its
 * ID, guest access, and the role mappings of rolemappings.ts).
 */
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { call } from './api.js';
import { Check, ErrorNote, Field, Page, Value, attempt, go, message } from './kit.js';
import { RoleMappings } from './rolemappings.js';

interface CognitoProvider {
  ProviderName: string;
  ClientId: string;
  ServerSideTokenCheck?: boolean;
}
interface IdentityPool {
  IdentityPoolId: string;
  IdentityPoolName: string;
  AllowUnauthenticatedIdentities: boolean;
  CognitoIdentityProviders?: CognitoProvider[];
}

/** The trust policy the Cognito console writes for a pool's authenticated or guest role. */
export function trustPolicy(identityPoolId: string, amr: 'authenticated' | 'unauthenticated'): string {
  return JSON.stringify(
    {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: 'cognito-identity.amazonaws.com' },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { StringEquals: { 'cognito-identity.amazonaws.com:aud': identityPoolId }, 'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': amr } },
        },
      ],
    },
    null,
    2,
  );
}

/** The inline policy the Cognito console gives each role it creates ("oneClick_<role>"). */
export function oneClickPolicy(amr: 'authenticated' | 'unauthenticated'): string {
  const actions = amr === 'authenticated' ? ['mobileanalytics:PutEvents', 'cognito-sync:*', 'cognito-identity:*'] : ['mobileanalytics:PutEvents', 'cognito-sync:*'];
  return JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: ['*'] }] }, null, 2);
}

/** `MSN Identity Pool` → `Cognito_MSNIdentityPoolAuth_Role` (role names allow no spaces). */
export function roleNames(poolName: string): { auth: string; unauth: string } {
  const compact = poolName.replace(/[^A-Za-z0-9_+=,.@-]/g, '');
  return { auth: `Cognito_${compact}Auth_Role`, unauth: `Cognito_${compact}Unauth_Role` };
}

export function IdentityPools() {
  const [pools, setPools] = useState<{ IdentityPoolId: string; IdentityPoolName: string }[]>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    call<{ IdentityPools?: { IdentityPoolId: string; IdentityPoolName: string }[] }>('cognito-identity', 'ListIdentityPools', { MaxResults: 60 }).then((o) => setPools(o.IdentityPools ?? []), (e) => setError(message(e)));
  }, []);
  return h(
    Page,
    { title: 'Identity pools' },
    h('p', null, h('a', { class: 'button', href: '#/identity-pools/create' }, 'Create new identity pool')),
    h(ErrorNote, { error }),
    pools === undefined
      ? h('p', null, 'Loading…')
      : pools.length === 0
        ? h('p', null, 'No identity pools yet.')
        : h('table', null, h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Identity pool name'), h('th', { scope: 'col' }, 'Identity pool ID'))), h('tbody', null, pools.map((p) => h('tr', { key: p.IdentityPoolId }, h('td', null, h('a', { href: `#/identity-pools/${encodeURIComponent(p.IdentityPoolId)}` }, p.IdentityPoolName)), h('td', null, h('code', null, p.IdentityPoolId)))))),
  );
}

export function CreateIdentityPool() {
  const [name, setName] = useState('');
  const [unauth, setUnauth] = useState(false);
  const [open, setOpen] = useState(false);
  const [poolId, setPoolId] = useState('');
  const [clientId, setClientId] = useState('');
  const [error, setError] = useState<string>();
  const create = async (e: Event) => {
    e.preventDefault();
    await attempt(setError, async () => {
      const region = poolId.trim().split('_')[0] ?? '';
      const providers = poolId.trim() === '' ? [] : [{ ProviderName: `cognito-idp.${region}.amazonaws.com/${poolId.trim()}`, ClientId: clientId.trim(), ServerSideTokenCheck: false }];
      const out = await call<IdentityPool>('cognito-identity', 'CreateIdentityPool', { IdentityPoolName: name, AllowUnauthenticatedIdentities: unauth, CognitoIdentityProviders: providers });
      go(`/identity-pools/${encodeURIComponent(out.IdentityPoolId)}/roles`);
    });
  };
  return h(
    Page,
    { title: 'Create new identity pool' },
    h(
      'form',
      { onSubmit: create, 'aria-label': 'Create new identity pool' },
      h(Field, { label: 'Identity pool name', value: name, onInput: setName, required: true }),
      h('h2', null, 'Unauthenticated identities'),
      h(Check, { label: 'Enable access to unauthenticated identities', checked: unauth, onChange: setUnauth }),
      h('h2', null, h('button', { type: 'button', class: 'disclosure', 'aria-expanded': open, 'aria-controls': 'auth-providers', onClick: () => setOpen(!open) }, 'Authentication providers')),
      h(
        'div',
        { id: 'auth-providers', hidden: !open },
        h('div', { role: 'tablist', 'aria-label': 'Authentication providers' }, h('button', { type: 'button', role: 'tab', id: 'tab-cognito', 'aria-selected': true, 'aria-controls': 'panel-cognito' }, 'Cognito')),
        h('div', { role: 'tabpanel', id: 'panel-cognito', 'aria-labelledby': 'tab-cognito' }, h(Field, { label: 'User Pool ID', value: poolId, onInput: setPoolId }), h(Field, { label: 'App client id', value: clientId, onInput: setClientId })),
      ),
      h(ErrorNote, { error }),
      h('button', { type: 'submit' }, 'Create Pool'),
    ),
  );
}

/** "Your Cognito identities require access to your resources": the two roles, then "Allow". */
export function IdentityPoolRoles(p: { id: string }) {
  const [pool, setPool] = useState<IdentityPool>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    call<IdentityPool>('cognito-identity', 'DescribeIdentityPool', { IdentityPoolId: p.id }).then(setPool, (e) => setError(message(e)));
  }, [p.id]);
  if (pool === undefined) return h(Page, { title: 'Identity pool' }, h(ErrorNote, { error }));
  const names = roleNames(pool.IdentityPoolName);
  const allow = async () => {
    setBusy(true);
    await attempt(setError, async () => {
      const arns: Record<string, string> = {};
      for (const [amr, roleName] of [['authenticated', names.auth], ['unauthenticated', names.unauth]] as const) {
        const role = await call<{ Role: { Arn: string } }>('iam', 'CreateRole', { RoleName: roleName, Path: '/', AssumeRolePolicyDocument: trustPolicy(pool.IdentityPoolId, amr) });
        await call('iam', 'PutRolePolicy', { RoleName: roleName, PolicyName: `oneClick_${roleName}_${Date.now()}`, PolicyDocument: oneClickPolicy(amr) });
        arns[amr] = role.Role.Arn;
      }
      await call('cognito-identity', 'SetIdentityPoolRoles', { IdentityPoolId: pool.IdentityPoolId, Roles: arns });
      go(`/identity-pools/${encodeURIComponent(pool.IdentityPoolId)}`);
    });
    setBusy(false);
  };
  const role = (title: string, roleName: string, amr: 'authenticated' | 'unauthenticated') =>
    h('section', { key: amr }, h('h3', null, title), h('dl', null, h('dt', null, 'IAM Role'), h('dd', null, h('code', null, roleName))), h('details', null, h('summary', null, 'View Policy Document'), h('pre', null, trustPolicy(pool.IdentityPoolId, amr))));
  return h(
    Page,
    { title: 'Your Cognito identities require access to your resources' },
    h('p', null, 'Assigning a role to your application end users helps you restrict access to your AWS resources. Amazon Cognito integrates with Identity and Access Management (IAM) and lets you select specific roles for both your authenticated and unauthenticated identities.'),
    role('Your authenticated identities would like access to Cognito.', names.auth, 'authenticated'),
    role('Your unauthenticated identities would like access to Cognito.', names.unauth, 'unauthenticated'),
    h(ErrorNote, { error }),
    h('a', { class: 'button secondary', href: '#/identity-pools' }, 'Cancel'),
    h('button', { type: 'button', disabled: busy, onClick: () => void allow() }, 'Allow'),
  );
}

/** An identity pool's dashboard and "Edit identity pool" (its ID, roles, guest access). */
export function IdentityPoolPage(p: { id: string; edit: boolean }) {
  const [pool, setPool] = useState<IdentityPool>();
  const [roles, setRoles] = useState<Record<string, string>>({});
  const [unauth, setUnauth] = useState(false);
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<string>();
  useEffect(() => {
    call<IdentityPool>('cognito-identity', 'DescribeIdentityPool', { IdentityPoolId: p.id }).then((o) => {
      setPool(o);
      setUnauth(o.AllowUnauthenticatedIdentities);
    }, (e) => setError(message(e)));
    call<{ Roles?: Record<string, string> }>('cognito-identity', 'GetIdentityPoolRoles', { IdentityPoolId: p.id }).then((o) => setRoles(o.Roles ?? {}), (e) => setError(message(e)));
  }, [p.id]);
  const save = async (e: Event) => {
    e.preventDefault();
    if (pool === undefined) return;
    await attempt(setError, async () => {
      const { IdentityPoolId, IdentityPoolName, CognitoIdentityProviders } = pool;
      setPool(await call<IdentityPool>('cognito-identity', 'UpdateIdentityPool', { IdentityPoolId, IdentityPoolName, AllowUnauthenticatedIdentities: unauth, ...(CognitoIdentityProviders === undefined ? {} : { CognitoIdentityProviders }) }));
      setSaved(true);
    });
  };
  const base = `#/identity-pools/${encodeURIComponent(p.id)}`;
  return h(
    Page,
    { title: pool?.IdentityPoolName ?? 'Identity pool' },
    h(ErrorNote, { error }),
    !p.edit && h('p', null, h('a', { class: 'button', href: `${base}/edit` }, 'Edit identity pool')),
    pool !== undefined &&
      h(
        'section',
        null,
        h('h2', null, p.edit ? 'Edit identity pool' : 'Dashboard'),
        h('dl', null, h(Value, { label: 'Identity pool ID', value: pool.IdentityPoolId }), ...Object.entries(roles).map(([k, v]) => h(Value, { key: k, label: k === 'authenticated' ? 'Authenticated role' : 'Unauthenticated role', value: v }))),
        h('h3', null, 'Authentication providers'),
        h('ul', null, (pool.CognitoIdentityProviders ?? []).map((c) => h('li', { key: c.ProviderName + c.ClientId }, `Cognito: ${c.ProviderName.split('/').pop() ?? ''}, app client ${c.ClientId}`))),
        p.edit && h(RoleMappings, { identityPoolId: pool.IdentityPoolId, providers: (pool.CognitoIdentityProviders ?? []).map((c) => `${c.ProviderName}:${c.ClientId}`), roles }),
        p.edit &&
          h(
            'form',
            { onSubmit: save, 'aria-label': 'Edit identity pool' },
            h(Check, { label: 'Enable access to unauthenticated identities', checked: unauth, onChange: setUnauth }),
            saved && h('p', { role: 'status' }, 'Saved.'),
            h('button', { type: 'submit' }, 'Save Changes'),
          ),
      ),
  );
}
