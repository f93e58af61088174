/** The console's shell: sign-in, then the navigation and the page the hash route names. */
import { h, render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { currentSession, signOut } from './api.js';
import { useRoute } from './kit.js';
import { Decisions } from './decisions.js';
import { AttachPolicies, RolePage, Roles } from './iam.js';
import { CreateIdentityPool, IdentityPoolPage, IdentityPoolRoles, IdentityPools } from './identitypools.js';
import { Outbox } from './outbox.js';
import { Policies, PolicyPage } from './policies.js';
import { UserPool } from './pool.js';
import { Bucket, Buckets, CreateBucket } from './s3.js';
import { SignIn } from './signin.js';
import { CreateUserPool, UserPools } from './userpools.js';

function Content(p: { route: string }) {
  const parts = p.route.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s));
  if (parts[0] === 'identity-pools' && parts[1] === 'create') return h(CreateIdentityPool, null);
  if (parts[0] === 'identity-pools' && parts[1] !== undefined && parts[2] === 'roles') return h(IdentityPoolRoles, { id: parts[1] });
  if (parts[0] === 'identity-pools' && parts[1] !== undefined) return h(IdentityPoolPage, { id: parts[1], edit: parts[2] === 'edit' });
  if (parts[0] === 'identity-pools') return h(IdentityPools, null);
  if (parts[0] === 'iam' && parts[1] === 'policies' && parts[2] !== undefined) return h(PolicyPage, { key: parts[2], arn: parts[2] });
  if (parts[0] === 'iam' && parts[1] === 'policies') return h(Policies, null);
  if (parts[0] === 'iam' && parts[2] !== undefined && parts[3] === 'attach') return h(AttachPolicies, { role: parts[2] });
  if (parts[0] === 'iam' && parts[2] !== undefined) return h(RolePage, { key: parts[2], name: parts[2] });
  if (parts[0] === 'iam') return h(Roles, null);
  if (parts[0] === 's3' && parts[1] === 'create') return h(CreateBucket, null);
  if (parts[0] === 's3' && parts[2] !== undefined) return h(Bucket, { key: parts[2], name: parts[2], tab: parts[3] ?? 'objects' });
  if (parts[0] === 's3') return h(Buckets, null);
  if (parts[0] === 'outbox') return h(Outbox, null);
  if (parts[0] === 'access-decisions') return h(Decisions, null);
  if (parts[0] === 'user-pools' && parts[1] === 'create') return h(CreateUserPool, null);
  if (parts[0] === 'user-pools' && parts[1] !== undefined) return h(UserPool, { id: parts[1], tab: parts[2] ?? 'general', ...(parts[3] === undefined ? {} : { sub: parts[3] }) });
  return h(UserPools, null);
}

function App() {
  const [arn, setArn] = useState<string | null>();
  const route = useRoute();
  useEffect(() => {
    currentSession().then((a) => setArn(a ?? null), () => setArn(null));
  }, []);
  if (arn === undefined) return h('p', null, 'Loading…');
  if (arn === null) return h(SignIn, { onSignedIn: setArn });
  return h(
    'div',
    { class: 'shell' },
    h(
      'header',
      null,
      h('a', { class: 'brand', href: '#/' }, 'Gatehouse'),
      h(
        'nav',
        { 'aria-label': 'Services' },
        h('a', { href: '#/user-pools' }, 'Manage User Pools'),
        h('a', { href: '#/identity-pools' }, 'Manage Identity Pools'),
        h('a', { href: '#/iam/roles' }, 'Roles'),
        h('a', { href: '#/iam/policies' }, 'Policies'),
        h('a', { href: '#/s3' }, 'Buckets'),
        h('a', { href: '#/outbox' }, 'Outbox'),
        h('a', { href: '#/access-decisions' }, 'Access decisions'),
      ),
      h('span', { class: 'who' }, arn),
      h('button', { type: 'button', onClick: () => void signOut().then(() => setArn(null)) }, 'Sign out'),
    ),
    h('main', null, h(Content, { route })),
  );
}

render(h(App, null), document.getElementById('app')!);
