/** The sign-in page: an access key ID and secret, checked by Gatehouse (STS GetCallerIdentity). */
import { h } from 'preact';
import { useState } from 'preact/hooks';
import { signIn } from './api.js';
import { ErrorNote, Field, message } from './kit.js';

export function SignIn(p: { onSignedIn: (arn: string) => void }) {
  const [keyId, setKeyId] = useState('');
  const [secret, setSecret] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      p.onSignedIn(await signIn(keyId, secret));
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  };
  return h(
    'main',
    { class: 'signin' },
    h('h1', null, 'Gatehouse console'),
    h(
      'form',
      { onSubmit: submit, 'aria-label': 'Sign in' },
      h(Field, { label: 'Access key ID', value: keyId, onInput: setKeyId, required: true, autocomplete: 'username' }),
      h(Field, { label: 'Secret access key', value: secret, onInput: setSecret, type: 'password', required: true, autocomplete: 'current-password' }),
      h(ErrorNote, { error }),
      h('button', { type: 'submit', disabled: busy }, busy ? 'Signing in…' : 'Sign in'),
    ),
  );
}
