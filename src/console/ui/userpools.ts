/** User pools: the list, "Create user pool" → "Review defaults" → "Create pool". */
import { h } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { call } from './api.js';
import { ErrorNote, Field, Page, attempt, go, message } from './kit.js';

interface PoolSummary {
  Id: string;
  Name: string;
}

export function UserPools() {
  const [pools, setPools] = useState<PoolSummary[]>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    call<{ UserPools?: PoolSummary[] }>('cognito-idp', 'ListUserPools', { MaxResults: 60 }).then((o) => setPools(o.UserPools ?? []), (e) => setError(message(e)));
  }, []);
  return h(
    Page,
    { title: 'User pools' },
    h('p', null, h('a', { class: 'button', href: '#/user-pools/create' }, 'Create user pool')),
    h(ErrorNote, { error }),
    pools === undefined
      ? h('p', null, 'Loading…')
      : pools.length === 0
        ? h('p', null, 'No user pools yet.')
        : h('table', null, h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Pool name'), h('th', { scope: 'col' }, 'Pool Id'))), h('tbody', null, pools.map((p) => h('tr', { key: p.Id }, h('td', null, h('a', { href: `#/user-pools/${p.Id}` }, p.Name)), h('td', null, h('code', null, p.Id)))))),
  );
}

/** What AWS's console shows under "Review defaults" and creates when nothing is changed. */
export const POOL_DEFAULTS = {
  Policies: { PasswordPolicy: { MinimumLength: 8, RequireUppercase: true, RequireLowercase: true, RequireNumbers: true, RequireSymbols: true, TemporaryPasswordValidityDays: 7 } },
  AutoVerifiedAttributes: ['email'],
  MfaConfiguration: 'OFF',
  Schema: [{ Name: 'email', AttributeDataType: 'String', Required: true, Mutable: true }],
  VerificationMessageTemplate: { DefaultEmailOption: 'CONFIRM_WITH_CODE', EmailMessage: 'Your verification code is {####}. ', EmailSubject: 'Your verification code' },
  AdminCreateUserConfig: { AllowAdminCreateUserOnly: false },
};

export function CreateUserPool() {
  const [name, setName] = useState('');
  const [review, setReview] = useState(false);
  const [error, setError] = useState<string>();
  // Asked for the review (by the button or Enter in the field): it is read from its heading.
  const reviewHeading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (review) reviewHeading.current?.focus();
  }, [review]);
  const create = async () => {
    await attempt(setError, async () => {
      const out = await call<{ UserPool: { Id: string } }>('cognito-idp', 'CreateUserPool', { PoolName: name, ...POOL_DEFAULTS });
      go(`/user-pools/${out.UserPool.Id}`);
    });
  };
  const pw = POOL_DEFAULTS.Policies.PasswordPolicy;
  return h(
    Page,
    { title: 'Create user pool' },
    h(
      'form',
      { onSubmit: (e: Event) => { e.preventDefault(); setReview(true); } },
      h(Field, { label: 'Pool name', value: name, onInput: setName, required: true }),
      !review && h('button', { type: 'submit' }, 'Review defaults'),
    ),
    review &&
      h(
        'div',
        { class: 'review' },
        h('h2', { ref: reviewHeading, tabIndex: -1 }, 'Review defaults'),
        h('dl', null,
          h('dt', null, 'Required attributes'), h('dd', null, 'email'),
          h('dt', null, 'Password policy'), h('dd', null, `Minimum length ${pw.MinimumLength}; uppercase, lowercase, numbers and special characters required`),
          h('dt', null, 'Multi-factor authentication'), h('dd', null, 'Off'),
          h('dt', null, 'Verifications'), h('dd', null, 'Email (a verification code)'),
          h('dt', null, 'Verification message'), h('dd', null, POOL_DEFAULTS.VerificationMessageTemplate.EmailMessage),
          h('dt', null, 'Users may sign themselves up'), h('dd', null, 'Yes'),
        ),
        h(ErrorNote, { error }),
        h('button', { type: 'button', onClick: () => void create() }, 'Create pool'),
      ),
  );
}
