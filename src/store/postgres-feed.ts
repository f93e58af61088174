/**
 * Change notices between nodes on one PostgreSQL database: LISTEN/NOTIFY on one channel. Each
 * node keeps one connection of its own that LISTENs (outside the pool, opened when the first
 * cache subscribes). A writer's NOTIFY goes out after its write committed, and the writer waits
 * until the notice comes back on its own listening connection: PostgreSQL signals every
 * listening session at once, so by then the other nodes have it too, before the writer's
 * client can send its next request anywhere. While the listening connection is down the node
 * is not live (its caches read through) and it reconnects with backoff; on reconnecting it
 * drops everything it had cached, since notices sent in the gap are lost.
 * @module
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { Listeners, type ChangeFeed, type ChangeListener } from './changes.js';

export const CHANNEL = 'gatehouse_changes';
/** PostgreSQL refuses payloads of 8000 bytes or more; a longer key is sent as "everything". */
const MAX_PAYLOAD = 7000;
const ECHO_WAIT_MS = 1000;
const BACKOFF_MS = [100, 250, 500, 1000, 2000, 5000] as const;

interface Notice {
  i: string;
  t: string;
  k: string | null;
}

export class PostgresFeed implements ChangeFeed {
  readonly #listeners = new Listeners();
  readonly #node = randomUUID();
  readonly #echoes = new Map<string, () => void>();
  #seq = 0;
  #client: pg.Client | undefined;
  #live = false;
  #started = false;
  #closed = false;
  #failures = 0;
  #retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    /** Sends a NOTIFY through the store's pool. */
    private readonly notify: (channel: string, payload: string) => Promise<unknown>,
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
    const echoed = this.#live ? this.#echo(id) : Promise.resolve();
    try {
      await this.notify(CHANNEL, payload);
    } catch {
      // The write stands; other nodes see it when their entries expire (RowCache's maxAge) or,
      // if the database is gone for them too, at once (not live, they read through).
      this.#echoes.get(id)?.();
      return;
    }
    await echoed;
  }

  #echo(id: string): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#echoes.delete(id);
        resolve();
      };
      const timer = setTimeout(done, ECHO_WAIT_MS);
      this.#echoes.set(id, done);
    });
  }

  async #connect(): Promise<void> {
    if (this.#closed) return;
    const client = new pg.Client({ connectionString: this.url, keepAlive: true, connectionTimeoutMillis: 10_000 });
    client.on('notification', (n) => this.#received(n.payload));
    client.on('error', () => this.#lost(client));
    client.on('end', () => this.#lost(client));
    this.#client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
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

  #received(payload: string | undefined): void {
    let n: Partial<Notice>;
    try {
      n = JSON.parse(payload ?? '') as Partial<Notice>;
    } catch {
      return;
    }
    if (typeof n.t !== 'string') return;
    if (typeof n.i === 'string') {
      const echo = this.#echoes.get(n.i);
      if (echo !== undefined) return echo(); // our own: dispatched when published
    }
    this.#listeners.dispatch(n.t, typeof n.k === 'string' ? n.k : null);
  }

  #lost(client: pg.Client): void {
    if (this.#client !== client) return;
    this.#client = undefined;
    this.#live = false;
    this.#listeners.dispatchAll();
    client.removeAllListeners('end');
    client.on('error', () => undefined);
    void client.end().catch(() => undefined);
    for (const done of [...this.#echoes.values()]) done();
    if (this.#closed) return;
    const delay = BACKOFF_MS[Math.min(this.#failures++, BACKOFF_MS.length - 1)]!;
    this.#retry = setTimeout(() => void this.#connect(), delay);
    this.#retry.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#live = false;
    clearTimeout(this.#retry);
    for (const done of [...this.#echoes.values()]) done();
    const client = this.#client;
    this.#client = undefined;
    if (client !== undefined) {
      client.removeAllListeners('end');
      client.on('error', () => undefined);
      await client.end().catch(() => undefined);
    }
  }
}
