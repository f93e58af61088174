/**
 * AWS's evaluation logic within one account, from the IAM User Guide ("Policy evaluation
 * logic", "Evaluating identity-based policies with resource-based policies / permissions
 * boundaries / session policies", "Cross-service examples"): explicit Deny beats Allow beats
 * implicit deny; resource-based policies that name the session stand alone, ones that name the
 * role are limited by boundaries and session policies; trust policies must allow role
 * assumption. Each decision names the statement that decided it.
 */
import { describe, expect, it } from 'vitest';
import { Context, lowerKeys } from '../../../../src/services/iam/policy/context.js';
import { evaluate, type EvaluationInput, type RequestPrincipal } from '../../../../src/services/iam/policy/evaluate.js';
import { parsePolicy } from '../../../../src/services/iam/policy/parse.js';
import type { LabeledPolicy, PolicyKind } from '../../../../src/services/iam/policy/types.js';

const ACCT = '111122223333';
const ROLE_ARN = `arn:aws:iam::${ACCT}:role/AppRole`;
const SESSION_ARN = `arn:aws:sts::${ACCT}:assumed-role/AppRole/alice`;
const session: RequestPrincipal = { kind: 'assumed-role', accountId: ACCT, arn: SESSION_ARN, roleArn: ROLE_ARN };
const root: RequestPrincipal = { kind: 'root', accountId: ACCT, arn: `arn:aws:iam::${ACCT}:root` };
const anonymous: RequestPrincipal = { kind: 'anonymous' };

function policy(label: string, statements: object[], kind: PolicyKind = 'identity'): LabeledPolicy {
  return { label, policy: parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: statements }), kind) };
}

const allowS3 = policy('role/AppRole/s3', [{ Sid: 'AllowAllS3', Effect: 'Allow', Action: 's3:*', Resource: '*' }]);
const allowGet = policy('session-policy', [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }], 'session');
const denyDelete = policy('arn:aws:iam::111122223333:policy/NoDelete', [{ Sid: 'NoDelete', Effect: 'Deny', Action: 's3:DeleteObject', Resource: '*' }]);

function decide(overrides: Partial<EvaluationInput>, context: Record<string, string | string[]> = {}) {
  return evaluate({
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::bucket/key',
    context: new Context(lowerKeys(context)),
    principal: session,
    identity: [],
    ...overrides,
  });
}

