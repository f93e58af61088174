/**
 * In-memory caches of configuration rows (pools, clients, domains), read on every request.
 * @module
 */
import type { Database } from '../../../store/database.js';

/** A cache of rows for a store only this process writes; one that keeps nothing for a shared store. */
export function rowCache<K, V>(db: Database): Map<K, V> {
  return db.shared ? new ReadThrough<K, V>() : new Map<K, V>();
}

class ReadThrough<K, V> extends Map<K, V> {
  override set(): this {
    return this;
  }
}


/**
 * A read-through cache of configuration read on hot paths (resource servers, whether a pool has
 * groups), for a store only this process writes (`rowCache`: nothing is kept on a shared one).
 * Every write forgets what it changes and bumps a generation; a load that was reading while a
 * write happened is returned but not kept, so a value read before a write never outlives it.
 */
export class ConfigCache<V> {
  readonly #rows: Map<string, V | null>;
  #generation = 0;

  constructor(db: Database) {
    this.#rows = rowCache(db);
  }

  async get(key: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    const hit = this.#rows.get(key);
    if (hit !== undefined) return hit ?? undefined;
    const generation = this.#generation;
    const value = await load();
    if (generation === this.#generation) {
      if (this.#rows.size > 10_000) this.#rows.clear();
      this.#rows.set(key, value ?? null);
    }
    return value;
  }

  /** A write changed `key` (or, without one, anything). */
  forget(key?: string): void {
    this.#generation++;
    if (key === undefined) this.#rows.clear();
    else this.#rows.delete(key);
  }
}
