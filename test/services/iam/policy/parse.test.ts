/**
 * Policy validation: each malformed document and the MalformedPolicyDocument message IAM
 * answers it with (grammar, version, legacy parsing, Sids, actions, resources, ARN formats,
 * vendors), plus the rules that depend on the policy kind (identity policies must not name a
 * principal; trust policies must, and must not name a resource).
 */
import { describe, expect, it } from 'vitest';
import { PolicyDocumentError } from '../../../../src/services/iam/policy/errors.js';
import { parsePolicy } from '../../../../src/services/iam/policy/parse.js';
import type { PolicyKind } from '../../../../src/services/iam/policy/types.js';

const V = '2012-10-17';
const ok = { Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::example_bucket' };

function messageOf(doc: unknown, kind: PolicyKind = 'identity'): string {
  try {
    parsePolicy(typeof doc === 'string' ? doc : JSON.stringify(doc), kind);
  } catch (err) {
    if (err instanceof PolicyDocumentError) return err.message;
    throw err;
  }
  return 'valid';
}

describe('identity policies', () => {
  const rows: [name: string, doc: unknown, message: string][] = [
    ['not JSON', 'This is not a json document', 'Syntax errors in policy.'],
    ['no Version', { Statement: ok }, 'Policy document must be version 2012-10-17 or greater.'],
    ['Version 2008-10-17', { Version: '2008-10-17', Statement: ok }, 'Policy document must be version 2012-10-17 or greater.'],
    ['unknown Version', { Version: '2013-10-17', Statement: ok }, 'Syntax errors in policy.'],
    ['no Statement', { Version: V }, 'Syntax errors in policy.'],
    ['empty Statement list', { Version: V, Statement: [] }, 'Syntax errors in policy.'],
    ['Statement of strings', { Version: V, Statement: ['afd'] }, 'Syntax errors in policy.'],
    ['extra top-level field', { Version: V, Statement: ok, 'Extra field': 'value' }, 'Syntax errors in policy.'],
    ['extra statement field', { Version: V, Statement: { ...ok, 'Extra field': 'value' } }, 'Syntax errors in policy.'],
    ['Id not a string', { Version: V, Id: ['x'], Statement: ok }, 'Syntax errors in policy.'],
    ['invalid Effect', { Version: V, Statement: { ...ok, Effect: 'invalid' } }, 'Syntax errors in policy.'],
    ['no Effect', { Version: V, Statement: { Action: 's3:ListBucket', Resource: 'arn:aws:s3:::b' } }, 'Syntax errors in policy.'],
    ['Effect in the wrong case', { Version: V, Statement: { ...ok, Effect: 'denY' } }, 'The policy failed legacy parsing'],
    ['Action and NotAction', { Version: V, Statement: { ...ok, NotAction: 's3:ListBucket' } }, 'Syntax errors in policy.'],
    ['Resource and NotResource', { Version: V, Statement: { ...ok, NotResource: '*' } }, 'Syntax errors in policy.'],
    ['Action not a string', { Version: V, Statement: { ...ok, Action: {} } }, 'Syntax errors in policy.'],
    ['Resource list with an object', { Version: V, Statement: { ...ok, Resource: ['adfdf', {}] } }, 'Syntax errors in policy.'],
    ['Condition a list', { Version: V, Statement: { ...ok, Condition: [] } }, 'Syntax errors in policy.'],
    ['unknown condition operator', { Version: V, Statement: { ...ok, Condition: { x: { a: '1' } } } }, 'Syntax errors in policy.'],
    ['operator with two colons', { Version: V, Statement: { ...ok, Condition: { 'ForAnyValue::StringEqualsIfExists': { a: 'x' } } } }, 'Syntax errors in policy.'],
    ['condition value an object', { Version: V, Statement: { ...ok, Condition: { DateGreaterThan: { a: {} } } } }, 'Syntax errors in policy.'],
    ['Sid not a string', { Version: V, Statement: { ...ok, Sid: [] } }, 'Syntax errors in policy.'],
    ['a principal', { Version: V, Statement: { ...ok, Principal: { AWS: '*' } } }, 'Policy document should not specify a principal.'],
    ['a date that is not one', { Version: V, Statement: { ...ok, Condition: { DateGreaterThan: { a: 'sdfdsf' } } } }, 'The policy failed legacy parsing'],
    ['a legacy resource', { Version: V, Statement: { ...ok, Resource: 'arn:aws:s3::example_bucket' } }, 'The policy failed legacy parsing'],
    ['duplicate Sids', { Version: V, Statement: [{ ...ok, Sid: 'sdf' }, { ...ok, Sid: 'sdf' }] }, 'Statement IDs (SID) in a single policy must be unique.'],
    ['no Action', { Version: V, Statement: { Effect: 'Allow', Resource: 'arn:aws:s3:::b' } }, 'Policy statement must contain actions.'],
    ['empty Action list', { Version: V, Statement: { ...ok, Action: [] } }, 'Policy statement must contain actions.'],
    ['no Resource', { Version: V, Statement: { Effect: 'Allow', Action: 's3:ListBucket' } }, 'Policy statement must contain resources.'],
    ['empty Resource list', { Version: V, Statement: { ...ok, Resource: [] } }, 'Policy statement must contain resources.'],
    ['Resource not an ARN', { Version: V, Statement: { ...ok, Resource: 'invalid resource' } }, 'Resource invalid resource must be in ARN format or "*".'],
    ['empty Resource', { Version: V, Statement: { ...ok, Resource: '' } }, 'Resource  must be in ARN format or "*".'],
    ['bad partition', { Version: V, Statement: { ...ok, Resource: 'aws:s3:::example_bucket' } }, 'Partition "s3" is not valid for resource "arn:s3:::example_bucket:*".'],
    ['bad partition, short', { Version: V, Statement: { ...ok, Resource: 'a:bsdfdsafsad' } }, 'Partition "bsdfdsafsad" is not valid for resource "arn:bsdfdsafsad:*:*:*:*".'],
    ['no vendor', { Version: V, Statement: { ...ok, Resource: 'arn:aws' } }, 'Resource vendor must be fully qualified and cannot contain regexes.'],
    ['IAM resource with a region', { Version: V, Statement: { ...ok, Resource: 'arn:aws:iam:us-east-1::example_bucket' } }, 'IAM resource arn:aws:iam:us-east-1::example_bucket cannot contain region information.'],
    ['S3 resource with a region', { Version: V, Statement: { ...ok, Resource: 'arn:aws:s3:us-east-1::example_bucket' } }, 'Resource arn:aws:s3:us-east-1::example_bucket can not contain region information.'],
    ['IAM resource of an unknown type', { Version: V, Statement: { ...ok, Resource: 'arn:aws:iam:::example_bucket' } }, 'IAM resource path must either be "*" or start with user/, federated-user/, role/, group/, instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, saml-provider/, oidc-provider/, report/, access-report/.'],
    ['action without vendor', { Version: V, Statement: { ...ok, Action: 'invalid' } }, 'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.'],
    ['action with two colons', { Version: V, Statement: { ...ok, Action: 's3:List:Bucket' } }, 'Actions/Condition can contain only one colon.'],
    ['vendor with a space', { Version: V, Statement: { ...ok, Action: 'a a:ListBucket' } }, 'Vendor a a is not valid'],
  ];
  it.each(rows)('%s', (_name, doc, message) => {
    expect(messageOf(doc)).toBe(message);
  });

  const valid: [name: string, doc: unknown][] = [
    ['single statement', { Version: V, Statement: ok }],
    ['Action *', { Version: V, Statement: { ...ok, Action: '*' } }],
    ['Resource list with *', { Version: V, Statement: { ...ok, Resource: ['arn:aws:s3:::b', '*'] } }],
    ['any vendor name', { Version: V, Statement: { ...ok, Action: 'iam: asdf safdsf af ' } }],
    ['unknown service in the ARN', { Version: V, Statement: { ...ok, Resource: 'arn:aws:invalid-service:::example_bucket' } }],
    ['empty Condition', { Version: V, Statement: { ...ok, Condition: {} } }],
    ['unknown operator with no keys', { Version: V, Statement: { ...ok, Condition: { a: {} } } }],
    ['dates', { Version: V, Statement: { ...ok, Condition: { DateGreaterThan: { 'aws:CurrentTime': '2017-07-01T00:00:00Z' } } } }],
    ['boolean and numeric values', { Version: V, Statement: { ...ok, Condition: { Bool: { 'aws:SecureTransport': false }, NumericLessThan: { 's3:max-keys': 10 } } } }],
    ['a multivalued qualifier', { Version: V, Statement: { ...ok, Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': 'Department' } } } }],
    ['NotAction and NotResource', { Version: V, Statement: { Effect: 'Deny', NotAction: 'iam:*', NotResource: 'arn:aws:iam::*:role/x' } }],
    ['an empty Sid next to one', { Version: V, Statement: [{ ...ok, Sid: '' }, { ...ok, Sid: '' }] }],
  ];
  it.each(valid)('accepts: %s', (_name, doc) => {
    expect(messageOf(doc)).toBe('valid');
  });
});

describe('trust policies', () => {
  const cognitoTrust = {
    Version: V,
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: 'cognito-identity.amazonaws.com' },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: { 'cognito-identity.amazonaws.com:aud': 'us-east-1:12345678-corner-cafe-123456790ab' },
          'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': 'authenticated' },
        },
      },
    ],
  };
  const rows: [name: string, doc: unknown, message: string][] = [
    ['the Cognito identity pool trust policy', cognitoTrust, 'valid'],
    ['an account principal', { Version: V, Statement: { Effect: 'Allow', Principal: { AWS: '000000000000' }, Action: 'sts:AssumeRole' } }, 'valid'],
    ['the old version', { Version: '2008-10-17', Statement: { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' } }, 'valid'],
    ['a Resource', { Version: V, Statement: { Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole', Resource: '*' } }, 'Has prohibited field Resource'],
    ['no principal', { Version: V, Statement: { Effect: 'Allow', Action: 'sts:AssumeRole' } }, 'Missing required field Principal'],
    ['a principal that is not an ARN', { Version: V, Statement: { Effect: 'Allow', Principal: { AWS: 'bob' }, Action: 'sts:AssumeRole' } }, 'Invalid principal in policy: "AWS":"bob"'],
    ['an unknown principal type', { Version: V, Statement: { Effect: 'Allow', Principal: { Person: 'bob' }, Action: 'sts:AssumeRole' } }, 'Syntax errors in policy.'],
  ];
  it.each(rows)('%s', (_name, doc, message) => {
    expect(messageOf(doc, 'trust')).toBe(message);
  });
});

describe('compiled form', () => {
  it('normalizes account principals to root ARNs and notes everyone', () => {
    const p = parsePolicy(JSON.stringify({ Version: V, Statement: [{ Effect: 'Allow', Principal: { AWS: ['111122223333', '*'] }, Action: 'sts:AssumeRole' }] }), 'trust');
    expect(p.statements[0]!.principal).toMatchObject({ everyone: true, aws: ['arn:aws:iam::111122223333:root'] });
    expect(p.statements[0]!.resourceAny).toBe(true);
  });

  it('keeps Sid and index for the decision to name', () => {
    const p = parsePolicy(JSON.stringify({ Version: V, Statement: [ok, { ...ok, Sid: 'Second', Effect: 'Deny' }] }), 'identity');
    expect(p.statements.map((s) => [s.sid, s.index, s.effect])).toEqual([[undefined, 0, 'Allow'], ['Second', 1, 'Deny']]);
    expect(p.hasDeny).toBe(true);
  });
});