describe('identity-based policies', () => {
  it('allows what an identity policy allows, naming the statement', () => {
    expect(decide({ identity: [allowS3] })).toEqual({ decision: 'Allow', statement: 'role/AppRole/s3#AllowAllS3', policyType: 'identity-based' });
  });

  it('implicitly denies a role with no permissions', () => {
    expect(decide({ identity: [] })).toEqual({ decision: 'ImplicitDeny', statement: undefined, policyType: 'identity-based' });
  });

  it('lets an explicit Deny override an Allow, naming the Deny', () => {
    expect(decide({ action: 's3:DeleteObject', identity: [allowS3, denyDelete] })).toEqual({
      decision: 'ExplicitDeny',
      statement: 'arn:aws:iam::111122223333:policy/NoDelete#NoDelete',
      policyType: 'identity-based',
    });
    expect(decide({ action: 's3:GetObject', identity: [allowS3, denyDelete] }).decision).toBe('Allow');
  });

  it('names statements without a Sid by index', () => {
    const p = policy('role/AppRole/p', [{ Effect: 'Allow', Action: 'sqs:*', Resource: '*' }, { Effect: 'Deny', Action: 's3:*', Resource: '*' }]);
    expect(decide({ identity: [p] }).statement).toBe('role/AppRole/p[1]');
  });

  it('NotAction with a Deny: the MFA example denies everything but IAM without MFA', () => {
    const p = policy('mfa', [
      { Effect: 'Allow', Action: '*', Resource: '*' },
      { Sid: 'DenyAllExceptListedIfNoMFA', Effect: 'Deny', NotAction: 'iam:*', Resource: '*', Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } } },
    ]);
    expect(decide({ identity: [p] }).decision).toBe('ExplicitDeny');
    expect(decide({ identity: [p], action: 'iam:ListRoles' }).decision).toBe('Allow');
    expect(decide({ identity: [p] }, { 'aws:MultiFactorAuthPresent': 'true' }).decision).toBe('Allow');
  });

  it('NotResource allows everything except the named resource', () => {
    const p = policy('p', [{ Effect: 'Allow', Action: 's3:*', NotResource: 'arn:aws:s3:::secret/*' }]);
    expect(decide({ identity: [p] }).decision).toBe('Allow');
    expect(decide({ identity: [p], resource: 'arn:aws:s3:::secret/x' }).decision).toBe('ImplicitDeny');
  });

  it('the IP restriction example denies requests from outside the ranges', () => {
    const p = policy('ip', [
      { Effect: 'Allow', Action: '*', Resource: '*' },
      { Effect: 'Deny', Action: '*', Resource: '*', Condition: { NotIpAddress: { 'aws:SourceIp': ['192.0.2.0/24', '203.0.113.0/24'] }, Bool: { 'aws:ViaAWSService': 'false' } } },
    ]);
    expect(decide({ identity: [p] }, { 'aws:SourceIp': '192.0.2.10', 'aws:ViaAWSService': 'false' }).decision).toBe('Allow');
    expect(decide({ identity: [p] }, { 'aws:SourceIp': '198.51.100.1', 'aws:ViaAWSService': 'false' }).decision).toBe('ExplicitDeny');
  });

  it('the date-range example allows only within the dates', () => {
    const p = policy('dates', [
      { Effect: 'Allow', Action: 's3:*', Resource: '*', Condition: { DateGreaterThan: { 'aws:CurrentTime': '2020-04-01T00:00:00Z' }, DateLessThan: { 'aws:CurrentTime': '2020-06-30T23:59:59Z' } } },
    ]);
    expect(decide({ identity: [p] }, { 'aws:CurrentTime': '2020-05-15T10:00:00Z' }).decision).toBe('Allow');
    expect(decide({ identity: [p] }, { 'aws:CurrentTime': '2021-05-15T10:00:00Z' }).decision).toBe('ImplicitDeny');
  });
});

describe('the Cognito per-user S3 prefix example', () => {
  const perUser = policy('role/Cognito_Auth_Role/per-user', [
    { Action: ['s3:ListBucket'], Effect: 'Allow', Resource: ['arn:aws:s3:::mybucket'], Condition: { StringLike: { 's3:prefix': ['cognito/myapp/${cognito-identity.amazonaws.com:sub}/*'] } } },
    { Action: ['s3:GetObject', 's3:PutObject'], Effect: 'Allow', Resource: ['arn:aws:s3:::mybucket/cognito/myapp/${cognito-identity.amazonaws.com:sub}/*'] },
  ]);
  const me = { 'cognito-identity.amazonaws.com:sub': 'us-east-1:aaaa-1111' };

  it('allows a user into their own prefix', () => {
    expect(decide({ identity: [perUser], resource: 'arn:aws:s3:::mybucket/cognito/myapp/us-east-1:aaaa-1111/a.jpg' }, me).decision).toBe('Allow');
    expect(decide({ identity: [perUser], action: 's3:ListBucket', resource: 'arn:aws:s3:::mybucket' }, { ...me, 's3:prefix': 'cognito/myapp/us-east-1:aaaa-1111/' }).decision).toBe('Allow');
  });

  it('denies another user\'s prefix', () => {
    expect(decide({ identity: [perUser], resource: 'arn:aws:s3:::mybucket/cognito/myapp/us-east-1:bbbb-2222/a.jpg' }, me).decision).toBe('ImplicitDeny');
    expect(decide({ identity: [perUser], action: 's3:ListBucket', resource: 'arn:aws:s3:::mybucket' }, { ...me, 's3:prefix': 'cognito/myapp/us-east-1:bbbb-2222/' }).decision).toBe('ImplicitDeny');
  });
});

