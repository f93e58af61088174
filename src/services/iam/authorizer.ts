/**
 * The seam every service uses to ask "may this principal do this action on this resource?".
 * IAM's policy engine implements it; services never read IAM's tables.
 * @module
 */
import type { Principal } from '../../principal.js';

export interface AuthorizationRequest {
  /** Undefined for anonymous requests (S3 public reads, website endpoints). */
  principal: Principal | undefined;
  /** `service:Operation`, e.g. `s3:GetObject`, `cognito-idp:AdminGetUser`. */
  action: string;
  /** The resource ARN, e.g. `arn:aws:s3:::bucket/key`. */
  resource: string;
  /**
   * Request condition keys (`aws:SourceIp`, `aws:SecureTransport`, `s3:prefix`, …). Keys the
   * principal implies (`aws:username`, `aws:userid`, session context keys) are added by the
   * engine.
   */
  context: Readonly<Record<string, string | readonly string[]>>;
  /** Resource-based policies (a bucket policy), as JSON documents. */
  resourcePolicies?: readonly string[];
  /**
   * With no principal: an AWS service principal acting on its own behalf (Cognito invoking a
   * trigger); only a resource-based policy naming that Service can allow it.
   */
  service?: string;
  /**
   * A resource policy must allow too (a KMS key policy): the account's identity policies count
   * only where it lets the account (its root) decide.
   */
  requireResourceAllow?: boolean;
  /** Account that owns the resource, for cross-account rules; defaults to the server's account. */
  resourceAccount?: string;
}

export interface AuthorizationDecision {
  decision: 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';
  /** The statement that decided (policy name or ARN, and Sid or index); logged on denies. */
  decidedBy?: string;
  /**
   * For denies, the kind of policy that denied explicitly or did not allow: AWS's AccessDenied
   * messages name it ("… because no session policy allows the s3:GetObject action").
   */
  policyType?: 'identity-based' | 'resource-based' | 'session' | 'permissions boundary' | 'root';
}

export interface Authorizer {
  authorize(request: AuthorizationRequest): Promise<AuthorizationDecision>;
}

/** Before IAM is wired in: the root user may do anything, nobody else anything. */
export class RootOnlyAuthorizer implements Authorizer {
  authorize(request: AuthorizationRequest): Promise<AuthorizationDecision> {
    return Promise.resolve(
      request.principal?.kind === 'root' ? { decision: 'Allow', decidedBy: 'root user' } : { decision: 'ImplicitDeny' },
    );
  }
}

/**
 * AWS's AccessDenied message for a denied request, e.g. `User: arn:aws:sts::…:assumed-role/R/s
 * is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/k because no
 * identity-based policy allows the s3:GetObject action`.
 */
export function accessDeniedMessage(request: AuthorizationRequest, decision: AuthorizationDecision): string {
  const who = request.principal?.arn ?? 'anonymous';
  const type = decision.policyType === undefined || decision.policyType === 'root' ? 'identity-based' : decision.policyType;
  const what = type === 'permissions boundary' ? type : `${type} policy`;
  const why =
    decision.decision === 'ExplicitDeny'
      ? `with an explicit deny in a${type === 'identity-based' ? 'n' : ''} ${what}`
      : `because no ${what} allows the ${request.action} action`;
  return `User: ${who} is not authorized to perform: ${request.action} on resource: ${request.resource} ${why}`;
}
