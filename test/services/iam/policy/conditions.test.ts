/**
 * Condition operators, from the IAM JSON policy reference ("Condition operators", "Multivalued
 * context keys", "…IfExists", "Null"). Each row: operator, key, policy value(s), request
 * context, expected result of the condition.
 */
import { describe, expect, it } from 'vitest';
import { compileCondition, parseDate, parseOperator } from '../../../../src/services/iam/policy/conditions.js';
import { Context, lowerKeys } from '../../../../src/services/iam/policy/context.js';
import { PolicyDocumentError } from '../../../../src/services/iam/policy/errors.js';

type Row = [operator: string, key: string, values: string[], context: Record<string, string | string[]>, expected: boolean];

function run(rows: Row[]): void {
  it.each(rows)('%s %s %j with %j → %s', (operator, key, values, context, expected) => {
    const c = compileCondition(operator, key, values, true);
    expect(c.test(new Context(lowerKeys(context)))).toBe(expected);
  });
}

describe('String operators', () => {
  run([
    ['StringEquals', 'aws:PrincipalTag/job-category', ['iamuser-admin'], { 'aws:PrincipalTag/job-category': 'iamuser-admin' }, true],
    ['StringEquals', 'aws:PrincipalTag/job-category', ['iamuser-admin'], { 'aws:PrincipalTag/job-category': 'IAMUSER-ADMIN' }, false],
    ['StringEquals', 'AWS:PRINCIPALTAG/JOB-CATEGORY', ['x'], { 'aws:PrincipalTag/job-category': 'x' }, true],
    ['StringEquals', 'aws:PrincipalTag/job-category', ['a', 'b'], { 'aws:PrincipalTag/job-category': 'b' }, true],
    ['StringEquals', 'aws:PrincipalTag/job-category', ['a'], {}, false],
    ['StringNotEquals', 'aws:PrincipalTag/job-category', ['a', 'b'], { 'aws:PrincipalTag/job-category': 'c' }, true],
    ['StringNotEquals', 'aws:PrincipalTag/job-category', ['a', 'b'], { 'aws:PrincipalTag/job-category': 'a' }, false],
    ['StringNotEquals', 'aws:PrincipalTag/job-category', ['a'], {}, true],
    ['StringEqualsIgnoreCase', 'aws:PrincipalTag/name', ['ToM'], { 'aws:PrincipalTag/name': 'tom' }, true],
    ['StringNotEqualsIgnoreCase', 'aws:PrincipalTag/name', ['ToM'], { 'aws:PrincipalTag/name': 'TOM' }, false],
    ['StringLike', 's3:prefix', ['home/*'], { 's3:prefix': 'home/bob/' }, true],
    ['StringLike', 's3:prefix', ['home/*'], { 's3:prefix': 'Home/bob/' }, false],
    ['StringLike', 's3:prefix', ['', 'home/', 'home/${aws:username}/*'], { 's3:prefix': 'home/bob/x', 'aws:username': 'bob' }, true],
    ['StringLike', 's3:prefix', ['home/${aws:username}/*'], { 's3:prefix': 'home/eve/x', 'aws:username': 'bob' }, false],
    ['StringNotLike', 's3:prefix', ['private/*'], { 's3:prefix': 'public/x' }, true],
    ['StringNotLike', 's3:prefix', ['private/*'], { 's3:prefix': 'private/x' }, false],
    ['StringEquals', 's3:prefix', ['${aws:username}'], { 's3:prefix': 'bob', 'aws:username': 'bob' }, true],
    ['StringEquals', 's3:prefix', ['${aws:username}'], { 's3:prefix': '${aws:username}' }, false],
  ]);
});

describe('…IfExists and Null', () => {
  run([
    ['StringEqualsIfExists', 'ec2:InstanceType', ['t2.micro'], {}, true],
    ['StringEqualsIfExists', 'ec2:InstanceType', ['t2.micro'], { 'ec2:InstanceType': 't2.large' }, false],
    ['BoolIfExists', 'aws:MultiFactorAuthPresent', ['false'], {}, true],
    ['BoolIfExists', 'aws:MultiFactorAuthPresent', ['false'], { 'aws:MultiFactorAuthPresent': 'true' }, false],
    ['Null', 'aws:TokenIssueTime', ['true'], {}, true],
    ['Null', 'aws:TokenIssueTime', ['true'], { 'aws:TokenIssueTime': '2024-01-01T00:00:00Z' }, false],
    ['Null', 'aws:TokenIssueTime', ['false'], { 'aws:TokenIssueTime': '2024-01-01T00:00:00Z' }, true],
  ]);
});

