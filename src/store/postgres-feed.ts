/**
 * Change notices between nodes on one PostgreSQL database: LISTEN/NOTIFY. Each node keeps one
 * connection of its own that LISTENs (outside the pool, opened when the first cache
 * subscribes, named by its `application_name`). A writer's NOTIFY goes out after its write
 * committed, together with a count of the listening connections; every other node drops the
 * entry and then acknowledges on a second channel, and the writer answers its client only once
 * every other listening node has acknowledged (or after a bounded wait, for a node that is
 * connected but stuck). So a client's next request, to any node, never meets the old row —
 * however loaded the machines are. While its listening connection is down a node is not live
 * (its caches read through) and it reconnects with backoff; on reconnecting it drops everything
 * it had cached, since notices sent in the gap are lost.
 * @module
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { Listeners, type ChangeFeed, type ChangeListener } from './changes.js';

export const CHANNEL = 'gatehouse_changes';
export const ACK_CHANNEL = 'gatehouse_changes_acks';
/** The listening connections' application_name, by which a writer counts the nodes to wait for. */
export const LISTENER_NAME = 'gatehouse-changes';
/** PostgreSQL refuses payloads of 8000 bytes or more; a longer key is sent as "everything". */
const MAX_PAYLOAD = 7000;
/** How long a writer waits for the other nodes' acknowledgements before answering anyway. */
const ACK_WAIT_MS = 1000;
const BACKOFF_MS = [100, 250, 500, 1000, 2000, 5000] as const;

interface Notice {
  i: string;
  t: string;
  k: string | null;
}

export class PostgresFeed implements ChangeFeed {
  readonly #listeners = new Listeners();
  readonly #node = randomUUID();
  /** Notices of this node's awaiting acknowledgements: who has acknowledged, how many must. */
  readonly #pending = new Map<string, { from: Set<string>; need: number; done: () => void }>();
  #seq = 0;
  #client: pg.Client | undefined;
  #live = false;
  #started = false;
  #closed = false;
  #failures = 0;
  #retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    /** Sends the NOTIFY through the store's pool; resolves to the number of listening connections. */
    private readonly notify: (channel: string, payload: string, listenerName: string) => Promise<number>,
  ) {}

  get live(): boolean {
    return this.#live;
  }

  subscribe(topic: string, listener: ChangeListener): void {
    this.#listeners.add(topic, listener);
    if (!this.#started) {
      this.#started = true;
      void this.#connect();
    }
  }

  async publish(topic: string, key: string | null): Promise<void> {
    this.#listeners.dispatch(topic, key);
    const id = `${this.#node}:${++this.#seq}`;
    let payload = JSON.stringify({ i: id, t: topic, k: key } satisfies Notice);
    if (Buffer.byteLength(payload) > MAX_PAYLOAD) payload = JSON.stringify({ i: id, t: topic, k: null } satisfies Notice);
    // Registered before the NOTIFY: an acknowledgement can arrive before its count does.
    const acked = this.#awaitAcks(id);
    let listeners: number;
    try {
      listeners = await this.notify(CHANNEL, payload, LISTENER_NAME);
    } catch {
      // The write stands; other nodes see it when their entries expire (RowCache's maxAge) or,
      // if the database is gone for them too, at once (not live, they read through).
      this.#pending.get(id)?.done();
      return;
    }
    const entry = this.#pending.get(id);
    if (entry === undefined) return;
    // Every listening connection but this node's own (if it is up) must acknowledge.
    entry.need = Math.max(0, listeners - (this.#live ? 1 : 0));
    if (entry.from.size >= entry.need) entry.done();
    await acked;
  }

  #awaitAcks(id: string): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#pending.delete(id);
        resolve();
      };
      const timer = setTimeout(done, ACK_WAIT_MS);
      this.#pending.set(id, { from: new Set(), need: Infinity, done });
    });
  }

  async #connect(): Promise<void> {
    if (this.#closed) return;
    const client = new pg.Client({ connectionString: this.url, keepAlive: true, connectionTimeoutMillis: 10_000, application_name: LISTENER_NAME });
    client.on('notification', (n) => (n.channel === ACK_CHANNEL ? this.#acknowledged(n.payload) : this.#received(client, n.payload)));
    client.on('error', () => this.#lost(client));
    client.on('end', () => this.#lost(client));
    this.#client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}; LISTEN ${ACK_CHANNEL}`);
    } catch {
      this.#lost(client);
      return;
    }
    if (this.#client !== client || this.#closed) return;
    this.#failures = 0;
    this.#live = true;
    // Whatever was cached before the gap may have changed unheard.
    this.#listeners.dispatchAll();
  }

  #received(client: pg.Client, payload: string | undefined): void {
    let n: Partial<Notice>;
    try {
      n = JSON.parse(payload ?? '') as Partial<Notice>;
    } catch {
      return;
    }
    if (typeof n.t !== 'string' || typeof n.i !== 'string') return;
    if (n.i.startsWith(`${this.#node}:`)) return; // our own: dispatched when published
    this.#listeners.dispatch(n.t, typeof n.k === 'string' ? n.k : null);
    // Dropped here: the writer may answer its client.
    client.query('SELECT pg_notify($1, $2)', [ACK_CHANNEL, `${n.i} ${this.#node}`]).catch(() => undefined);
  }

  #acknowledged(payload: string | undefined): void {
    const [id, from] = (payload ?? '').split(' ');
    if (id === undefined || from === undefined) return;
    const entry = this.#pending.get(id);
    if (entry === undefined) return;
    entry.from.add(from);
    if (entry.from.size >= entry.need) entry.done();
  }

  #lost(client: pg.Client): void {
    if (this.#client !== client) return;
    this.#client = undefined;
    this.#live = false;
    this.#listeners.dispatchAll();
    void hangUp(client);
    for (const p of [...this.#pending.values()]) p.done();
    if (this.#closed) return;
    const delay = BACKOFF_MS[Math.min(this.#failures++, BACKOFF_MS.length - 1)]!;
    this.#retry = setTimeout(() => void this.#connect(), delay);
    this.#retry.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#live = false;
    clearTimeout(this.#retry);
    for (const p of [...this.#pending.values()]) p.done();
    const client = this.#client;
    this.#client = undefined;
    if (client !== undefined) await hangUp(client);
  }
}

/** Closes a listening connection that is no longer this feed's, without its events reaching the feed. */
async function hangUp(client: pg.Client): Promise<void> {
  client.removeAllListeners('end');
  client.on('error', () => undefined);
  await client.end().catch(() => undefined);
}
