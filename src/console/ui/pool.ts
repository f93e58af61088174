/** One user pool: "General settings" (Pool Id, ARN) and the tabs of its other pages. */
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { call } from './api.js';
import { ErrorNote, Page, Value, message } from './kit.js';
import { AppClients } from './appclients.js';
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
