/**
 * S3 buckets: the list, "Create bucket" ("Bucket name", "Set permissions": Block Public Access
 * and Object Ownership), and a bucket's tabs: "Objects" (folders, "Upload", download, delete,
 * "Actions" → "Make public"), "Properties" ("Static website hosting": "Index document", "Error
 * document", the "Endpoint") and "Permissions" (Block public access, "Bucket policy", "CORS
 * configuration" in the JSON the walkthrough pastes, or the older XML form).
 */
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { call, config } from './api.js';
import { Check, ErrorNote, Field, Page, attempt, go, message } from './kit.js';
import { Objects } from './objects.js';

export function Buckets() {
  const [buckets, setBuckets] = useState<{ Name: string; CreationDate?: string }[]>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    call<{ Buckets?: { Name: string; CreationDate?: string }[] }>('s3', 'ListBuckets', {}).then((o) => setBuckets(o.Buckets ?? []), (e) => setError(message(e)));
  }, []);
  return h(
    Page,
    { title: 'Buckets' },
    h('p', null, h('a', { class: 'button', href: '#/s3/create' }, 'Create bucket')),
    h(ErrorNote, { error }),
    buckets === undefined
      ? h('p', null, 'Loading…')
      : buckets.length === 0
        ? h('p', null, 'No buckets yet.')
        : h('table', null, h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Bucket name'), h('th', { scope: 'col' }, 'Created'))), h('tbody', null, buckets.map((b) => h('tr', { key: b.Name }, h('td', null, h('a', { href: `#/s3/buckets/${encodeURIComponent(b.Name)}` }, b.Name)), h('td', null, b.CreationDate ?? ''))))),
  );
}

const OPEN = { BlockPublicAcls: false, IgnorePublicAcls: false, BlockPublicPolicy: false, RestrictPublicBuckets: false };

export function CreateBucket() {
  const [name, setName] = useState('');
  const [blockAll, setBlockAll] = useState(true);
  const [acls, setAcls] = useState(false);
  const [error, setError] = useState<string>();
  const create = (e: Event) => {
    e.preventDefault();
    void attempt(setError, async () => {
      await call('s3', 'CreateBucket', { Bucket: name, ...(acls ? { ObjectOwnership: 'ObjectWriter' } : {}) });
      if (!blockAll) await call('s3', 'PutPublicAccessBlock', { Bucket: name, PublicAccessBlockConfiguration: OPEN });
      go(`/s3/buckets/${encodeURIComponent(name)}`);
    });
  };
  return h(
    Page,
    { title: 'Create bucket' },
    h(
      'form',
      { onSubmit: create, 'aria-label': 'Create bucket' },
      h(Field, { label: 'Bucket name', value: name, onInput: setName, required: true }),
      h('h2', null, 'Set permissions'),
      h('fieldset', null, h('legend', null, 'Object Ownership'),
        h('div', { class: 'check' }, h('input', { type: 'radio', id: 'own-off', name: 'own', checked: !acls, onChange: () => setAcls(false) }), h('label', { for: 'own-off' }, 'ACLs disabled (recommended)')),
        h('div', { class: 'check' }, h('input', { type: 'radio', id: 'own-on', name: 'own', checked: acls, onChange: () => setAcls(true) }), h('label', { for: 'own-on' }, 'ACLs enabled')),
      ),
      h(Check, { label: 'Block all public access', checked: blockAll, onChange: setBlockAll }),
      !blockAll && h('p', { class: 'notice' }, 'Turning off block all public access might result in this bucket and the objects within becoming public.'),
      h(ErrorNote, { error }),
      h('button', { type: 'submit' }, 'Create bucket'),
    ),
  );
}

export function Bucket(p: { name: string; tab: string }) {
  const tabs: [string, string][] = [['objects', 'Objects'], ['properties', 'Properties'], ['permissions', 'Permissions']];
  return h(
    Page,
    { title: p.name },
    h('nav', { class: 'tabs', 'aria-label': 'Bucket sections' }, tabs.map(([t, label]) => h('a', { key: t, href: `#/s3/buckets/${encodeURIComponent(p.name)}/${t}`, 'aria-current': p.tab === t ? 'page' : undefined }, label))),
    p.tab === 'objects' && h(Objects, { bucket: p.name }),
    p.tab === 'properties' && h(Website, { bucket: p.name }),
    p.tab === 'permissions' && h(Permissions, { bucket: p.name }),
  );
}

