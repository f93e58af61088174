/**
 * `gatehouse demo`: provisions the walkthrough's setup on a running Gatehouse through the
 * official AWS SDK, exactly as a user would on AWS — a user pool with defaults and an app
 * client without a secret, an identity pool with that pool as provider, the console's
 * authenticated and unauthenticated roles (AmazonS3FullAccess attached to the first), and a
 * bucket with website hosting, CORS and a public web app. Running it again reuses what exists.
 * @module
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  CognitoIdentityClient,
  CreateIdentityPoolCommand,
  ListIdentityPoolsCommand,
  SetIdentityPoolRolesCommand,
  type IdentityPoolShortDescription,
} from '@aws-sdk/client-cognito-identity';
import {
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  ListUserPoolClientsCommand,
  ListUserPoolsCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { AttachRolePolicyCommand, CreateRoleCommand, GetRoleCommand, IAMClient, PutRolePolicyCommand, UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam';
import {
  CreateBucketCommand,
  HeadBucketCommand,
  PutBucketCorsCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketWebsiteCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { demoAppDir, BROWSER_BUILDS } from './assets.js';
import { preparePage, type PageIds } from './page.js';

export interface DemoOptions {
  /** Gatehouse's URL. */
  url: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Names the pools and roles (`Gatehouse Demo` → `Cognito_GatehouseDemoAuth_Role`). */
  name: string;
  bucket: string;
  websiteHostSuffix: string;
  /** A page written for AWS to deploy instead of Gatehouse's own app. */
  page?: string;
  /** Progress lines. */
  say(line: string): void;
}

export interface DemoResult extends PageIds {
  bucket: string;
  authRoleArn: string;
  unauthRoleArn: string;
  /** `http://<bucket>.<website suffix>:<port>/` */
  websiteUrl: string;
  /** The same site on the path form, for clients that cannot resolve the host name. */
  websitePathUrl: string;
  /** Local scripts a deployed page loads that no installed package provides. */
  unknownScripts: string[];
  missingPlaceholders: string[];
}

/** The CORS rules the walkthrough pastes into the console, as the console stores them. */
const CORS_RULES = [
  { AllowedHeaders: ['*'], AllowedMethods: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'], AllowedOrigins: ['*'], ExposeHeaders: ['ETag', 'x-amz-request-id'], MaxAgeSeconds: 3000 },
];

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'application/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};

function contentType(key: string): string {
  return CONTENT_TYPES[path.extname(key).toLowerCase()] ?? 'application/octet-stream';
}

/** The trust policy the Cognito console writes for an identity pool's authenticated or guest role. */
export function cognitoIdentityTrustPolicy(identityPoolId: string, amr: 'authenticated' | 'unauthenticated'): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: 'cognito-identity.amazonaws.com' },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: { 'cognito-identity.amazonaws.com:aud': identityPoolId },
          'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': amr },
        },
      },
    ],
  });
}

/** The inline policies the Cognito console gave the roles it created. */
function consolePolicy(amr: 'authenticated' | 'unauthenticated'): string {
  const actions = amr === 'authenticated' ? ['mobileanalytics:PutEvents', 'cognito-sync:*', 'cognito-identity:*'] : ['mobileanalytics:PutEvents', 'cognito-sync:*'];
  return JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: ['*'] }] });
}

