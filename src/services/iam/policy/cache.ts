/**
 * Compiled policies cached by document text, so a document is parsed and compiled once however
 * many roles, sessions or buckets use it. Bounded: the least recently compiled entries go first.
 * @module
 */
import { PolicyDocumentError } from './errors.js';
import { parsePolicy } from './parse.js';
import type { CompiledPolicy, PolicyKind } from './types.js';

export class PolicyCache {
  readonly #entries = new Map<string, CompiledPolicy | PolicyDocumentError>();

  constructor(private readonly max = 10_000) {}

  /** Compiles (or returns the cached compilation); throws PolicyDocumentError if invalid. */
  compile(document: string, kind: PolicyKind): CompiledPolicy {
    const key = kind + '\u0000' + document;
    let hit = this.#entries.get(key);
    if (hit === undefined) {
      try {
        hit = parsePolicy(document, kind);
      } catch (err) {
        if (!(err instanceof PolicyDocumentError)) throw err;
        hit = err;
      }
      if (this.#entries.size >= this.max) this.#entries.delete(this.#entries.keys().next().value!);
      this.#entries.set(key, hit);
    }
    if (hit instanceof PolicyDocumentError) throw hit;
    return hit;
  }

  get size(): number {
    return this.#entries.size;
  }
}
