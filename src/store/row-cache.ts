/**
 * An in-memory cache of configuration rows (pools, clients, domains, identity pools) that are
 * read on every request and change rarely, kept correct across the processes on a shared store
 * by the store's change notices (store/changes.ts): a row another node changed is dropped here
 * before that node answers its client. Two guards for what notices cannot promise: nothing is
 * served while the feed is not live, and on a shared store no entry is kept longer than
 * `maxAgeMs` (a node that died between its commit and its notice). A read that raced a notice
 * is returned but not kept, since it may predate the change.
 * @module
 */
import type { ChangeFeed } from './changes.js';

/** How long an entry may live on a shared store, whatever the notices say. */
export const SHARED_MAX_AGE_MS = 10_000;
const MAX_ENTRIES = 10_000;

export class RowCache<V> {
  readonly #entries = new Map<string, { value: V; at: number }>();
  readonly #maxAgeMs: number;
  /** Counts notices: a read that started before one is not kept. */
  #generation = 0;

  constructor(
    private readonly feed: ChangeFeed,
    private readonly topic: string,
    shared: boolean,
  ) {
    this.#maxAgeMs = shared ? SHARED_MAX_AGE_MS : Infinity;
    feed.subscribe(topic, (key) => this.#drop(key));
  }

  /** The cached row, or `load`'s (kept when no notice came in meanwhile). */
  async read(key: string, load: () => Promise<V>): Promise<V> {
    const now = Date.now();
    const live = this.feed.live;
    if (live) {
      const hit = this.#entries.get(key);
      if (hit !== undefined && now - hit.at < this.#maxAgeMs) return hit.value;
    }
    const generation = this.#generation;
    const value = await load();
    if (live && this.feed.live && generation === this.#generation) {
      if (this.#entries.size >= MAX_ENTRIES) this.#entries.clear();
      this.#entries.set(key, { value, at: now });
    }
    return value;
  }

  /**
   * After this process changed `key` (null: any row of the topic), committed: drops it here and
   * tells every other process, resolving once they have been told.
   */
  changed(key: string | null): Promise<void> {
    return this.feed.publish(this.topic, key);
  }

  #drop(key: string | null): void {
    this.#generation++;
    if (key === null) this.#entries.clear();
    else this.#entries.delete(key);
  }
}