describe('Numeric, Date and Bool', () => {
  run([
    ['NumericLessThanEquals', 's3:max-keys', ['10'], { 's3:max-keys': '10' }, true],
    ['NumericLessThanEquals', 's3:max-keys', ['10'], { 's3:max-keys': '11' }, false],
    ['NumericLessThan', 's3:max-keys', ['10'], { 's3:max-keys': 'ten' }, false],
    ['NumericGreaterThan', 'x:n', ['1.5'], { 'x:n': '2' }, true],
    ['NumericEquals', 'x:n', ['10', '20'], { 'x:n': '20' }, true],
    ['NumericNotEquals', 'x:n', ['10', '20'], { 'x:n': '20' }, false],
    ['DateGreaterThan', 'aws:CurrentTime', ['2020-04-01T00:00:00Z'], { 'aws:CurrentTime': '2020-05-01T12:00:00Z' }, true],
    ['DateLessThan', 'aws:CurrentTime', ['2020-06-30T23:59:59Z'], { 'aws:CurrentTime': '2020-07-01T00:00:00Z' }, false],
    ['DateLessThan', 'aws:TokenIssueTime', ['2024-01-01'], { 'aws:TokenIssueTime': '2023-12-31T23:00:00Z' }, true],
    ['DateGreaterThan', 'aws:EpochTime', ['1577836800'], { 'aws:EpochTime': '1577836801' }, true],
    ['DateEquals', 'aws:CurrentTime', ['2020-01-01T01:00:00+01:00'], { 'aws:CurrentTime': '2020-01-01T00:00:00Z' }, true],
    ['Bool', 'aws:SecureTransport', ['false'], { 'aws:SecureTransport': 'false' }, true],
    ['Bool', 'aws:SecureTransport', ['false'], { 'aws:SecureTransport': 'TRUE' }, false],
    ['Bool', 'aws:SecureTransport', ['true'], {}, false],
  ]);
});

describe('IpAddress and NotIpAddress (IPv4 and IPv6 CIDR)', () => {
  run([
    ['IpAddress', 'aws:SourceIp', ['203.0.113.0/24'], { 'aws:SourceIp': '203.0.113.7' }, true],
    ['IpAddress', 'aws:SourceIp', ['203.0.113.0/24'], { 'aws:SourceIp': '203.0.114.7' }, false],
    ['IpAddress', 'aws:SourceIp', ['203.0.113.7'], { 'aws:SourceIp': '203.0.113.7' }, true],
    ['IpAddress', 'aws:SourceIp', ['0.0.0.0/0'], { 'aws:SourceIp': '8.8.8.8' }, true],
    ['IpAddress', 'aws:SourceIp', ['2001:DB8:1234:5678::/64'], { 'aws:SourceIp': '2001:db8:1234:5678::1' }, true],
    ['IpAddress', 'aws:SourceIp', ['2001:DB8:1234:5678::/64'], { 'aws:SourceIp': '2001:db8:1234:5679::1' }, false],
    ['IpAddress', 'aws:SourceIp', ['203.0.113.0/24'], { 'aws:SourceIp': '::1' }, false],
    ['NotIpAddress', 'aws:SourceIp', ['192.0.2.0/24', '203.0.113.0/24'], { 'aws:SourceIp': '198.51.100.1' }, true],
    ['NotIpAddress', 'aws:SourceIp', ['192.0.2.0/24', '203.0.113.0/24'], { 'aws:SourceIp': '192.0.2.9' }, false],
  ]);
});

describe('Arn operators (each ARN component matched separately)', () => {
  run([
    ['ArnLike', 'aws:SourceArn', ['arn:aws:cloudtrail:*:111122223333:trail/*'], { 'aws:SourceArn': 'arn:aws:cloudtrail:us-east-2:111122223333:trail/t' }, true],
    ['ArnEquals', 'aws:SourceArn', ['arn:aws:sns:*:123456789012:*'], { 'aws:SourceArn': 'arn:aws:sns:us-east-1:123456789012:topic' }, true],
    ['ArnLike', 'aws:SourceArn', ['arn:aws:sns:*:123456789012:*'], { 'aws:SourceArn': 'arn:aws:sns:us-east-1:999999999999:topic' }, false],
    ['ArnLike', 'aws:PrincipalArn', ['arn:aws:iam::*:role/app-*'], { 'aws:PrincipalArn': 'arn:aws:iam::000000000000:role/app-web' }, true],
    ['ArnNotLike', 'aws:PrincipalArn', ['arn:aws:iam::*:role/app-*'], { 'aws:PrincipalArn': 'arn:aws:iam::000000000000:role/admin' }, true],
    ['ArnLike', 'aws:SourceArn', ['arn:aws:s3:::bucket'], { 'aws:SourceArn': 'not-an-arn' }, false],
  ]);
});

