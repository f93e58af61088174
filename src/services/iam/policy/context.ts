/**
 * The condition keys of one decision. Keys are case-insensitive in policies, so lookups use
 * lower-cased names; keys that come from the principal (fixed for a session) are lowered once
 * and shared, and take precedence over request keys so a request cannot claim another
 * principal's identity.
 * @module
 */
import type { ConditionContext } from './types.js';

export type ContextValue = string | readonly string[];
export type ContextKeys = ReadonlyMap<string, ContextValue>;

/** Lower-cases a record's keys into a map (a handful of keys per request). */
export function lowerKeys(record: Readonly<Record<string, ContextValue>> | undefined): Map<string, ContextValue> {
  const out = new Map<string, ContextValue>();
  if (record === undefined) return out;
  for (const k in record) {
    const v = record[k];
    if (v !== undefined) out.set(k.toLowerCase(), v);
  }
  return out;
}

export class Context implements ConditionContext {
  constructor(
    private readonly request: ContextKeys,
    private readonly principal?: ContextKeys,
  ) {}

  get(lowerKey: string): ContextValue | undefined {
    return this.principal?.get(lowerKey) ?? this.request.get(lowerKey);
  }
}
