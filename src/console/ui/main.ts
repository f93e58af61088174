/** The console's shell: sign-in, then the navigation and the page the hash route names. */
import { h, render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { currentSession, signOut } from './api.js';
import { useRoute } from './kit.js';
import { UserPool } from './pool.js';
import { SignIn } from './signin.js';
import { CreateUserPool, UserPools } from './userpools.js';

function Content(p: { route: string }) {
  const parts = p.route.split('/').filter((s) => s !== '');
  if (parts[0] === 'user-pools' && parts[1] === 'create') return h(CreateUserPool, null);
  if (parts[0] === 'user-pools' && parts[1] !== undefined) return h(UserPool, { id: parts[1], tab: parts[2] ?? 'general' });
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
      h('nav', { 'aria-label': 'Services' }, h('a', { href: '#/user-pools' }, 'Manage User Pools')),
      h('span', { class: 'who' }, arn),
      h('button', { type: 'button', onClick: () => void signOut().then(() => setArn(null)) }, 'Sign out'),
    ),
    h('main', null, h(Content, { route })),
  );
}

render(h(App, null), document.getElementById('app')!);
