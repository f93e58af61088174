/**
 * Change notices between the processes that share a store, so that each may cache
 * configuration rows (pools, clients, domains, identity pools, IAM policies) and still see
 * another node's change on its next request. A writer publishes `(topic, key)` after its write
 * has committed and waits (briefly, bounded) until the notice is on its way to every other
 * process; a process that cannot be sure it hears every notice (its listening connection is
 * down) is not `live`, and its caches read through until it is again — then drop everything,
 * since notices may have been missed in the gap.
 *
 * Three transports: none for a store only this process uses (`LocalFeed`), node:cluster's IPC
 * through the primary for workers on one SQLite file (`ClusterFeed`), and PostgreSQL's
 * LISTEN/NOTIFY for nodes on one database (store/postgres-feed.ts).
 * @module
 */
import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';

/** `key` null: anything under the topic may have changed. */
export type ChangeListener = (key: string | null) => void;

export interface ChangeFeed {
  /**
   * Tells every other process that `key` of `topic` changed (this process's own caches are
   * told at once). Call it after the write committed; it resolves once the notice has left,
   * or after a bounded wait if the transport is down (caches elsewhere are then not live).
   */
  publish(topic: string, key: string | null): Promise<void>;
  subscribe(topic: string, listener: ChangeListener): void;
  /** Whether notices from other processes are arriving: while false, nothing cached may be served. */
  readonly live: boolean;
  close(): Promise<void>;
}

/** Topics and their listeners, for the transports. */
export class Listeners {
  readonly #topics = new Map<string, ChangeListener[]>();

  add(topic: string, l: ChangeListener): void {
    const list = this.#topics.get(topic);
    if (list === undefined) this.#topics.set(topic, [l]);
    else list.push(l);
  }

  dispatch(topic: string, key: string | null): void {
    for (const l of this.#topics.get(topic) ?? []) l(key);
  }

  /** Every topic, every key: after a gap in which notices may have been lost. */
  dispatchAll(): void {
    for (const topic of this.#topics.keys()) this.dispatch(topic, null);
  }
}

/** A store no other process writes: notices stay in this process. */
export class LocalFeed implements ChangeFeed {
  readonly live = true;
  readonly #listeners = new Listeners();

  publish(topic: string, key: string | null): Promise<void> {
    this.#listeners.dispatch(topic, key);
    return Promise.resolve();
  }

  subscribe(topic: string, listener: ChangeListener): void {
    this.#listeners.add(topic, listener);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** The IPC messages of ClusterFeed; the primary relays them (workers.ts). */
export const CHANGE = 'gatehouse:change';
export const CHANGE_RELAYED = 'gatehouse:change-relayed';
/** A worker's word to the primary that it has dropped what a notice named. */
export const CHANGE_APPLIED = 'gatehouse:change-applied';

export interface ChangeMessage {
  type: typeof CHANGE;
  id: string;
  topic: string;
  key: string | null;
}

/** How long a writer waits for its notice to be relayed before answering anyway. */
const RELAY_WAIT_MS = 1000;

/**
 * A worker of `gatehouse serve --workers N`: notices go to the primary, which hands them to
 * every other worker and answers the sender once each has said it dropped the entry. Live
 * while the IPC channel is open.
 */
export class ClusterFeed implements ChangeFeed {
  readonly #listeners = new Listeners();
  readonly #waiting = new Map<string, () => void>();
  readonly #onMessage = (m: unknown): void => {
    const msg = m as { type?: unknown; id?: unknown; topic?: unknown; key?: unknown } | null;
    if (msg?.type === CHANGE && typeof msg.topic === 'string') {
      this.#listeners.dispatch(msg.topic, typeof msg.key === 'string' ? msg.key : null);
      if (typeof msg.id === 'string' && process.connected) process.send?.({ type: CHANGE_APPLIED, id: msg.id });
    } else if (msg?.type === CHANGE_RELAYED && typeof msg.id === 'string') this.#waiting.get(msg.id)?.();
  };

  constructor() {
    process.on('message', this.#onMessage);
  }

  get live(): boolean {
    return process.connected;
  }

  publish(topic: string, key: string | null): Promise<void> {
    this.#listeners.dispatch(topic, key);
    if (!process.connected || process.send === undefined) return Promise.resolve();
    const id = randomUUID();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#waiting.delete(id);
        resolve();
      };
      const timer = setTimeout(done, RELAY_WAIT_MS);
      this.#waiting.set(id, done);
      const message: ChangeMessage = { type: CHANGE, id, topic, key };
      process.send!(message, undefined, undefined, (err) => {
        if (err !== null) done();
      });
    });
  }

  subscribe(topic: string, listener: ChangeListener): void {
    this.#listeners.add(topic, listener);
  }

  close(): Promise<void> {
    process.off('message', this.#onMessage);
    for (const done of [...this.#waiting.values()]) done();
    return Promise.resolve();
  }
}

/**
 * Other processes write the store and nothing tells this one: caches never serve (they read
 * through), as before there were notices.
 */
export class NoFeed implements ChangeFeed {
  readonly live = false;

  publish(): Promise<void> {
    return Promise.resolve();
  }

  subscribe(): void {}

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** The feed for SQLite: in-process alone, through the primary under workers. */
export function sqliteFeed(shared: boolean): ChangeFeed {
  if (!shared) return new LocalFeed();
  return cluster.isWorker ? new ClusterFeed() : new NoFeed();
}
