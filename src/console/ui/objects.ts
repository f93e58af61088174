/**
 * A bucket's objects: folders (the "/" delimiter), "Upload" of files and whole folders (picker or
 * dropped onto the page, with progress), download, delete, and "Actions" → "Make public" (the
 * public-read object ACL, as the S3 console does; the bucket must allow ACLs and public ACLs).
 */
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { call, downloadUrl, upload } from './api.js';
import { ErrorNote, attempt, message } from './kit.js';

interface Listing {
  Contents?: { Key: string; Size?: number; LastModified?: string }[];
  CommonPrefixes?: { Prefix: string }[];
}

interface Pending {
  file: File;
  key: string;
}

/** Files from a drop, folders walked (the entries API), each with its path relative to the drop. */
async function droppedFiles(items: DataTransferItemList): Promise<Pending[]> {
  const out: Pending[] = [];
  const walk = async (entry: FileSystemEntry, prefix: string): Promise<void> => {
    if (entry.isFile) {
      const file = await new Promise<File>((res, rej) => (entry as FileSystemFileEntry).file(res, rej));
      out.push({ file, key: prefix + entry.name });
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
        if (batch.length === 0) break;
        for (const e of batch) await walk(e, `${prefix}${entry.name}/`);
      }
    }
  };
  // Read while the drop event lasts (the list empties after it); an item with no entry (a
  // browser without the entries API) is still a file.
  const dropped = [...items].filter((i) => i.kind === 'file').map((i) => ({ entry: i.webkitGetAsEntry(), file: i.getAsFile() }));
  for (const { entry, file } of dropped) {
    if (entry !== null) await walk(entry, '');
    else if (file !== null) out.push({ file, key: file.name });
  }
  return out;
}

function fromInput(input: HTMLInputElement): Pending[] {
  // A folder picker names each file by its path under the chosen folder (the folder included).
  return [...(input.files ?? [])].map((file) => ({ file, key: file.webkitRelativePath !== '' ? file.webkitRelativePath : file.name }));
}

