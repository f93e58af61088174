/**
 * "Access decisions": the recent denied requests with principal, action, resource and the
 * statement or policy type that decided — linked to the role or bucket whose policy to change.
 */
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { decisions, type Denial } from './api.js';
import { ErrorNote, Page, message } from './kit.js';

const REFRESH_MS = 5000;

/** `arn:aws:sts::<acct>:assumed-role/<role>/<session>` or `arn:aws:iam::<acct>:role/<path/><role>` → the role's page. */
export function roleLink(principal: string): string | undefined {
  const assumed = /^arn:aws:sts::\d{12}:assumed-role\/([^/]+)\//.exec(principal);
  const role = assumed?.[1] ?? /^arn:aws:iam::\d{12}:role\/(?:.*\/)?([^/]+)$/.exec(principal)?.[1];
  return role === undefined ? undefined : `#/iam/roles/${encodeURIComponent(role)}`;
}

/** `arn:aws:s3:::<bucket>[/key]` → the bucket's "Permissions" (its policy). */
export function bucketLink(resource: string): string | undefined {
  const bucket = /^arn:aws:s3:::([^/]+)/.exec(resource)?.[1];
  return bucket === undefined ? undefined : `#/s3/buckets/${encodeURIComponent(bucket)}/permissions`;
}

function linked(text: string, href: string | undefined) {
  return href === undefined ? h('code', null, text) : h('a', { href }, h('code', null, text));
}

export function Decisions() {
  const [items, setItems] = useState<Denial[]>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    let stopped = false;
    const load = () => decisions().then((d) => !stopped && setItems(d), (e) => !stopped && setError(message(e)));
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);
  return h(
    Page,
    { title: 'Access decisions' },
    h('p', null, 'Recent requests the policy engine denied on this node, newest first, with the statement or policy type that decided.'),
    h(ErrorNote, { error }),
    items === undefined
      ? h('p', null, 'Loading…')
      : items.length === 0
        ? h('p', null, 'No denied requests.')
        : h(
            'table',
            null,
            h('thead', null, h('tr', null, ['Time', 'Principal', 'Action', 'Resource', 'Decided by', 'Policy type'].map((c) => h('th', { scope: 'col', key: c }, c)))),
            h('tbody', null, items.map((d, i) => h('tr', { key: `${d.time}-${i}` }, h('td', null, new Date(d.time).toLocaleTimeString()), h('td', null, linked(d.principal, roleLink(d.principal))), h('td', null, h('code', null, d.action)), h('td', null, linked(d.resource, bucketLink(d.resource))), h('td', null, d.decidedBy), h('td', null, d.policyType)))),
          ),
  );
}
