/**
 * Roles assumed by an AWS service on a customer's behalf (Lambda's execution role): the role's
 * trust policy must allow the service principal (`lambda.amazonaws.com`) sts:AssumeRole, as
 * AWS checks when a function is created and again whenever the service needs credentials.
 * Conditions on such a statement (`aws:SourceAccount`, `aws:SourceArn`) are taken as met: the
 * only service principal Gatehouse acts as is its own, for its own account.
 * @module
 */
import type { RoleSessions } from './sessions.js';
import type { IssuedCredentials } from './tokens.js';

type Json = unknown;

const list = (v: Json): string[] => (typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

function actionMatches(patterns: readonly string[], action: string): boolean {
  return patterns.some((p) => {
    const re = new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
    return re.test(action);
  });
}

/** Whether the trust policy (JSON) lets `service` assume the role. */
export function serviceMayAssume(trustPolicy: string, service: string): boolean {
  let doc: Json;
  try {
    doc = JSON.parse(trustPolicy);
  } catch {
    return false;
  }
  const raw = (doc as { Statement?: Json }).Statement;
  const statements = (Array.isArray(raw) ? raw : [raw]) as { Effect?: Json; Principal?: Json; Action?: Json }[];
  let allowed = false;
  for (const s of statements) {
    if (typeof s !== 'object' || s === null) continue;
    const p = s.Principal;
    const names = p === '*' ? [service] : typeof p === 'object' && p !== null ? list((p as { Service?: Json }).Service) : [];
    if (!names.includes(service) || !actionMatches(list(s.Action), 'sts:AssumeRole')) continue;
    if (s.Effect === 'Deny') return false;
    if (s.Effect === 'Allow') allowed = true;
  }
  return allowed;
}

export interface ServiceRoleSession {
  credentials: IssuedCredentials;
  roleArn: string;
}

/**
 * Issues a session for `service` acting as the role, or undefined when the role does not exist
 * or does not trust the service (AWS words that per service; the caller does).
 */
export async function assumeRoleAsService(
  sessions: RoleSessions,
  service: string,
  req: { roleArn: string; roleSessionName: string; durationSeconds: number },
  now: number,
  region: string,
): Promise<ServiceRoleSession | undefined> {
  let role;
  try {
    role = await sessions.role(req.roleArn);
  } catch {
    return undefined;
  }
  if (role === undefined || !serviceMayAssume(role.trustPolicy, service)) return undefined;
  const duration = Math.min(req.durationSeconds, role.maxSessionDuration);
  const s = await sessions.issue(role, { roleArn: req.roleArn, roleSessionName: req.roleSessionName }, duration, now, {}, undefined, region);
  return { credentials: s.credentials, roleArn: role.arn };
}