function notFound(e: unknown, code: string): boolean {
  return e instanceof Error && 'code' in e && (e as { code: string }).code === code;
}

function Website(p: { bucket: string }) {
  const [enabled, setEnabled] = useState(false);
  const [index, setIndex] = useState('index.html');
  const [errorDoc, setErrorDoc] = useState('');
  const [saved, setSaved] = useState<boolean>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    call<{ IndexDocument?: { Suffix: string }; ErrorDocument?: { Key: string } }>('s3', 'GetBucketWebsite', { Bucket: p.bucket }).then((o) => {
      setEnabled(true);
      setSaved(true);
      setIndex(o.IndexDocument?.Suffix ?? '');
      setErrorDoc(o.ErrorDocument?.Key ?? '');
    }, (e) => !notFound(e, 'NoSuchWebsiteConfiguration') && setError(message(e)));
  }, [p.bucket]);
  const save = (e: Event) => {
    e.preventDefault();
    void attempt(setError, async () => {
      if (enabled) await call('s3', 'PutBucketWebsite', { Bucket: p.bucket, WebsiteConfiguration: { IndexDocument: { Suffix: index }, ...(errorDoc === '' ? {} : { ErrorDocument: { Key: errorDoc } }) } });
      else await call('s3', 'DeleteBucketWebsite', { Bucket: p.bucket });
      setSaved(enabled);
    });
  };
  const suffix = config.websiteHostSuffix;
  const endpoint = `${location.protocol}//${p.bucket}.${suffix}${location.port === '' ? '' : `:${location.port}`}/`;
  return h(
    'section',
    null,
    h('h2', null, 'Static website hosting'),
    h(
      'form',
      { onSubmit: save, 'aria-label': 'Static website hosting' },
      h('fieldset', null, h('legend', null, 'Static website hosting'),
        h('div', { class: 'check' }, h('input', { type: 'radio', id: 'web-off', name: 'web', checked: !enabled, onChange: () => setEnabled(false) }), h('label', { for: 'web-off' }, 'Disable')),
        h('div', { class: 'check' }, h('input', { type: 'radio', id: 'web-on', name: 'web', checked: enabled, onChange: () => setEnabled(true) }), h('label', { for: 'web-on' }, 'Enable')),
      ),
      enabled && h(Field, { label: 'Index document', value: index, onInput: setIndex, required: true }),
      enabled && h(Field, { label: 'Error document', value: errorDoc, onInput: setErrorDoc }),
      h(ErrorNote, { error }),
      h('button', { type: 'submit' }, 'Save changes'),
    ),
    saved === true && h('dl', null, h('dt', null, 'Endpoint'), h('dd', null, h('a', { href: endpoint, target: '_blank', rel: 'noopener noreferrer' }, endpoint))),
  );
}

/** The older XML form of a CORS configuration, as the walkthrough first pasted it, as JSON rules. */
export function corsFromXml(text: string): unknown[] {
  const xml = new DOMParser().parseFromString(text, 'application/xml');
  if (xml.querySelector('parsererror') !== null) throw new Error('The CORS configuration is neither valid JSON nor valid XML.');
  const list = (rule: Element, tag: string) => [...rule.getElementsByTagName(tag)].map((e) => e.textContent?.trim() ?? '');
  return [...xml.getElementsByTagName('CORSRule')].map((rule) => {
    const age = rule.getElementsByTagName('MaxAgeSeconds')[0]?.textContent;
    const out: Record<string, unknown> = { AllowedMethods: list(rule, 'AllowedMethod'), AllowedOrigins: list(rule, 'AllowedOrigin') };
    if (list(rule, 'AllowedHeader').length > 0) out.AllowedHeaders = list(rule, 'AllowedHeader');
    if (list(rule, 'ExposeHeader').length > 0) out.ExposeHeaders = list(rule, 'ExposeHeader');
    if (age != null) out.MaxAgeSeconds = Number(age);
    return out;
  });
}