describe('Multivalued keys: ForAnyValue and ForAllValues', () => {
  const amr = ['authenticated', 'cognito-idp.us-east-1.amazonaws.com/us-east-1_abc', 'cognito-idp.us-east-1.amazonaws.com/us-east-1_abc:CognitoSignIn:sub'];
  run([
    ['ForAnyValue:StringLike', 'cognito-identity.amazonaws.com:amr', ['authenticated'], { 'cognito-identity.amazonaws.com:amr': amr }, true],
    ['ForAnyValue:StringLike', 'cognito-identity.amazonaws.com:amr', ['unauthenticated'], { 'cognito-identity.amazonaws.com:amr': ['unauthenticated'] }, true],
    ['ForAnyValue:StringLike', 'cognito-identity.amazonaws.com:amr', ['authenticated'], { 'cognito-identity.amazonaws.com:amr': ['unauthenticated'] }, false],
    ['ForAllValues:StringEquals', 'aws:TagKeys', ['environment', 'cost-center'], { 'aws:TagKeys': ['environment'] }, true],
    ['ForAllValues:StringEquals', 'aws:TagKeys', ['environment', 'cost-center'], { 'aws:TagKeys': ['environment', 'owner'] }, false],
    ['ForAllValues:StringEquals', 'aws:TagKeys', ['environment'], {}, true],
    ['ForAnyValue:StringEquals', 'aws:TagKeys', ['environment'], {}, false],
    ['ForAnyValue:StringEquals', 'aws:TagKeys', ['environment'], { 'aws:TagKeys': [] }, false],
    ['ForAllValues:StringEquals', 'aws:TagKeys', ['environment'], { 'aws:TagKeys': [] }, true],
    ['ForAnyValue:StringNotEquals', 'aws:TagKeys', ['a'], { 'aws:TagKeys': ['a', 'b'] }, true],
    ['ForAllValues:StringNotEquals', 'aws:TagKeys', ['a'], { 'aws:TagKeys': ['a', 'b'] }, false],
    ['ForAnyValue:StringEquals', 'aws:TagKeys', ['a'], { 'aws:TagKeys': 'a' }, true],
    ['StringNotEquals', 'aws:TagKeys', ['a'], { 'aws:TagKeys': ['b', 'c'] }, true],
    ['StringNotEquals', 'aws:TagKeys', ['a'], { 'aws:TagKeys': ['b', 'a'] }, false],
    ['ForAnyValue:StringLikeIfExists', 'aws:TagKeys', ['x'], {}, true],
  ]);
});

describe('operator names and values', () => {
  it('splits qualifiers and suffixes', () => {
    expect(parseOperator('ForAnyValue:StringLikeIfExists')).toEqual({ set: 'ForAnyValue', base: 'StringLike', ifExists: true });
    expect(parseOperator('NullIfExists')).toBeUndefined();
    expect(parseOperator('StringEqualz')).toBeUndefined();
    expect(parseOperator('ForAnyValue::StringEquals')).toBeUndefined();
  });

  it('parses ISO 8601 and epoch dates', () => {
    expect(parseDate('2020-04-01T00:00:00Z')).toBe(Date.UTC(2020, 3, 1));
    expect(parseDate('1585699200')).toBe(Date.UTC(2020, 3, 1));
    expect(parseDate('2020-04-01')).toBe(Date.UTC(2020, 3, 1));
    expect(Number.isNaN(parseDate('yesterday'))).toBe(true);
  });

  it('refuses a Date value that is not a date, and a malformed CIDR, as AWS\'s legacy parser does', () => {
    expect(() => compileCondition('DateGreaterThan', 'aws:CurrentTime', ['sdfdsf'], true)).toThrow(PolicyDocumentError);
    expect(() => compileCondition('IpAddress', 'aws:SourceIp', ['300.1.1.1/8'], true)).toThrow('The policy failed legacy parsing');
  });
});

describe('request context records', () => {
  it('finds keys whatever their spelling in the record, principal keys first', () => {
    const principal = lowerKeys({ 'aws:userid': 'AROA:s' });
    const ctx = new Context({ 'aws:SourceIp': '10.0.0.1', 'S3:PREFIX': 'home/', 'aws:userid': 'spoofed', custom: 'x' }, principal);
    expect(ctx.get('aws:sourceip')).toBe('10.0.0.1');
    expect(ctx.get('s3:prefix')).toBe('home/');
    expect(ctx.get('custom')).toBe('x');
    expect(ctx.get('aws:userid')).toBe('AROA:s');
    expect(ctx.get('aws:username')).toBeUndefined();
  });
});
