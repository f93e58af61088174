/**
 * How stored pools, clients, users and groups look on the wire (UserPoolType,
 * UserPoolClientType, UserType, GroupType).
 * @module
 */
import type { GroupType, UserPoolClientType, UserPoolDescriptionType, UserPoolType, UserType } from './api.generated.js';
import { toAttributeList } from './domain/attributes.js';
import { userPoolArn } from './domain/ids.js';
import type { Group } from './store/groups.js';
import type { AppClient, UserPool } from './store/pools.js';
import type { UserMfa } from './store/mfa.js';
import type { User } from './store/users.js';

const date = (ms: number): Date => new Date(ms);

export function userPoolView(pool: UserPool, region: string, accountId: string, estimatedUsers: number, domain?: string, customDomain?: string): UserPoolType {
  const { MfaFactors: _factors, ...config } = pool.config;
  return {
    Id: pool.id,
    Name: pool.name,
    ...config,
    LastModifiedDate: date(pool.updatedAt),
    CreationDate: date(pool.createdAt),
    EstimatedNumberOfUsers: estimatedUsers,
    ...(domain === undefined ? {} : { Domain: domain }),
    ...(customDomain === undefined ? {} : { CustomDomain: customDomain }),
    Arn: userPoolArn(region, accountId, pool.id),
  };
}

export function userPoolDescription(pool: UserPool): UserPoolDescriptionType {
  return { Id: pool.id, Name: pool.name, LambdaConfig: pool.config.LambdaConfig ?? {}, LastModifiedDate: date(pool.updatedAt), CreationDate: date(pool.createdAt) };
}

export function clientView(client: AppClient): UserPoolClientType {
  return {
    UserPoolId: client.poolId,
    ClientName: client.name,
    ClientId: client.clientId,
    ...(client.secret === undefined ? {} : { ClientSecret: client.secret }),
    LastModifiedDate: date(client.updatedAt),
    CreationDate: date(client.createdAt),
    ...client.config,
  };
}

/** A user as AdminCreateUser, ListUsers and ListUsersInGroup show them. */
export function userView(user: User, only?: ReadonlySet<string>): UserType {
  return {
    Username: user.username,
    Attributes: toAttributeList(user.attributes, only),
    UserCreateDate: date(user.createdAt),
    UserLastModifiedDate: date(user.updatedAt),
    Enabled: user.enabled,
    UserStatus: user.status,
  };
}

/**
 * The MFA part of GetUser and AdminGetUser: the factors the user turned on, the preferred one,
 * and the legacy MFAOptions that SMS MFA still shows. Empty settings are left out.
 */
export function userMfaView(mfa: UserMfa): { UserMFASettingList?: string[]; PreferredMfaSetting?: string; MFAOptions?: { DeliveryMedium: 'SMS'; AttributeName: string }[] } {
  const list = [...(mfa.sms ? ['SMS_MFA'] : []), ...(mfa.totp ? ['SOFTWARE_TOKEN_MFA'] : []), ...(mfa.email ? ['EMAIL_OTP'] : [])];
  return {
    ...(list.length === 0 ? {} : { UserMFASettingList: list }),
    ...(mfa.preferred === undefined ? {} : { PreferredMfaSetting: mfa.preferred }),
    ...(mfa.sms ? { MFAOptions: [{ DeliveryMedium: 'SMS', AttributeName: 'phone_number' }] } : {}),
  };
}

export function groupView(g: Group): GroupType {
  return {
    GroupName: g.name,
    UserPoolId: g.poolId,
    ...(g.description === undefined ? {} : { Description: g.description }),
    ...(g.roleArn === undefined ? {} : { RoleArn: g.roleArn }),
    ...(g.precedence === undefined ? {} : { Precedence: g.precedence }),
    LastModifiedDate: date(g.updatedAt),
    CreationDate: date(g.createdAt),
  };
}

/** A page's size: Limit and MaxResults default to 60, and 0 (which the model allows) means the default too. */
export function pageSize(limit: number | undefined): number {
  return limit === undefined || limit === 0 ? 60 : limit;
}

/** Opaque pagination tokens: the last key of the page, base64. */
export function nextToken(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64');
}

export function afterToken(token: string | undefined): string {
  return token === undefined ? '' : Buffer.from(token, 'base64').toString('utf8');
}
