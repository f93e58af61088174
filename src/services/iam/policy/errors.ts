/**
 * Why a policy document was refused. `message` is AWS's wording for IAM's
 * MalformedPolicyDocument; `reason` lets other callers (S3's bucket policies, STS's session
 * policies) answer in their own service's words.
 * @module
 */

export type PolicyErrorReason =
  | 'json'
  | 'syntax'
  | 'version'
  | 'legacy'
  | 'principal-prohibited'
  | 'principal-missing'
  | 'principal-invalid'
  | 'resource-prohibited'
  | 'resource-missing'
  | 'resource-invalid'
  | 'action-missing'
  | 'action-invalid'
  | 'sid-duplicate';

export class PolicyDocumentError extends Error {
  constructor(
    message: string,
    readonly reason: PolicyErrorReason,
  ) {
    super(message);
    this.name = 'PolicyDocumentError';
  }
}
