/**
 * IAM roles: the list with a search, a role's trust policy, attached and inline permissions,
 * and "Attach policies" (search the managed policies, e.g. "AmazonS3FullAccess" → "Attach
 * policy"). Inline policies are edited as JSON; IAM's own validation errors are shown as given.
 */
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { call } from './api.js';
import { ErrorNote, Field, Page, Value, attempt, go, message, prettyPolicy } from './kit.js';

interface Role {
  RoleName: string;
  Arn: string;
  CreateDate?: string;
  Description?: string;
  AssumeRolePolicyDocument?: string;
}
interface Policy {
  PolicyName: string;
  Arn: string;
  Description?: string;
  AttachmentCount?: number;
}

export function Roles() {
  const [roles, setRoles] = useState<Role[]>();
  const [search, setSearch] = useState('');
  const [error, setError] = useState<string>();
  useEffect(() => {
    call<{ Roles?: Role[] }>('iam', 'ListRoles', { MaxItems: 1000 }).then((o) => setRoles(o.Roles ?? []), (e) => setError(message(e)));
  }, []);
  const shown = (roles ?? []).filter((r) => r.RoleName.toLowerCase().includes(search.toLowerCase()));
  return h(
    Page,
    { title: 'Roles' },
    h(ErrorNote, { error }),
    h(Field, { label: 'Search roles', value: search, onInput: setSearch, type: 'search' }),
    roles === undefined
      ? h('p', null, 'Loading…')
      : h('table', null, h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Role name'), h('th', { scope: 'col' }, 'ARN'))), h('tbody', null, shown.map((r) => h('tr', { key: r.Arn }, h('td', null, h('a', { href: `#/iam/roles/${encodeURIComponent(r.RoleName)}` }, r.RoleName)), h('td', null, h('code', null, r.Arn)))))),
  );
}

export function RolePage(p: { name: string }) {
  const [role, setRole] = useState<Role>();
  const [attached, setAttached] = useState<{ PolicyName: string; PolicyArn: string }[]>([]);
  const [inline, setInline] = useState<string[]>([]);
  const [error, setError] = useState<string>();
  const load = () => {
    call<{ Role: Role }>('iam', 'GetRole', { RoleName: p.name }).then((o) => setRole(o.Role), (e) => setError(message(e)));
    call<{ AttachedPolicies?: { PolicyName: string; PolicyArn: string }[] }>('iam', 'ListAttachedRolePolicies', { RoleName: p.name }).then((o) => setAttached(o.AttachedPolicies ?? []), (e) => setError(message(e)));
    call<{ PolicyNames?: string[] }>('iam', 'ListRolePolicies', { RoleName: p.name }).then((o) => setInline(o.PolicyNames ?? []), (e) => setError(message(e)));
  };
  useEffect(load, [p.name]);
  const detach = (arn: string) => void attempt(setError, async () => {
    await call('iam', 'DetachRolePolicy', { RoleName: p.name, PolicyArn: arn });
    load();
  });
  return h(
    Page,
    { title: p.name },
    h(ErrorNote, { error }),
    role !== undefined && h('dl', null, h(Value, { label: 'Role ARN', value: role.Arn })),
    h('h2', null, 'Permissions'),
    h('p', null, h('a', { class: 'button', href: `#/iam/roles/${encodeURIComponent(p.name)}/attach` }, 'Attach policies')),
    h('table', null, h('caption', null, 'Attached policies'), h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Policy name'), h('th', { scope: 'col' }, 'Policy type'), h('th', { scope: 'col' }, 'Actions'))),
      h('tbody', null, attached.map((a) => h('tr', { key: a.PolicyArn }, h('td', null, a.PolicyName), h('td', null, a.PolicyArn.startsWith('arn:aws:iam::aws:') ? 'AWS managed policy' : 'Managed policy'), h('td', null, h('button', { type: 'button', 'aria-label': `Detach ${a.PolicyName}`, onClick: () => detach(a.PolicyArn) }, 'Detach'))))),
    ),
    h(InlinePolicies, { role: p.name, names: inline, reload: load }),
    h('h2', null, 'Trust relationships'),
    h('pre', { 'aria-label': 'Trust policy' }, prettyPolicy(role?.AssumeRolePolicyDocument)),
  );
}

function InlinePolicies(p: { role: string; names: string[]; reload: () => void }) {
  const [name, setName] = useState('');
  const [doc, setDoc] = useState('');
  const [error, setError] = useState<string>();
  const open = (n: string) => void attempt(setError, async () => {
    const out = await call<{ PolicyDocument: string }>('iam', 'GetRolePolicy', { RoleName: p.role, PolicyName: n });
    setName(n);
    setDoc(prettyPolicy(out.PolicyDocument));
  });
  const save = (e: Event) => {
    e.preventDefault();
    void attempt(setError, async () => {
      await call('iam', 'PutRolePolicy', { RoleName: p.role, PolicyName: name, PolicyDocument: doc });
      p.reload();
    });
  };
  return h(
    'section',
    null,
    h('h2', null, 'Inline policies'),
    h('ul', null, p.names.map((n) => h('li', { key: n }, h('button', { type: 'button', class: 'link', onClick: () => open(n) }, n)))),
    h(
      'form',
      { onSubmit: save, 'aria-label': 'Inline policy' },
      h(Field, { label: 'Policy name', value: name, onInput: setName, required: true }),
      h('div', { class: 'field' }, h('label', { for: 'inline-doc' }, 'Policy document (JSON)'), h('textarea', { id: 'inline-doc', rows: 12, value: doc, spellcheck: false, onInput: (e: Event) => setDoc((e.target as HTMLTextAreaElement).value) })),
      h(ErrorNote, { error }),
      h('button', { type: 'submit' }, 'Save policy'),
    ),
  );
}

/** "Attach policies": a search over the managed policies, checkboxes, "Attach policy". */
export function AttachPolicies(p: { role: string }) {
  const [policies, setPolicies] = useState<Policy[]>();
  const [search, setSearch] = useState('');
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [error, setError] = useState<string>();
  useEffect(() => {
    void attempt(setError, async () => {
      const all: Policy[] = [];
      let marker: string | undefined;
      // Bounded: the console lists at most 10 pages of 1,000.
      for (let i = 0; i < 10; i++) {
        const out = await call<{ Policies?: Policy[]; IsTruncated?: boolean; Marker?: string }>('iam', 'ListPolicies', { Scope: 'All', MaxItems: 1000, ...(marker === undefined ? {} : { Marker: marker }) });
        all.push(...(out.Policies ?? []));
        if (out.IsTruncated !== true || out.Marker === undefined) break;
        marker = out.Marker;
      }
      setPolicies(all);
    });
  }, []);
  const toggle = (arn: string, on: boolean) => {
    const next = new Set(chosen);
    if (on) next.add(arn);
    else next.delete(arn);
    setChosen(next);
  };
  const attach = () => void attempt(setError, async () => {
    for (const arn of chosen) await call('iam', 'AttachRolePolicy', { RoleName: p.role, PolicyArn: arn });
    go(`/iam/roles/${encodeURIComponent(p.role)}`);
  });
  const q = search.trim().toLowerCase();
  const shown = (policies ?? []).filter((x) => x.PolicyName.toLowerCase().includes(q));
  return h(
    Page,
    { title: `Attach permissions to ${p.role}` },
    h(Field, { label: 'Search', value: search, onInput: setSearch, type: 'search' }),
    h(ErrorNote, { error }),
    policies === undefined
      ? h('p', null, 'Loading…')
      : h(
          'table',
          null,
          h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Policy name'), h('th', { scope: 'col' }, 'Type'), h('th', { scope: 'col' }, 'Description'))),
          h('tbody', null, shown.map((x) => {
            const id = `pol-${x.Arn.replace(/[^A-Za-z0-9]/g, '-')}`;
            return h('tr', { key: x.Arn }, h('td', null, h('input', { type: 'checkbox', id, checked: chosen.has(x.Arn), onChange: (e: Event) => toggle(x.Arn, (e.target as HTMLInputElement).checked) }), ' ', h('label', { for: id }, x.PolicyName)), h('td', null, x.Arn.startsWith('arn:aws:iam::aws:') ? 'AWS managed' : 'Customer managed'), h('td', null, x.Description ?? ''));
          })),
        ),
    h('button', { type: 'button', disabled: chosen.size === 0, onClick: attach }, 'Attach policy'),
  );
}
