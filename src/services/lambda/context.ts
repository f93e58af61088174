/**
 * What Lambda's operations are built from, and the narrow ports to its neighbours: S3 (a
 * package named by Code.S3Bucket/S3Key) and STS (the execution role's credentials).
 * @module
 */
import type { Logger } from '../../log.js';
import type { Principal } from '../../principal.js';
import type { Authorizer } from '../iam/authorizer.js';
import type { RequestContext } from '../types.js';
import type { Runner } from './runner.js';
import type { LambdaStore } from './store.js';

/** Reads a package out of Gatehouse's S3, as the caller (who must be allowed s3:GetObject). */
export interface PackageObjects {
  read(bucket: string, key: string, principal: Principal | undefined, ctx: RequestContext): Promise<Uint8Array | 'missing' | 'denied' | 'too-large'>;
}

export interface RoleCredentials {
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken: string;
}

/** The execution role, as Lambda (`lambda.amazonaws.com`) assumes it. */
export interface ExecutionRoles {
  mayAssume(roleArn: string): Promise<boolean>;
  /** Undefined when the role is gone or no longer trusts Lambda. */
  credentials(roleArn: string, sessionName: string): Promise<RoleCredentials | undefined>;
}

export interface LambdaContext {
  store: LambdaStore;
  runner: Runner;
  objects: PackageObjects;
  roles: ExecutionRoles;
  authorizer: Authorizer;
  log: Logger;
  region: string;
  accountId: string;
  /** Where the functions' AWS SDKs reach Gatehouse (AWS_ENDPOINT_URL); known once the server listens. */
  endpoint(): string;
  /** A directory of Lambda's own outside the data dir: unpacked code and the functions' /tmp. */
  workDir: string;
}