describe('resource-based policies', () => {
  const grant = (principal: unknown, effect = 'Allow') =>
    policy('bucket-policy', [{ Sid: 'Grant', Effect: effect, Principal: principal, Action: 's3:GetObject', Resource: 'arn:aws:s3:::bucket/*' }], 'resource');

  it('a grant to the role session allows on its own, even past a session policy', () => {
    expect(decide({ resourcePolicies: [grant({ AWS: SESSION_ARN })], session: [allowGet], action: 's3:GetObject' }).decision).toBe('Allow');
    const r = decide({ resourcePolicies: [grant({ AWS: SESSION_ARN })], session: [policy('session-policy', [{ Effect: 'Allow', Action: 'sqs:*', Resource: '*' }], 'session')] });
    expect(r).toEqual({ decision: 'Allow', statement: 'bucket-policy#Grant', policyType: 'resource-based' });
  });

  it('a grant to the role ARN is limited by session policies', () => {
    const sqsOnly = policy('session-policy', [{ Effect: 'Allow', Action: 'sqs:*', Resource: '*' }], 'session');
    expect(decide({ resourcePolicies: [grant({ AWS: ROLE_ARN })] }).decision).toBe('Allow');
    expect(decide({ resourcePolicies: [grant({ AWS: ROLE_ARN })], session: [sqsOnly] })).toMatchObject({ decision: 'ImplicitDeny', policyType: 'session' });
  });

  it('a grant to the account delegates to identity policies', () => {
    expect(decide({ resourcePolicies: [grant({ AWS: ACCT })] }).decision).toBe('ImplicitDeny');
    expect(decide({ resourcePolicies: [grant({ AWS: ACCT })], identity: [allowS3] }).decision).toBe('Allow');
  });

  it('identity and resource policies combine as a union', () => {
    const other = policy('bucket-policy', [{ Effect: 'Allow', Principal: { AWS: SESSION_ARN }, Action: 's3:PutObject', Resource: 'arn:aws:s3:::bucket/*' }], 'resource');
    const getOnly = policy('role/AppRole/get', [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }]);
    expect(decide({ identity: [getOnly], resourcePolicies: [other], action: 's3:GetObject' }).decision).toBe('Allow');
    expect(decide({ identity: [getOnly], resourcePolicies: [other], action: 's3:PutObject' }).decision).toBe('Allow');
    expect(decide({ identity: [getOnly], resourcePolicies: [other], action: 's3:DeleteObject' }).decision).toBe('ImplicitDeny');
  });

  it('an explicit Deny in a resource policy beats an identity Allow, and applies to root too', () => {
    const deny = grant('*', 'Deny');
    expect(decide({ identity: [allowS3], resourcePolicies: [deny] })).toEqual({ decision: 'ExplicitDeny', statement: 'bucket-policy#Grant', policyType: 'resource-based' });
    expect(decide({ principal: root, resourcePolicies: [deny] }).decision).toBe('ExplicitDeny');
  });

  it('anonymous requests are allowed only by Principal "*" or {"AWS":"*"}', () => {
    expect(decide({ principal: anonymous, resourcePolicies: [grant('*')] }).decision).toBe('Allow');
    expect(decide({ principal: anonymous, resourcePolicies: [grant({ AWS: '*' })] }).decision).toBe('Allow');
    expect(decide({ principal: anonymous, resourcePolicies: [grant({ AWS: ACCT })] }).decision).toBe('ImplicitDeny');
    expect(decide({ principal: anonymous, identity: [allowS3] }).decision).toBe('ImplicitDeny');
  });

});

