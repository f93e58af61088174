/**
 * A function's resource-based policy (AddPermission, RemovePermission, GetPolicy): statements
 * in AWS's shape, e.g. letting `cognito-idp.amazonaws.com` invoke for one user pool (SourceArn).
 * @module
 */
import { ServiceError } from '../../errors.js';
import type { AddPermissionRequest } from './api.generated.js';

interface Statement {
  Sid: string;
  Effect: 'Allow';
  Principal: '*' | { Service: string } | { AWS: string };
  Action: string;
  Resource: string;
  Condition?: Record<string, Record<string, string>>;
}

interface PolicyDoc {
  Version: '2012-10-17';
  Id: 'default';
  Statement: Statement[];
}

const MAX_POLICY_BYTES = 20 * 1024;

function principalOf(p: string): Statement['Principal'] {
  if (p === '*') return '*';
  if (/^\d{12}$/.test(p)) return { AWS: `arn:aws:iam::${p}:root` };
  if (p.startsWith('arn:')) return { AWS: p };
  return { Service: p };
}

export function parsePolicy(policy: string | undefined): PolicyDoc {
  return policy === undefined ? { Version: '2012-10-17', Id: 'default', Statement: [] } : (JSON.parse(policy) as PolicyDoc);
}

/** Adds the statement; returns the new document (undefined-free) and the statement's JSON. */
export function addStatement(policy: string | undefined, input: AddPermissionRequest, functionArn: string): { policy: string; statement: string } {
  const doc = parsePolicy(policy);
  if (doc.Statement.some((s) => s.Sid === input.StatementId)) {
    throw new ServiceError(
      'ResourceConflictException',
      `The statement id (${input.StatementId}) provided already exists. Please explicitly specify a new statement id, or remove the existing statement.`,
      409,
      { extra: { Type: 'User' } },
    );
  }
  const action = input.Action.includes(':') ? input.Action : `lambda:${input.Action}`;
  if (!/^lambda:[A-Za-z*]+$/.test(action)) throw new ServiceError('InvalidParameterValueException', `Action: ${input.Action} is invalid.`, 400);
  const s: Statement = { Sid: input.StatementId, Effect: 'Allow', Principal: principalOf(input.Principal), Action: action, Resource: functionArn };
  const condition: Record<string, Record<string, string>> = {};
  if (input.SourceAccount !== undefined) condition.StringEquals = { 'AWS:SourceAccount': input.SourceAccount };
  if (input.SourceArn !== undefined) condition.ArnLike = { 'AWS:SourceArn': input.SourceArn };
  if (input.PrincipalOrgID !== undefined) (condition.StringEquals ??= {})['aws:PrincipalOrgID'] = input.PrincipalOrgID;
  if (Object.keys(condition).length > 0) s.Condition = condition;
  doc.Statement.push(s);
  const text = JSON.stringify(doc);
  if (Buffer.byteLength(text) > MAX_POLICY_BYTES) {
    throw new ServiceError('PolicyLengthExceededException', 'The final policy size is bigger than the limit.', 400);
  }
  return { policy: text, statement: JSON.stringify(s) };
}

export function removeStatement(policy: string | undefined, sid: string): string | undefined {
  const doc = parsePolicy(policy);
  const left = doc.Statement.filter((s) => s.Sid !== sid);
  if (left.length === doc.Statement.length) throw new ServiceError('ResourceNotFoundException', `Statement ${sid} is not found in resource policy.`, 404);
  return left.length === 0 ? undefined : JSON.stringify({ ...doc, Statement: left });
}
