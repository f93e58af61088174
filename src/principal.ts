/**
 * Who made a request, as authentication established it. Every service's authorization and
 * every policy decision starts from one of these.
 * @module
 */

export interface RootPrincipal {
  kind: 'root';
  accountId: string;
  /** `arn:aws:iam::<account>:root` */
  arn: string;
  /** For root, AWS's `aws:userid` is the account id. */
  userId: string;
  accessKeyId: string;
  /** Set when the request was signed with a session from GetSessionToken, not the root key itself. */
  session?: true;
}

export interface AssumedRolePrincipal {
  kind: 'assumed-role';
  accountId: string;
  /** `arn:aws:sts::<account>:assumed-role/<RoleName>/<RoleSessionName>` */
  arn: string;
  /** `<RoleId>:<RoleSessionName>` (AWS's `aws:userid`). */
  userId: string;
  accessKeyId: string;
  roleArn: string;
  roleId: string;
  roleName: string;
  sessionName: string;
  /** Epoch milliseconds. */
  expiration: number;
  /** Inline session policy (JSON) passed at AssumeRole*, if any: it narrows the role's permissions. */
  sessionPolicy?: string;
  /** Managed session policies passed at AssumeRole*, if any. */
  sessionPolicyArns?: readonly string[];
  /**
   * Condition keys fixed when the session was made (e.g. `cognito-identity.amazonaws.com:sub`,
   * `aws:FederatedProvider`), added to every decision this session's requests ask for.
   */
  contextKeys: Readonly<Record<string, string | readonly string[]>>;
  sourceIdentity?: string;
}

export type Principal = RootPrincipal | AssumedRolePrincipal;

export function rootArn(accountId: string): string {
  return `arn:aws:iam::${accountId}:root`;
}
