/**
 * AWS API models (botocore's service-2.json, copied into models/ by scripts/gen-models.py):
 * the source of truth for operation names, shapes, constraints and wire names.
 * @module
 */
import fs from 'node:fs';

export interface ShapeRef {
  shape: string;
  location?: 'header' | 'headers' | 'querystring' | 'uri' | 'statusCode';
  locationName?: string;
  xmlNamespace?: { uri: string; prefix?: string };
  xmlAttribute?: boolean;
  flattened?: boolean;
  queryName?: string;
  timestampFormat?: 'iso8601' | 'rfc822' | 'unixTimestamp';
  jsonvalue?: boolean;
  streaming?: boolean;
  payload?: string;
}

export interface Shape {
  type: 'structure' | 'list' | 'map' | 'string' | 'integer' | 'long' | 'boolean' | 'timestamp' | 'blob' | 'double' | 'float';
  members?: Record<string, ShapeRef>;
  required?: string[];
  member?: ShapeRef;
  key?: ShapeRef;
  value?: ShapeRef;
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
  sensitive?: boolean;
  flattened?: boolean;
  locationName?: string;
  timestampFormat?: 'iso8601' | 'rfc822' | 'unixTimestamp';
  error?: { code?: string; httpStatusCode: number; senderFault?: boolean };
  exception?: boolean;
  payload?: string;
  streaming?: boolean;
  xmlNamespace?: { uri: string; prefix?: string };
}

export interface Operation {
  name: string;
  http: { method: string; requestUri: string; responseCode?: number };
  input?: ShapeRef & { locationName?: string };
  output?: ShapeRef & { resultWrapper?: string };
  errors?: ShapeRef[];
  authtype?: string;
  auth?: string[];
}

export interface ServiceModel {
  metadata: {
    apiVersion: string;
    protocol: 'json' | 'query' | 'rest-xml' | 'rest-json';
    targetPrefix?: string;
    xmlNamespace?: string;
    signingName?: string;
    endpointPrefix: string;
    serviceId: string;
    jsonVersion?: string;
  };
  operations: Record<string, Operation>;
  shapes: Record<string, Shape>;
}

export type ServiceModelName = 'cognito-idp' | 'cognito-identity' | 'iam' | 'sts' | 's3' | 'lambda' | 'kms';

const cache = new Map<ServiceModelName, ServiceModel>();

/** Loads a model once; models live beside src/ and dist/ so both layouts find them. */
export function loadModel(name: ServiceModelName): ServiceModel {
  let m = cache.get(name);
  if (m === undefined) {
    const file = new URL(`../../models/${name}.json`, import.meta.url);
    m = JSON.parse(fs.readFileSync(file, 'utf8')) as ServiceModel;
    cache.set(name, m);
  }
  return m;
}

/** True when the model marks the operation as callable without a signature. */
export function isUnsigned(op: Operation): boolean {
  return op.authtype === 'none' || (op.auth?.includes('smithy.api#noAuth') ?? false);
}
