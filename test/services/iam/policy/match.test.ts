/**
 * Wildcards, case rules and policy variables, from the IAM JSON policy reference (Action,
 * Resource, Variables): actions match case-insensitively, resources case-sensitively; `*`
 * spans any run including `/`, `?` exactly one character; variables are substituted literally.
 */
import { describe, expect, it } from 'vitest';
import { Context, lowerKeys } from '../../../../src/services/iam/policy/context.js';
import { compileMatcher, matches, matchParts } from '../../../../src/services/iam/policy/match.js';
import { toParts } from '../../../../src/services/iam/policy/variables.js';

const ctx = (keys: Record<string, string | string[]>) => new Context(lowerKeys(keys));

describe('Action patterns (case-insensitive)', () => {
  const cases: [pattern: string, action: string, expected: boolean][] = [
    ['s3:GetObject', 's3:getobject', true],
    ['S3:GETOBJECT', 's3:GetObject', true],
    ['s3:*', 's3:PutObject', true],
    ['s3:Get*', 's3:GetObjectAcl', true],
    ['s3:Get*', 's3:PutObject', false],
    ['iam:*AccessKey*', 'iam:ListAccessKeys', true],
    ['iam:*AccessKey*', 'iam:CreateRole', false],
    ['ec2:Describe?nstances', 'ec2:DescribeInstances', true],
    ['ec2:Describe?nstances', 'ec2:DescribeXXnstances', false],
    ['*', 'sts:AssumeRole', true],
    ['s3:*Object', 's3:GetObjectVersion', false],
    ['s3:*Object*', 's3:GetObjectVersion', true],
    ['cognito-idp:Admin*', 'cognito-idp:AdminGetUser', true],
    ['cognito-identity:Get*', 'cognito-idp:GetUser', false],
  ];
  it.each(cases)('%s vs %s → %s', (pattern, action, expected) => {
    expect(matches(compileMatcher(pattern, { variables: false, lowerCase: true }), action.toLowerCase())).toBe(expected);
  });
});

describe('Resource patterns (case-sensitive)', () => {
  const cases: [pattern: string, resource: string, expected: boolean][] = [
    ['arn:aws:s3:::amzn-s3-demo-bucket/*', 'arn:aws:s3:::amzn-s3-demo-bucket/a/b/c.txt', true],
    ['arn:aws:s3:::amzn-s3-demo-bucket/*', 'arn:aws:s3:::amzn-s3-demo-bucket', false],
    ['arn:aws:s3:::amzn-s3-demo-bucket*', 'arn:aws:s3:::amzn-s3-demo-bucket', true],
    ['arn:aws:s3:::Bucket/*', 'arn:aws:s3:::bucket/x', false],
    ['arn:aws:s3:::b/??.txt', 'arn:aws:s3:::b/ab.txt', true],
    ['arn:aws:s3:::b/??.txt', 'arn:aws:s3:::b/abc.txt', false],
    ['arn:aws:s3:::b/*a*b*', 'arn:aws:s3:::b/xxaxxbxx', true],
    ['arn:aws:s3:::b/*a*b', 'arn:aws:s3:::b/xxaxxbxxa', false],
    ['arn:aws:iam::*:role/*', 'arn:aws:iam::000000000000:role/x', true],
    ['*', 'anything at all', true],
  ];
  it.each(cases)('%s vs %s → %s', (pattern, resource, expected) => {
    expect(matches(compileMatcher(pattern, { variables: true }), resource)).toBe(expected);
  });
});

describe('Policy variables', () => {
  const keys = ctx({ 'aws:username': 'bob', 'cognito-identity.amazonaws.com:sub': 'us-east-1:1111-2222', 'aws:PrincipalTag/team': 'red', 'aws:TagKeys': ['a', 'b'] });

  it('substitutes ${aws:username} (the AWS doc example home/${aws:username}/*)', () => {
    const m = compileMatcher('arn:aws:s3:::amzn-s3-demo-bucket/home/${aws:username}/*', { variables: true });
    expect(matches(m, 'arn:aws:s3:::amzn-s3-demo-bucket/home/bob/notes.txt', keys)).toBe(true);
    expect(matches(m, 'arn:aws:s3:::amzn-s3-demo-bucket/home/alice/notes.txt', keys)).toBe(false);
  });

  it('substitutes the Cognito identity id into a per-user prefix', () => {
    const m = compileMatcher('arn:aws:s3:::mybucket/cognito/myapp/${cognito-identity.amazonaws.com:sub}/*', { variables: true });
    expect(matches(m, 'arn:aws:s3:::mybucket/cognito/myapp/us-east-1:1111-2222/photo.jpg', keys)).toBe(true);
    expect(matches(m, 'arn:aws:s3:::mybucket/cognito/myapp/us-east-1:9999/photo.jpg', keys)).toBe(false);
  });

  it('treats variable names case-insensitively', () => {
    expect(matches(compileMatcher('arn:aws:s3:::b/${AWS:UserName}', { variables: true }), 'arn:aws:s3:::b/bob', keys)).toBe(true);
  });

  it('does not match when the key is absent and there is no default', () => {
    expect(matches(compileMatcher('arn:aws:s3:::b/${aws:userid}/*', { variables: true }), 'arn:aws:s3:::b/x/y', keys)).toBe(false);
  });

  it('uses the default value when the key is absent (${aws:PrincipalTag/team, \'company-wide\'})', () => {
    const m = compileMatcher("arn:aws:s3:::b/${aws:PrincipalTag/dept, 'company-wide'}/*", { variables: true });
    expect(matches(m, 'arn:aws:s3:::b/company-wide/file', keys)).toBe(true);
    const present = compileMatcher("arn:aws:s3:::b/${aws:PrincipalTag/team, 'company-wide'}/*", { variables: true });
    expect(matches(present, 'arn:aws:s3:::b/red/file', keys)).toBe(true);
    expect(matches(present, 'arn:aws:s3:::b/company-wide/file', keys)).toBe(false);
  });

  it('cannot substitute a multi-valued key', () => {
    expect(matches(compileMatcher('arn:aws:s3:::b/${aws:TagKeys}', { variables: true }), 'arn:aws:s3:::b/a', keys)).toBe(false);
  });

  it('inserts values literally: a * in the value is not a wildcard', () => {
    const star = ctx({ 'aws:username': '*' });
    const m = compileMatcher('arn:aws:s3:::b/${aws:username}', { variables: true });
    expect(matches(m, 'arn:aws:s3:::b/*', star)).toBe(true);
    expect(matches(m, 'arn:aws:s3:::b/anything', star)).toBe(false);
  });

  it('reads ${*}, ${?} and ${$} as the literal characters', () => {
    const m = compileMatcher('arn:aws:s3:::b/${*}${?}${$}', { variables: true });
    expect(matches(m, 'arn:aws:s3:::b/*?$', keys)).toBe(true);
    expect(matches(m, 'arn:aws:s3:::b/ab$', keys)).toBe(false);
  });

  it('leaves ${…} literal in Version 2008-10-17 policies', () => {
    const m = compileMatcher('arn:aws:s3:::b/${aws:username}', { variables: false });
    expect(matches(m, 'arn:aws:s3:::b/${aws:username}', keys)).toBe(true);
    expect(matches(m, 'arn:aws:s3:::b/bob', keys)).toBe(false);
  });

  it('an empty value between wildcards still matches', () => {
    const parts = toParts('a*${aws:username}*z', { wildcards: true, variables: true });
    expect(matchParts(parts, 'a-z', ctx({ 'aws:username': '' }))).toBe(true);
  });
});
