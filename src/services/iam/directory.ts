/**
 * IAM as other components see it: roles, managed policy documents and OIDC providers by ARN,
 * compiled policies from a shared cache, and change notifications so that caches of compiled
 * permissions (the authorizer's) drop what an IAM write made stale. STS and the authorizer use
 * this; they never touch IAM's tables.
 * @module
 */
import { LocalFeed, type ChangeFeed } from '../../store/changes.js';
import { PolicyCache } from './policy/index.js';
import { AWS_MANAGED_POLICIES } from './managed-policies/index.js';
import { oidcProviderArn, parsePolicyArn, parseRoleArn, roleArn } from './ids.js';
import type { Sql } from '../../store/database.js';
import type { IamRepository, RoleRow, Tag } from './repository.js';

export interface RoleRecord {
  roleId: string;
  name: string;
  path: string;
  arn: string;
  trustPolicy: string;
  maxSessionDuration: number;
  boundaryArn: string | undefined;
  tags: Tag[];
  createdAt: number;
}

export interface ManagedPolicyRecord {
  arn: string;
  name: string;
  /** The default version's document. */
  document: string;
  awsManaged: boolean;
}

export interface OidcProviderRecord {
  arn: string;
  /** Scheme-less URL, as IAM returns it (`example.com/path`). */
  urlKey: string;
  /** The URL as created, with its scheme: the issuer a token must name. */
  url: string;
  clientIds: string[];
  thumbprints: string[];
}

/** What changed: a role's own policies, or managed policies (which any role may use). */
export type IamChange = { roleId: string } | { policyArn: string };

const TOPIC = 'iam';

/** A notice's key back into a change; anything unreadable (or "everything") as a change to every role. */
function parseChange(key: string | null): IamChange {
  try {
    const c = JSON.parse(key ?? '') as Partial<{ roleId: unknown; policyArn: unknown }>;
    if (typeof c.roleId === 'string') return { roleId: c.roleId };
    if (typeof c.policyArn === 'string') return { policyArn: c.policyArn };
  } catch {
    // fall through
  }
  return { policyArn: '*' };
}

export class IamDirectory {
  readonly policies = new PolicyCache();
  readonly #listeners: ((c: IamChange) => void)[] = [];

  /** `feed`: the store's change notices, so that every node's caches hear of every IAM write. */
  constructor(
    readonly repo: IamRepository,
    readonly accountId: string,
    private readonly feed: ChangeFeed = new LocalFeed(),
  ) {
    feed.subscribe(TOPIC, (key) => {
      const c = parseChange(key);
      for (const l of this.#listeners) l(c);
    });
  }

  onChange(listener: (c: IamChange) => void): void {
    this.#listeners.push(listener);
  }

  /** Whether changes made by other nodes are heard: while not, nothing compiled may be trusted. */
  get live(): boolean {
    return this.feed.live;
  }

  /** After a committed IAM write: this node's listeners and every other node's hear of it. */
  changed(c: IamChange): Promise<void> {
    return this.feed.publish(TOPIC, JSON.stringify(c));
  }

  toRole(r: RoleRow): RoleRecord {
    return {
      roleId: r.role_id,
      name: r.name,
      path: r.path,
      arn: roleArn(this.accountId, r.path, r.name),
      trustPolicy: r.trust_policy,
      maxSessionDuration: Number(r.max_session_duration),
      boundaryArn: r.boundary_arn ?? undefined,
      tags: JSON.parse(r.tags) as Tag[],
      createdAt: Number(r.created_at),
    };
  }

  async role(name: string): Promise<RoleRecord | undefined> {
    const r = await this.repo.getRole(name);
    return r === undefined ? undefined : this.toRole(r);
  }

  /** The role an ARN names, if it exists with exactly that path in this account. */
  async roleByArn(arn: string): Promise<RoleRecord | undefined> {
    const p = parseRoleArn(arn);
    if (p === undefined || p.account !== this.accountId) return undefined;
    const r = await this.role(p.name);
    return r !== undefined && r.path === p.path && r.name === p.name ? r : undefined;
  }

  /** An AWS-managed or customer-managed policy by ARN, with its default version's document (read through `sql` inside a transaction). */
  async managedPolicy(arn: string, sql?: Sql): Promise<ManagedPolicyRecord | undefined> {
    const aws = AWS_MANAGED_POLICIES.get(arn);
    if (aws !== undefined) return { arn, name: aws.PolicyName, document: aws.Document, awsManaged: true };
    const p = parsePolicyArn(arn);
    if (p === undefined || p.account !== this.accountId) return undefined;
    const row = await this.repo.getPolicyByName(p.name, sql);
    if (row === undefined || row.path !== p.path || row.name !== p.name) return undefined;
    const v = await this.repo.getVersion(row.policy_id, row.default_version, sql);
    return v === undefined ? undefined : { arn, name: row.name, document: v.document, awsManaged: false };
  }

  async oidcProvider(urlKey: string): Promise<OidcProviderRecord | undefined> {
    const r = await this.repo.getOidcProvider(urlKey);
    if (r === undefined) return undefined;
    return {
      arn: oidcProviderArn(this.accountId, r.url_key),
      urlKey: r.url_key,
      url: r.url,
      clientIds: JSON.parse(r.client_ids) as string[],
      thumbprints: JSON.parse(r.thumbprints) as string[],
    };
  }
}
