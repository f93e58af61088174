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