function parseCors(text: string): unknown[] {
  const t = text.trim();
  if (t.startsWith('<')) return corsFromXml(t);
  let v: unknown;
  try {
    v = JSON.parse(t);
  } catch {
    throw new Error('The CORS configuration is not valid JSON.');
  }
  // The S3 console takes a list of rules; a {"CORSRules": [...]} object is accepted as well.
  if (Array.isArray(v)) return v;
  if (typeof v === 'object' && v !== null && Array.isArray((v as { CORSRules?: unknown }).CORSRules)) return (v as { CORSRules: unknown[] }).CORSRules;
  throw new Error('The CORS configuration must be a JSON list of rules.');
}

function Permissions(p: { bucket: string }) {
  const [block, setBlock] = useState<Record<string, boolean>>();
  const [policy, setPolicy] = useState('');
  const [cors, setCors] = useState('');
  const [status, setStatus] = useState<string>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    call<{ PublicAccessBlockConfiguration?: Record<string, boolean> }>('s3', 'GetPublicAccessBlock', { Bucket: p.bucket }).then((o) => setBlock(o.PublicAccessBlockConfiguration ?? OPEN), (e) => (notFound(e, 'NoSuchPublicAccessBlockConfiguration') ? setBlock(OPEN) : setError(message(e))));
    call<{ Policy?: string }>('s3', 'GetBucketPolicy', { Bucket: p.bucket }).then((o) => setPolicy(o.Policy === undefined ? '' : JSON.stringify(JSON.parse(o.Policy), null, 2)), (e) => !notFound(e, 'NoSuchBucketPolicy') && setError(message(e)));
    call<{ CORSRules?: unknown[] }>('s3', 'GetBucketCors', { Bucket: p.bucket }).then((o) => setCors(JSON.stringify(o.CORSRules ?? [], null, 2)), (e) => !notFound(e, 'NoSuchCORSConfiguration') && setError(message(e)));
  }, [p.bucket]);
  const run = (what: string, work: () => Promise<unknown>) => (e: Event) => {
    e.preventDefault();
    setStatus(undefined);
    void attempt(setError, async () => {
      await work();
      setStatus(`${what} saved.`);
    });
  };
  const editor = (id: string, label: string, value: string, set: (v: string) => void) =>
    h('div', { class: 'field' }, h('label', { for: id }, label), h('textarea', { id, rows: 12, value, spellcheck: false, onInput: (e: Event) => set((e.target as HTMLTextAreaElement).value) }));
  return h(
    'section',
    null,
    h(ErrorNote, { error }),
    status !== undefined && h('p', { role: 'status', class: 'notice' }, status),
    block !== undefined &&
      h(
        'form',
        { 'aria-label': 'Block public access', onSubmit: run('Block public access', () => call('s3', 'PutPublicAccessBlock', { Bucket: p.bucket, PublicAccessBlockConfiguration: block })) },
        h('h2', null, 'Block public access (bucket settings)'),
        ...Object.keys(OPEN).map((k) => h(Check, { key: k, label: k.replace(/([a-z])([A-Z])/g, '$1 $2'), checked: block[k] === true, onChange: (v: boolean) => setBlock({ ...block, [k]: v }) })),
        h('button', { type: 'submit' }, 'Save block public access'),
      ),
    h(
      'form',
      { 'aria-label': 'Bucket policy', onSubmit: run('Bucket policy', () => (policy.trim() === '' ? call('s3', 'DeleteBucketPolicy', { Bucket: p.bucket }) : call('s3', 'PutBucketPolicy', { Bucket: p.bucket, Policy: policy }))) },
      h('h2', null, 'Bucket policy'),
      editor('bucket-policy', 'Bucket policy (JSON)', policy, setPolicy),
      h('button', { type: 'submit' }, 'Save bucket policy'),
    ),
    h(
      'form',
      { 'aria-label': 'CORS configuration', onSubmit: run('CORS configuration', () => (cors.trim() === '' || cors.trim() === '[]' ? call('s3', 'DeleteBucketCors', { Bucket: p.bucket }) : call('s3', 'PutBucketCors', { Bucket: p.bucket, CORSConfiguration: { CORSRules: parseCors(cors) } }))) },
      h('h2', null, 'Cross-origin resource sharing (CORS)'),
      editor('cors', 'CORS configuration', cors, setCors),
      h('button', { type: 'submit' }, 'Save'),
    ),
  );
}
