/**
 * IAM customer managed policies: the list, "Create policy" (a name and a JSON document, IAM's
 * validation errors shown as IAM gives them), and a policy's versions — view one, "Create
 * version" (set as default), "Set as default", "Delete" a non-default version.
 */
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { call } from './api.js';
import { ErrorNote, Field, Page, Value, attempt, go, message, prettyPolicy } from './kit.js';

interface Policy {
  PolicyName: string;
  Arn: string;
  DefaultVersionId?: string;
  AttachmentCount?: number;
}
interface Version {
  VersionId: string;
  IsDefaultVersion: boolean;
  CreateDate?: string;
  Document?: string;
}

function DocEditor(p: { id: string; label: string; value: string; onInput: (v: string) => void }) {
  return h('div', { class: 'field' }, h('label', { for: p.id }, p.label), h('textarea', { id: p.id, rows: 12, value: p.value, spellcheck: false, onInput: (e: Event) => p.onInput((e.target as HTMLTextAreaElement).value) }));
}

export function Policies() {
  const [policies, setPolicies] = useState<Policy[]>();
  const [name, setName] = useState('');
  const [doc, setDoc] = useState('');
  const [error, setError] = useState<string>();
  useEffect(() => {
    call<{ Policies?: Policy[] }>('iam', 'ListPolicies', { Scope: 'Local', MaxItems: 1000 }).then((o) => setPolicies(o.Policies ?? []), (e) => setError(message(e)));
  }, []);
  const create = (e: Event) => {
    e.preventDefault();
    void attempt(setError, async () => {
      const out = await call<{ Policy: Policy }>('iam', 'CreatePolicy', { PolicyName: name, PolicyDocument: doc });
      go(`/iam/policies/${encodeURIComponent(out.Policy.Arn)}`);
    });
  };
  return h(
    Page,
    { title: 'Policies' },
    policies === undefined
      ? h('p', null, 'Loading…')
      : policies.length === 0
        ? h('p', null, 'No customer managed policies yet.')
        : h('table', null, h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Policy name'), h('th', { scope: 'col' }, 'Default version'), h('th', { scope: 'col' }, 'Attachments'))), h('tbody', null, policies.map((x) => h('tr', { key: x.Arn }, h('td', null, h('a', { href: `#/iam/policies/${encodeURIComponent(x.Arn)}` }, x.PolicyName)), h('td', null, x.DefaultVersionId ?? ''), h('td', null, String(x.AttachmentCount ?? 0)))))),
    h(
      'form',
      { onSubmit: create, 'aria-label': 'Create policy' },
      h('h2', null, 'Create policy'),
      h(Field, { label: 'Policy name', value: name, onInput: setName, required: true }),
      h(DocEditor, { id: 'new-policy', label: 'Policy document (JSON)', value: doc, onInput: setDoc }),
      h(ErrorNote, { error }),
      h('button', { type: 'submit' }, 'Create policy'),
    ),
  );
}

export function PolicyPage(p: { arn: string }) {
  const [policy, setPolicy] = useState<Policy>();
  const [versions, setVersions] = useState<Version[]>([]);
  const [shown, setShown] = useState<Version>();
  const [doc, setDoc] = useState('');
  const [error, setError] = useState<string>();
  const load = () =>
    attempt(setError, async () => {
      const [pol, vs] = await Promise.all([call<{ Policy: Policy }>('iam', 'GetPolicy', { PolicyArn: p.arn }), call<{ Versions?: Version[] }>('iam', 'ListPolicyVersions', { PolicyArn: p.arn })]);
      setPolicy(pol.Policy);
      setVersions(vs.Versions ?? []);
      const def = (vs.Versions ?? []).find((v) => v.IsDefaultVersion);
      if (def !== undefined) await view(def.VersionId);
    });
  const view = async (versionId: string) => {
    const out = await call<{ PolicyVersion: Version }>('iam', 'GetPolicyVersion', { PolicyArn: p.arn, VersionId: versionId });
    setShown(out.PolicyVersion);
    setDoc(prettyPolicy(out.PolicyVersion.Document));
  };
  useEffect(() => void load(), [p.arn]);
  const act = (operation: string, input: Record<string, unknown>) => void attempt(setError, async () => {
    await call('iam', operation, { PolicyArn: p.arn, ...input });
    await load();
  });
  return h(
    Page,
    { title: policy?.PolicyName ?? 'Policy' },
    h(ErrorNote, { error }),
    policy !== undefined && h('dl', null, h(Value, { label: 'Policy ARN', value: policy.Arn })),
    h(
      'table',
      null,
      h('caption', null, 'Policy versions'),
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Version'), h('th', { scope: 'col' }, 'Created'), h('th', { scope: 'col' }, 'Actions'))),
      h('tbody', null, versions.map((v) => h('tr', { key: v.VersionId },
        h('td', null, h('button', { type: 'button', class: 'link', 'aria-label': `View ${v.VersionId}`, onClick: () => void attempt(setError, () => view(v.VersionId)) }, v.VersionId), v.IsDefaultVersion ? ' (Default)' : ''),
        h('td', null, v.CreateDate ?? ''),
        h('td', null, !v.IsDefaultVersion && h('button', { type: 'button', 'aria-label': `Set ${v.VersionId} as default`, onClick: () => act('SetDefaultPolicyVersion', { VersionId: v.VersionId }) }, 'Set as default'), !v.IsDefaultVersion && h('button', { type: 'button', 'aria-label': `Delete ${v.VersionId}`, onClick: () => act('DeletePolicyVersion', { VersionId: v.VersionId }) }, 'Delete')),
      ))),
    ),
    h(
      'form',
      { 'aria-label': 'Create version', onSubmit: (e: Event) => { e.preventDefault(); act('CreatePolicyVersion', { PolicyDocument: doc, SetAsDefault: true }); } },
      h('h2', null, shown === undefined ? 'Policy document' : `Policy document (${shown.VersionId})`),
      h(DocEditor, { id: 'policy-doc', label: 'Policy document (JSON)', value: doc, onInput: setDoc }),
      h('button', { type: 'submit' }, 'Create version'),
    ),
  );
}
