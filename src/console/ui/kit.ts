/** Small shared pieces: a labelled field, an announced error, a copy button, the router. */
import { h, type ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

let seq = 0;
export function Field(p: { label: string; value: string; onInput: (v: string) => void; type?: string; required?: boolean; autocomplete?: string }) {
  const [id] = useState(() => `f${++seq}`);
  return h('div', { class: 'field' }, h('label', { for: id }, p.label), h('input', { id, type: p.type ?? 'text', value: p.value, required: p.required, autocomplete: p.autocomplete ?? 'off', onInput: (e: Event) => p.onInput((e.target as HTMLInputElement).value) }));
}

export function Check(p: { label: string; checked: boolean; onChange: (v: boolean) => void }) {
  const [id] = useState(() => `c${++seq}`);
  return h('div', { class: 'check' }, h('input', { id, type: 'checkbox', checked: p.checked, onChange: (e: Event) => p.onChange((e.target as HTMLInputElement).checked) }), h('label', { for: id }, p.label));
}

export function ErrorNote(p: { error: string | undefined }) {
  return h('p', { role: 'alert', class: p.error === undefined ? 'alert empty' : 'alert' }, p.error ?? '');
}

export function Copy(p: { label: string; value: string }) {
  const [done, setDone] = useState(false);
  return h('button', { type: 'button', class: 'copy', 'aria-label': `Copy ${p.label}`, onClick: () => void navigator.clipboard?.writeText(p.value).then(() => setDone(true), () => setDone(false)) }, done ? 'Copied' : 'Copy');
}

export function Value(p: { label: string; value: string }) {
  return h('div', { class: 'value' }, h('dt', null, p.label), h('dd', null, h('code', null, p.value), ' ', h(Copy, p)));
}

/**
 * Moves focus to `ref` when the page has none (the element that had it was replaced by the
 * next page or step), so keyboard and screen-reader users continue from the new heading instead
 * of the top of the document; focus a person placed somewhere else is left alone.
 */
export function useFocusIfLost(ref: { readonly current: HTMLElement | null }, deps: unknown[]): void {
  useEffect(() => {
    const active = document.activeElement;
    if (active === null || active === document.body || !active.isConnected) ref.current?.focus();
  }, deps);
}

export function Page(p: { title: string; children?: ComponentChildren }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${p.title} · Gatehouse console`;
  }, [p.title]);
  useFocusIfLost(heading, [p.title]);
  return h('section', { class: 'page' }, h('h1', { ref: heading, tabIndex: -1 }, p.title), p.children);
}

/** The app's routes live in the hash so any path under the base serves the same page. */
export function useRoute(): string {
  const [route, setRoute] = useState(location.hash.slice(1) || '/');
  useEffect(() => {
    const on = () => setRoute(location.hash.slice(1) || '/');
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

export function go(route: string): void {
  location.hash = route;
}

export function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Runs a console action: the last error cleared first, a failure shown (announced by ErrorNote). */
export async function attempt(setError: (e: string | undefined) => void, work: () => Promise<void>): Promise<void> {
  setError(undefined);
  try {
    await work();
  } catch (err) {
    setError(message(err));
  }
}

/** IAM returns policy documents URL-encoded (as AWS does); shown indented. */
export function prettyPolicy(doc: string | undefined): string {
  if (doc === undefined) return '';
  let text = doc;
  try {
    text = decodeURIComponent(doc);
  } catch {
    // Already plain text.
  }
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

export function Select(p: { label: string; value: string; options: [string, string][]; onChange: (v: string) => void; required?: boolean }) {
  const [id] = useState(() => `s${++seq}`);
  return h('div', { class: 'field' }, h('label', { for: id }, p.label), h('select', { id, value: p.value, required: p.required, onChange: (e: Event) => p.onChange((e.target as HTMLSelectElement).value) }, p.options.map(([v, label]) => h('option', { key: v, value: v }, label))));
}

/** A group of radio buttons under a legend (one choice of several, by keyboard with the arrows). */
export function Radios(p: { legend: string; value: string; options: [string, string][]; onChange: (v: string) => void }) {
  const [name] = useState(() => `r${++seq}`);
  return h(
    'fieldset',
    null,
    h('legend', null, p.legend),
    p.options.map(([v, label]) => h('div', { class: 'check', key: v }, h('input', { id: `${name}-${v}`, type: 'radio', name, value: v, checked: p.value === v, onChange: () => p.onChange(v) }), h('label', { for: `${name}-${v}` }, label))),
  );
}

/** A list of values edited one per line (URLs, scopes). */
export function Lines(p: { label: string; value: string[]; onChange: (v: string[]) => void; rows?: number }) {
  const [id] = useState(() => `t${++seq}`);
  const [text, setText] = useState(p.value.join('\n'));
  return h('div', { class: 'field' }, h('label', { for: id }, p.label), h('textarea', { id, rows: p.rows ?? 3, value: text, onInput: (e: Event) => { const t = (e.target as HTMLTextAreaElement).value; setText(t); p.onChange(t.split('\n').map((l) => l.trim()).filter((l) => l !== '')); } }));
}

export function Saved(p: { show: boolean; text?: string }) {
  return p.show ? h('p', { role: 'status' }, p.text ?? 'Saved.') : null;
}