export function Objects(p: { bucket: string }) {
  const [prefix, setPrefix] = useState('');
  const [listing, setListing] = useState<Listing>();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [pending, setPending] = useState<Pending[]>([]);
  const [progress, setProgress] = useState<Record<string, number>>({});
  const [status, setStatus] = useState<string>();
  const [error, setError] = useState<string>();
  const [actions, setActions] = useState(false);
  const load = () =>
    call<Listing>('s3', 'ListObjectsV2', { Bucket: p.bucket, Delimiter: '/', MaxKeys: 1000, ...(prefix === '' ? {} : { Prefix: prefix }) }).then((o) => {
      setListing(o);
      setSelected(new Set());
    }, (e) => setError(message(e)));
  useEffect(() => void load(), [p.bucket, prefix]);

  const add = (more: Pending[]) => setPending([...pending.filter((x) => !more.some((m) => m.key === x.key)), ...more.map((m) => ({ ...m, key: prefix + m.key }))]);
  const start = () =>
    void attempt(setError, async () => {
      for (const item of pending) {
        await upload(p.bucket, item.key, item.file, (done) => setProgress((old) => ({ ...old, [item.key]: done })));
      }
      setStatus(`Uploaded ${pending.length} ${pending.length === 1 ? 'file' : 'files'}.`);
      setPending([]);
      setProgress({});
      await load();
    });
  const makePublic = () =>
    void attempt(setError, async () => {
      setActions(false);
      for (const key of selected) await call('s3', 'PutObjectAcl', { Bucket: p.bucket, Key: key, ACL: 'public-read' });
      setStatus(`Made ${selected.size} ${selected.size === 1 ? 'object' : 'objects'} public.`);
    });
  const remove = () =>
    void attempt(setError, async () => {
      setActions(false);
      const what = `${selected.size} ${selected.size === 1 ? 'object' : 'objects'}`;
      if (!confirm(`Delete ${what}?`)) return;
      for (const key of selected) await call('s3', 'DeleteObject', { Bucket: p.bucket, Key: key });
      // What was deleted is no longer there to act on.
      setSelected(new Set());
      setStatus(`Deleted ${what}.`);
      await load();
    });
  const objects = listing?.Contents?.filter((o) => o.Key !== prefix) ?? [];
  const toggle = (key: string, on: boolean) => {
    const next = new Set(selected);
    if (on) next.add(key);
    else next.delete(key);
    setSelected(next);
  };
  const allOn = objects.length > 0 && objects.every((o) => selected.has(o.Key));
  return h(
    'section',
    {
      class: 'objects',
      onDragOver: (e: DragEvent) => e.preventDefault(),
      onDrop: (e: DragEvent) => {
        e.preventDefault();
        if (e.dataTransfer !== null) void droppedFiles(e.dataTransfer.items).then(add, (err) => setError(message(err)));
      },
    },
    h('h2', null, 'Objects'),
    h('p', { class: 'crumbs' }, h('button', { type: 'button', class: 'link', onClick: () => setPrefix('') }, p.bucket), prefix === '' ? '' : ` / ${prefix}`),
    h(ErrorNote, { error }),
    status !== undefined && h('p', { role: 'status', class: 'notice' }, status),
    h(
      'div',
      { class: 'toolbar' },
      h('div', { class: 'menu' },
        h('button', { type: 'button', 'aria-haspopup': 'true', 'aria-expanded': actions, disabled: selected.size === 0, onClick: () => setActions(!actions) }, 'Actions'),
        actions && h('ul', { class: 'menu-items', role: 'menu' },
          h('li', { role: 'none' }, h('button', { type: 'button', role: 'menuitem', onClick: makePublic }, 'Make public')),
          h('li', { role: 'none' }, h('button', { type: 'button', role: 'menuitem', onClick: remove }, 'Delete')),
        ),
      ),
    ),
    h(
      'table',
      null,
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, h('input', { type: 'checkbox', 'aria-label': 'Select all objects', checked: allOn, onChange: (e: Event) => setSelected((e.target as HTMLInputElement).checked ? new Set(objects.map((o) => o.Key)) : new Set()) })), h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'Size'), h('th', { scope: 'col' }, 'Last modified'))),
      h(
        'tbody',
        null,
        (listing?.CommonPrefixes ?? []).map((c) => h('tr', { key: c.Prefix }, h('td', null), h('td', null, h('button', { type: 'button', class: 'link', onClick: () => setPrefix(c.Prefix) }, c.Prefix.slice(prefix.length))), h('td', null, 'Folder'), h('td', null))),
        objects.map((o) => {
          const name = o.Key.slice(prefix.length);
          return h(
            'tr',
            { key: o.Key },
            h('td', null, h('input', { type: 'checkbox', 'aria-label': `Select ${name}`, checked: selected.has(o.Key), onChange: (e: Event) => toggle(o.Key, (e.target as HTMLInputElement).checked) })),
            h('td', null, h('a', { href: downloadUrl(p.bucket, o.Key), download: name.split('/').pop() ?? name, 'aria-label': `Download ${name}` }, name)),
            h('td', null, String(o.Size ?? 0)),
            h('td', null, o.LastModified ?? ''),
          );
        }),
      ),
    ),
    h(
      'div',
      { class: 'upload' },
      h('h3', null, 'Upload'),
      h('p', null, 'Drag and drop files and folders here, or choose them.'),
      h('div', { class: 'field' }, h('label', { for: 'add-files' }, 'Add files'), h('input', { id: 'add-files', type: 'file', multiple: true, onChange: (e: Event) => add(fromInput(e.target as HTMLInputElement)) })),
      h('div', { class: 'field' }, h('label', { for: 'add-folder' }, 'Add folder'), h('input', { id: 'add-folder', type: 'file', multiple: true, webkitdirectory: true, onChange: (e: Event) => add(fromInput(e.target as HTMLInputElement)) })),
      pending.length > 0 &&
        h('ul', { 'aria-label': 'Files to upload' }, pending.map((x) => h('li', { key: x.key }, `${x.key} (${x.file.size} bytes)`, progress[x.key] !== undefined && h('progress', { max: 1, value: progress[x.key], 'aria-label': `Progress of ${x.key}` })))),
      h('button', { type: 'button', disabled: pending.length === 0, onClick: start }, 'Upload'),
    ),
  );
}
