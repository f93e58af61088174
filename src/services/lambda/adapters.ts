/**
 * The real neighbours behind Lambda's ports: Gatehouse's S3 (a package named by S3Bucket and
 * S3Key, read as the caller) and STS (the execution role, assumed as lambda.amazonaws.com).
 * @module
 */
import { requestConditionKeys } from '../condition-keys.js';
import type { Authorizer } from '../iam/authorizer.js';
import type { S3Service } from '../s3/index.js';
import { assumeRoleAsService } from '../sts/service-roles.js';
import type { StsService } from '../sts/index.js';
import { MAX_ZIPPED_BYTES } from './code.js';
import type { ExecutionRoles, PackageObjects } from './context.js';

export function s3Packages(s3: S3Service, authorizer: Authorizer): PackageObjects {
  return {
    async read(bucket, key, principal, ctx) {
      if (principal !== undefined && principal.kind !== 'root') {
        const d = await authorizer.authorize({ principal, action: 's3:GetObject', resource: `arn:aws:s3:::${bucket}/${key}`, context: requestConditionKeys(ctx) });
        if (d.decision !== 'Allow') return 'denied';
      }
      return s3.objectBytes(bucket, key, MAX_ZIPPED_BYTES);
    },
  };
}

/** Credentials live an hour; the runner retires a warm process well before that. */
export function stsExecutionRoles(sts: StsService, region: string, now: () => number): ExecutionRoles {
  const roles: ExecutionRoles = {
    async mayAssume(roleArn) {
      return (await roles.credentials(roleArn, 'gatehouse-check')) !== undefined;
    },
    async credentials(roleArn, sessionName) {
      const s = await assumeRoleAsService(sts.sessions, 'lambda.amazonaws.com', { roleArn, roleSessionName: sessionName.slice(0, 64), durationSeconds: 3600 }, now(), region);
      if (s === undefined) return undefined;
      return { AccessKeyId: s.credentials.AccessKeyId, SecretAccessKey: s.credentials.SecretAccessKey, SessionToken: s.credentials.SessionToken };
    },
  };
  return roles;
}