export async function provisionDemo(o: DemoOptions): Promise<DemoResult> {
  const common = { endpoint: o.url, region: o.region, credentials: o.credentials };
  const idp = new CognitoIdentityProviderClient(common);
  const identity = new CognitoIdentityClient(common);
  const iam = new IAMClient(common);
  const s3 = new S3Client({ ...common, forcePathStyle: true });
  const compact = o.name.replace(/[^A-Za-z0-9]/g, '');

  // 1. User pool with the console's defaults, verified by email.
  const pools = await idp.send(new ListUserPoolsCommand({ MaxResults: 60 }));
  let userPoolId = pools.UserPools?.find((p) => p.Name === o.name)?.Id;
  if (userPoolId === undefined) {
    const created = await idp.send(
      new CreateUserPoolCommand({
        PoolName: o.name,
        AutoVerifiedAttributes: ['email'],
        Schema: [{ Name: 'email', AttributeDataType: 'String', Required: true, Mutable: true }],
      }),
    );
    userPoolId = created.UserPool!.Id!;
    o.say(`created user pool ${userPoolId}`);
  } else o.say(`using user pool ${userPoolId}`);

  // 2. App client without a secret (the JavaScript SDK cannot keep one).
  const clients = await idp.send(new ListUserPoolClientsCommand({ UserPoolId: userPoolId, MaxResults: 60 }));
  let clientId = clients.UserPoolClients?.find((c) => c.ClientName === `${compact}App`)?.ClientId;
  if (clientId === undefined) {
    const created = await idp.send(
      new CreateUserPoolClientCommand({
        UserPoolId: userPoolId,
        ClientName: `${compact}App`,
        GenerateSecret: false,
        ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      }),
    );
    clientId = created.UserPoolClient!.ClientId!;
    o.say(`created app client ${clientId}`);
  } else o.say(`using app client ${clientId}`);

  // 3. Identity pool with the user pool as its authentication provider.
  const providerName = `cognito-idp.${o.region}.amazonaws.com/${userPoolId}`;
  const identityPools: IdentityPoolShortDescription[] = (await identity.send(new ListIdentityPoolsCommand({ MaxResults: 60 }))).IdentityPools ?? [];
  let identityPoolId = identityPools.find((p) => p.IdentityPoolName === compact)?.IdentityPoolId;
  if (identityPoolId === undefined) {
    const created = await identity.send(
      new CreateIdentityPoolCommand({
        IdentityPoolName: compact,
        AllowUnauthenticatedIdentities: false,
        CognitoIdentityProviders: [{ ProviderName: providerName, ClientId: clientId, ServerSideTokenCheck: false }],
      }),
    );
    identityPoolId = created.IdentityPoolId!;
    o.say(`created identity pool ${identityPoolId}`);
  } else o.say(`using identity pool ${identityPoolId}`);

  // 4. The console's roles; the authenticated one gets AmazonS3FullAccess (walkthrough 2.2).
  const authRoleArn = await ensureRole(iam, `Cognito_${compact}Auth_Role`, identityPoolId, 'authenticated', o.say);
  const unauthRoleArn = await ensureRole(iam, `Cognito_${compact}Unauth_Role`, identityPoolId, 'unauthenticated', o.say);
  await iam.send(new AttachRolePolicyCommand({ RoleName: `Cognito_${compact}Auth_Role`, PolicyArn: 'arn:aws:iam::aws:policy/AmazonS3FullAccess' }));
  await identity.send(new SetIdentityPoolRolesCommand({ IdentityPoolId: identityPoolId, Roles: { authenticated: authRoleArn, unauthenticated: unauthRoleArn } }));
  o.say('attached AmazonS3FullAccess to the authenticated role');

  // 5. Bucket for web hosting, public as the walkthrough sets it, with CORS.
  // HeadBucket first: in us-east-1 re-creating an owned bucket succeeds (and resets its ACL).
  if (await s3.send(new HeadBucketCommand({ Bucket: o.bucket })).then(() => true, () => false)) {
    o.say(`using bucket ${o.bucket}`);
  } else {
    await s3.send(new CreateBucketCommand({ Bucket: o.bucket }));
    o.say(`created bucket ${o.bucket}`);
  }
  await s3.send(new PutPublicAccessBlockCommand({ Bucket: o.bucket, PublicAccessBlockConfiguration: { BlockPublicAcls: false, IgnorePublicAcls: false, BlockPublicPolicy: false, RestrictPublicBuckets: false } }));
  await s3.send(new PutBucketOwnershipControlsCommand({ Bucket: o.bucket, OwnershipControls: { Rules: [{ ObjectOwnership: 'ObjectWriter' }] } }));
  await s3.send(new PutBucketWebsiteCommand({ Bucket: o.bucket, WebsiteConfiguration: { IndexDocument: { Suffix: 'index.html' } } }));
  await s3.send(new PutBucketCorsCommand({ Bucket: o.bucket, CORSConfiguration: { CORSRules: CORS_RULES } }));

  // 6. The web app, uploaded and made public ("Make public" = the public-read ACL).
  const ids: PageIds = { userPoolId, clientId, region: o.region, identityPoolId, endpoint: o.url };
  const files = new Map<string, Buffer | string>();
  let unknownScripts: string[] = [];
  let missingPlaceholders: string[] = [];
  if (o.page === undefined) {
    const dir = demoAppDir();
    for (const f of ['index.html', 'app.js', 'app.css']) files.set(f, fs.readFileSync(path.join(dir, f)));
    files.set('config.js', `window.GATEHOUSE_DEMO = ${JSON.stringify({ ...ids, bucket: o.bucket }, null, 2)};\n`);
    files.set('script/aws-sdk.min.js', fs.readFileSync(BROWSER_BUILDS.awsSdk()));
    files.set('script/amazon-cognito-identity.min.js', fs.readFileSync(BROWSER_BUILDS.cognitoIdentity()));
  } else {
    const prepared = preparePage(fs.readFileSync(o.page, 'utf8'), ids);
    files.set('index.html', prepared.html);
    for (const [key, file] of prepared.scripts) files.set(key, fs.readFileSync(file));
    unknownScripts = prepared.unknownScripts;
    missingPlaceholders = prepared.missingPlaceholders;
    for (const s of unknownScripts) o.say(`warning: the page loads ${s}, which no installed package provides; upload it yourself`);
    for (const p of missingPlaceholders) o.say(`warning: the page has no ${p} placeholder`);
  }
  for (const [key, body] of files) {
    await s3.send(new PutObjectCommand({ Bucket: o.bucket, Key: key, Body: body, ContentType: contentType(key), ACL: 'public-read' }));
  }
  o.say(`uploaded ${files.size} files to ${o.bucket}`);

  const u = new URL(o.url);
  const websiteUrl = `${u.protocol}//${o.bucket}.${o.websiteHostSuffix}${u.port === '' ? '' : `:${u.port}`}/`;
  return { ...ids, bucket: o.bucket, authRoleArn, unauthRoleArn, websiteUrl, websitePathUrl: `${o.url}/_website/${o.bucket}/`, unknownScripts, missingPlaceholders };
}

async function ensureRole(iam: IAMClient, name: string, identityPoolId: string, amr: 'authenticated' | 'unauthenticated', say: (l: string) => void): Promise<string> {
  let arn: string;
  try {
    arn = (await iam.send(new GetRoleCommand({ RoleName: name }))).Role!.Arn!;
    // The identity pool may be new: trust it, not an old one.
    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: name, PolicyDocument: cognitoIdentityTrustPolicy(identityPoolId, amr) }));
    say(`using role ${name}`);
  } catch (err) {
    if ((err as { name?: string }).name !== 'NoSuchEntityException' && (err as { name?: string }).name !== 'NoSuchEntity') throw err;
    arn = (await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: cognitoIdentityTrustPolicy(identityPoolId, amr), Path: '/' }))).Role!.Arn!;
    say(`created role ${name}`);
  }
  await iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: `oneClick_${name}`, PolicyDocument: consolePolicy(amr) }));
  return arn;
}