describe('NotPrincipal with Deny (IAM User Guide, "NotPrincipal" and "Permissions boundaries")', () => {
  // The guide's example: everyone but one role session is denied; the session is exempt only
  // when its session ARN, its role ARN and its account are all listed, as AWS checks each.
  const ACCOUNT_ARN = `arn:aws:iam::${ACCT}:root`;
  const bucketPolicy = (exempt: string[]) =>
    policy('bucket-policy', [
      { Sid: 'Public', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::bucket/*' },
      { Sid: 'OnlyAudit', Effect: 'Deny', NotPrincipal: { AWS: exempt }, Action: 's3:*', Resource: 'arn:aws:s3:::bucket/*' },
    ], 'resource');
  const boundary = policy('arn:aws:iam::111122223333:policy/Boundary', [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }]);
  const rows: [name: string, exempt: string[], principal: RequestPrincipal, withBoundary: boolean, expected: string][] = [
    ['session, role and account listed: the session is exempt', [SESSION_ARN, ROLE_ARN, ACCOUNT_ARN], session, false, 'Allow'],
    ['the account missing: the session is denied', [SESSION_ARN, ROLE_ARN], session, false, 'ExplicitDeny'],
    ['the role missing: the session is denied', [SESSION_ARN, ACCOUNT_ARN], session, false, 'ExplicitDeny'],
    ['the session missing: the session is denied', [ROLE_ARN, ACCOUNT_ARN], session, false, 'ExplicitDeny'],
    ['only the account listed: its role sessions are still denied', [ACCOUNT_ARN], session, false, 'ExplicitDeny'],
    ['only the account listed: the account (root) is exempt', [ACCOUNT_ARN], root, false, 'Allow'],
    ['another session of the same role is denied', [`arn:aws:sts::${ACCT}:assumed-role/AppRole/bob`, ROLE_ARN, ACCOUNT_ARN], session, false, 'ExplicitDeny'],
    ['anonymous callers are denied', [SESSION_ARN, ROLE_ARN, ACCOUNT_ARN], anonymous, false, 'ExplicitDeny'],
    ['a principal with a permissions boundary is denied whatever is listed', [SESSION_ARN, ROLE_ARN, ACCOUNT_ARN], session, true, 'ExplicitDeny'],
  ];
  it.each(rows)('%s', (_name, exempt, principal, withBoundary, expected) => {
    const r = decide({ principal, resourcePolicies: [bucketPolicy(exempt)], ...(withBoundary ? { boundary } : {}) });
    expect(r.decision).toBe(expected);
    if (expected === 'ExplicitDeny') expect(r).toMatchObject({ statement: 'bucket-policy#OnlyAudit', policyType: 'resource-based' });
  });

  it('NotPrincipal "*" exempts everyone', () => {
    expect(decide({ principal: anonymous, resourcePolicies: [bucketPolicy(['*'])] }).decision).toBe('Allow');
  });
});

describe('resource-based policies with permissions boundaries (same account)', () => {
  const boundary = policy('arn:aws:iam::111122223333:policy/Boundary', [{ Effect: 'Allow', Action: 'sts:GetCallerIdentity', Resource: '*' }]);
  const grant = (principal: string) => policy('bucket-policy', [{ Sid: 'Grant', Effect: 'Allow', Principal: { AWS: principal }, Action: 's3:*', Resource: 'arn:aws:s3:::bucket/*' }], 'resource');

  it('a grant to the role ARN is limited by the boundary', () => {
    expect(decide({ resourcePolicies: [grant(ROLE_ARN)], boundary })).toEqual({ decision: 'ImplicitDeny', statement: undefined, policyType: 'permissions boundary' });
    expect(decide({ resourcePolicies: [grant(ROLE_ARN)] }).decision).toBe('Allow');
  });

  it('a grant to the role session ARN is not', () => {
    expect(decide({ resourcePolicies: [grant(SESSION_ARN)], boundary })).toEqual({ decision: 'Allow', statement: 'bucket-policy#Grant', policyType: 'resource-based' });
  });

  it('an explicit Deny in the boundary still wins over a grant to the session', () => {
    const denying = policy('arn:aws:iam::111122223333:policy/Boundary', [{ Sid: 'NoS3', Effect: 'Deny', Action: 's3:*', Resource: '*' }]);
    expect(decide({ resourcePolicies: [grant(SESSION_ARN)], boundary: denying })).toMatchObject({ decision: 'ExplicitDeny', policyType: 'permissions boundary' });
  });
});

describe('policy variables and wildcards in decisions', () => {
  const home = policy('role/AppRole/home', [{ Sid: 'Home', Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::bucket/home/${aws:username}/*' }]);

  it('${aws:username} does not exist for role sessions, so the statement matches nothing', () => {
    expect(decide({ identity: [home], resource: 'arn:aws:s3:::bucket/home/alice/x' }).decision).toBe('ImplicitDeny');
    expect(decide({ identity: [home], resource: 'arn:aws:s3:::bucket/home/${aws:username}/x' }).decision).toBe('ImplicitDeny');
    expect(decide({ identity: [home], resource: 'arn:aws:s3:::bucket/home//x' }).decision).toBe('ImplicitDeny');
  });

  it('a default value stands in for an absent key', () => {
    const withDefault = policy('role/AppRole/home', [{ Effect: 'Allow', Action: 's3:*', Resource: "arn:aws:s3:::bucket/home/${aws:username, 'shared'}/*" }]);
    expect(decide({ identity: [withDefault], resource: 'arn:aws:s3:::bucket/home/shared/x' }).decision).toBe('Allow');
    expect(decide({ identity: [withDefault], resource: 'arn:aws:s3:::bucket/home/alice/x' }).decision).toBe('ImplicitDeny');
  });

  it('a ForAllValues Allow on an absent key allows (the guide warns of it); ForAnyValue does not', () => {
    const forAll = policy('p', [{ Effect: 'Allow', Action: 's3:*', Resource: '*', Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['environment'] } } }]);
    const forAny = policy('p', [{ Effect: 'Allow', Action: 's3:*', Resource: '*', Condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['environment'] } } }]);
    expect(decide({ identity: [forAll] }).decision).toBe('Allow');
    expect(decide({ identity: [forAny] }).decision).toBe('ImplicitDeny');
    expect(decide({ identity: [forAll] }, { 'aws:TagKeys': ['environment', 'owner'] }).decision).toBe('ImplicitDeny');
  });

  it('…IfExists makes an absent key true: the guide\'s instance-type Allow, and the same as a Deny', () => {
    const allow = policy('p', [{ Effect: 'Allow', Action: 'ec2:*', Resource: '*', Condition: { StringLikeIfExists: { 'ec2:InstanceType': ['t1.*', 't2.*', 'm3.*'] } } }]);
    const run = (p: LabeledPolicy, ctx: Record<string, string>) => decide({ identity: [p], action: 'ec2:RunInstances', resource: '*' }, ctx).decision;
    expect(run(allow, {})).toBe('Allow');
    expect(run(allow, { 'ec2:InstanceType': 't2.micro' })).toBe('Allow');
    expect(run(allow, { 'ec2:InstanceType': 'c5.large' })).toBe('ImplicitDeny');
    const deny = policy('p', [
      { Effect: 'Allow', Action: 'ec2:*', Resource: '*' },
      { Effect: 'Deny', Action: 'ec2:*', Resource: '*', Condition: { StringNotLikeIfExists: { 'ec2:InstanceType': ['t1.*', 't2.*', 'm3.*'] } } },
    ]);
    expect(run(deny, {})).toBe('ExplicitDeny');
    expect(run(deny, { 'ec2:InstanceType': 't2.micro' })).toBe('Allow');
    expect(run(deny, { 'ec2:InstanceType': 'c5.large' })).toBe('ExplicitDeny');
  });

  it('condition keys match whatever their case; values keep theirs', () => {
    const p = policy('p', [{ Effect: 'Allow', Action: 's3:*', Resource: '*', Condition: { StringEquals: { 'AWS:PRINCIPALTAG/Team': 'Red' } } }]);
    expect(decide({ identity: [p] }, { 'aws:PrincipalTag/team': 'Red' }).decision).toBe('Allow');
    expect(decide({ identity: [p] }, { 'aws:PrincipalTag/team': 'red' }).decision).toBe('ImplicitDeny');
  });
});

describe('session policies and permissions boundaries', () => {
  it('session policies intersect with the role\'s identity policies', () => {
    expect(decide({ identity: [allowS3], session: [allowGet], action: 's3:GetObject' }).decision).toBe('Allow');
    expect(decide({ identity: [allowS3], session: [allowGet], action: 's3:PutObject' })).toMatchObject({ decision: 'ImplicitDeny', policyType: 'session' });
    expect(decide({ identity: [], session: [allowGet], action: 's3:GetObject' })).toMatchObject({ decision: 'ImplicitDeny', policyType: 'identity-based' });
  });

  it('a Deny in a session policy is an explicit deny', () => {
    const deny = policy('session-policy', [{ Effect: 'Deny', Action: 's3:GetObject', Resource: '*' }], 'session');
    expect(decide({ identity: [allowS3], session: [deny] })).toMatchObject({ decision: 'ExplicitDeny', policyType: 'session' });
  });

  it('a permissions boundary caps identity permissions', () => {
    const boundary = policy('arn:aws:iam::111122223333:policy/Boundary', [{ Effect: 'Allow', Action: ['s3:*', 'cloudwatch:*'], Resource: '*' }]);
    const admin = policy('role/AppRole/admin', [{ Effect: 'Allow', Action: '*', Resource: '*' }]);
    expect(decide({ identity: [admin], boundary, action: 's3:GetObject' }).decision).toBe('Allow');
    expect(decide({ identity: [admin], boundary, action: 'iam:CreateUser', resource: '*' })).toMatchObject({ decision: 'ImplicitDeny', policyType: 'permissions boundary' });
  });
});

describe('the root user', () => {
  it('is allowed everything identity-based', () => {
    expect(decide({ principal: root, action: 'iam:DeleteRole', resource: ROLE_ARN })).toEqual({ decision: 'Allow', statement: 'root user', policyType: 'root' });
  });
});

describe('trust policies (role assumption)', () => {
  const trust = (principal: unknown, condition?: object) =>
    policy('role/Target/trust-policy', [{ Sid: 'Trust', Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole', ...(condition ? { Condition: condition } : {}) }], 'trust');
  const assume = (overrides: Partial<EvaluationInput>, context: Record<string, string | string[]> = {}) =>
    decide({ action: 'sts:AssumeRole', resource: `arn:aws:iam::${ACCT}:role/Target`, requireResourceAllow: true, ...overrides }, context);

  it('lets root assume a role whose trust policy names the account', () => {
    expect(assume({ principal: root, resourcePolicies: [trust({ AWS: `arn:aws:iam::${ACCT}:root` })] }).decision).toBe('Allow');
    expect(assume({ principal: root, resourcePolicies: [trust({ AWS: ACCT })] }).decision).toBe('Allow');
  });

  it('refuses when the trust policy does not match', () => {
    expect(assume({ principal: root, resourcePolicies: [trust({ AWS: '999999999999' })] })).toMatchObject({ decision: 'ImplicitDeny', policyType: 'resource-based' });
    expect(assume({ principal: root, resourcePolicies: [trust({ Service: 'ec2.amazonaws.com' })] }).decision).toBe('ImplicitDeny');
  });

  it('a trust policy naming the account needs the caller\'s identity policy to allow sts:AssumeRole', () => {
    expect(assume({ resourcePolicies: [trust({ AWS: ACCT })] }).decision).toBe('ImplicitDeny');
    const canAssume = policy('role/AppRole/assume', [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: `arn:aws:iam::${ACCT}:role/*` }]);
    expect(assume({ resourcePolicies: [trust({ AWS: ACCT })], identity: [canAssume] }).decision).toBe('Allow');
  });

  it('a trust policy naming the caller\'s role is enough on its own', () => {
    expect(assume({ resourcePolicies: [trust({ AWS: ROLE_ARN })] })).toEqual({ decision: 'Allow', statement: 'role/Target/trust-policy#Trust', policyType: 'resource-based' });
  });

  it('evaluates the Cognito trust policy conditions for web identities', () => {
    const cognito = policy('role/Cognito_Auth/trust-policy', [
      {
        Effect: 'Allow',
        Principal: { Federated: 'cognito-identity.amazonaws.com' },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { 'cognito-identity.amazonaws.com:aud': 'us-east-1:pool' }, 'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': 'authenticated' } },
      },
    ], 'trust');
    const web: RequestPrincipal = { kind: 'federated', provider: 'cognito-identity.amazonaws.com' };
    const base = { principal: web, action: 'sts:AssumeRoleWithWebIdentity', resourcePolicies: [cognito] };
    expect(assume(base, { 'cognito-identity.amazonaws.com:aud': 'us-east-1:pool', 'cognito-identity.amazonaws.com:amr': ['authenticated', 'cognito-idp.us-east-1.amazonaws.com/us-east-1_x'] }).decision).toBe('Allow');
    expect(assume(base, { 'cognito-identity.amazonaws.com:aud': 'us-east-1:other', 'cognito-identity.amazonaws.com:amr': ['authenticated'] }).decision).toBe('ImplicitDeny');
    expect(assume(base, { 'cognito-identity.amazonaws.com:aud': 'us-east-1:pool', 'cognito-identity.amazonaws.com:amr': ['unauthenticated'] }).decision).toBe('ImplicitDeny');
    expect(assume({ ...base, principal: { kind: 'federated', provider: 'accounts.google.com' } }, { 'cognito-identity.amazonaws.com:aud': 'us-east-1:pool', 'cognito-identity.amazonaws.com:amr': ['authenticated'] }).decision).toBe('ImplicitDeny');
  });
});
