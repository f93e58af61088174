/**
 * The outbox: the mail and SMS Gatehouse kept (no SMTP server set) or delivered, newest first,
 * refreshed every few seconds, each verification code shown large with a copy button.
 */
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { outbox, type OutboxMessage } from './api.js';
import { Copy, ErrorNote, Field, Page, message } from './kit.js';

const REFRESH_MS = 3000;

/** The code a message carries: Cognito's `{####}` becomes six digits; a temporary password follows "password". */
export function codeIn(text: string): string | undefined {
  return /\b(\d{6})\b/.exec(text)?.[1] ?? /password(?: is)?:?\s+(\S{6,})/i.exec(text)?.[1]?.replace(/[.,]$/, '');
}

export function Outbox() {
  const [to, setTo] = useState('');
  const [messages, setMessages] = useState<OutboxMessage[]>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    let stopped = false;
    const load = () =>
      outbox(to).then(
        (m) => !stopped && (setMessages(m), setError(undefined)),
        (e) => !stopped && setError(message(e)),
      );
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [to]);
  return h(
    Page,
    { title: 'Outbox' },
    h('p', null, 'Messages Gatehouse sent or kept, newest first. The list updates by itself.'),
    h(Field, { label: 'Filter by address', value: to, onInput: setTo, type: 'search' }),
    h(ErrorNote, { error }),
    messages === undefined
      ? h('p', null, 'Loading…')
      : messages.length === 0
        ? h('p', null, 'No messages.')
        : h(
            'ol',
            { class: 'outbox', 'aria-label': 'Messages' },
            messages.map((m) => {
              const code = codeIn(m.text);
              return h(
                'li',
                { key: m.id, class: 'message' },
                h('h2', null, m.subject ?? `${m.channel.toUpperCase()} message`),
                h('p', { class: 'meta' }, `To ${m.to} · ${m.purpose} · ${new Date(m.createdAt).toLocaleString()}`),
                code !== undefined && h('p', { class: 'code' }, h('span', { 'aria-label': `Code for ${m.to}` }, code), ' ', h(Copy, { label: `code for ${m.to}`, value: code })),
                h('pre', null, m.text),
              );
            }),
          ),
  );
}
