/**
 * The condition keys of one decision. Keys are case-insensitive in policies, so lookups use
 * lower-cased names. Keys that come from the principal (fixed for a session) are lowered once
 * and shared, and take precedence over request keys so a request cannot claim another
 * principal's identity. Request keys are read from the caller's record as given: a lookup
 * tries the key's usual spelling first (`aws:sourceip` → `aws:SourceIp`) and lowers the
 * record's keys only when that misses, so building a context costs nothing per decision.
 * @module
 */
import type { ConditionContext } from './types.js';

export type ContextValue = string | readonly string[];
export type ContextKeys = ReadonlyMap<string, ContextValue>;

/** Lower-cases a record's keys into a map. */
export function lowerKeys(record: Readonly<Record<string, ContextValue>> | undefined): Map<string, ContextValue> {
  const out = new Map<string, ContextValue>();
  if (record === undefined) return out;
  for (const k in record) {
    const v = record[k];
    if (v !== undefined) out.set(k.toLowerCase(), v);
  }
  return out;
}

/** How AWS spells the keys requests usually carry. */
const USUAL_SPELLING = new Map<string, string>(
  [
    'aws:SourceIp', 'aws:SecureTransport', 'aws:CurrentTime', 'aws:EpochTime', 'aws:UserAgent', 'aws:RequestedRegion', 'aws:Referer',
    'aws:SourceVpc', 'aws:SourceVpce', 'aws:ViaAWSService', 'aws:CalledVia', 'aws:TagKeys', 'aws:ResourceAccount',
    's3:prefix', 's3:delimiter', 's3:max-keys', 's3:x-amz-acl', 's3:x-amz-server-side-encryption', 's3:ExistingObjectTag', 's3:RequestObjectTag',
    's3:signatureversion', 's3:authType', 's3:signatureAge', 's3:x-amz-content-sha256', 's3:VersionId', 's3:TlsVersion',
    'sts:RoleSessionName', 'sts:ExternalId', 'sts:SourceIdentity',
  ].map((k) => [k.toLowerCase(), k]),
);

export class Context implements ConditionContext {
  #lowered: Map<string, ContextValue> | undefined;

  constructor(
    private readonly request: ContextKeys | Readonly<Record<string, ContextValue>>,
    private readonly principal?: ContextKeys,
  ) {}

  get(lowerKey: string): ContextValue | undefined {
    const p = this.principal?.get(lowerKey);
    if (p !== undefined) return p;
    const r = this.request;
    if (r instanceof Map) return r.get(lowerKey);
    const rec = r as Readonly<Record<string, ContextValue>>;
    const usual = USUAL_SPELLING.get(lowerKey);
    if (usual !== undefined) {
      const v = rec[usual];
      if (v !== undefined) return v;
    }
    if (Object.hasOwn(rec, lowerKey)) return rec[lowerKey];
    return (this.#lowered ??= lowerKeys(rec)).get(lowerKey);
  }
}
