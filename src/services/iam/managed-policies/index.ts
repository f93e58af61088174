/**
 * AWS-managed policies Gatehouse ships, with AWS's own documents, versions and ids as AWS
 * publishes them (the AWS Managed Policy Reference). Only policies whose documents we have
 * verbatim are here; nothing is paraphrased. AmazonESCognitoAccess's PolicyId is not
 * published, so its id is derived from its name (stable across installs).
 * @module
 */
import { createHash } from 'node:crypto';
import cognitoDeveloper from './AmazonCognitoDeveloperAuthenticatedIdentities.json' with { type: 'json' };
import cognitoPowerUser from './AmazonCognitoPowerUser.json' with { type: 'json' };
import cognitoReadOnly from './AmazonCognitoReadOnly.json' with { type: 'json' };
import esCognito from './AmazonESCognitoAccess.json' with { type: 'json' };
import s3Full from './AmazonS3FullAccess.json' with { type: 'json' };
import s3ReadOnly from './AmazonS3ReadOnlyAccess.json' with { type: 'json' };

export interface AwsManagedPolicy {
  PolicyName: string;
  PolicyId: string;
  Arn: string;
  Path: string;
  Description: string;
  DefaultVersionId: string;
  CreateDate: Date;
  UpdateDate: Date;
  /** The default version's document as AWS serves it. */
  Document: string;
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function derivedId(name: string): string {
  const h = createHash('sha256').update(`aws-managed-policy:${name}`).digest();
  let s = 'ANPA';
  for (let i = 0; i < 17; i++) s += ID_ALPHABET[h[i]! & 31];
  return s;
}

interface Raw {
  PolicyName: string;
  PolicyId?: string;
  Arn: string;
  Path: string;
  Description: string;
  DefaultVersionId: string;
  CreateDate: string;
  UpdateDate: string;
  Document: unknown;
}

const RAW: readonly Raw[] = [s3Full, s3ReadOnly, cognitoPowerUser, cognitoReadOnly, cognitoDeveloper, esCognito];

export const AWS_MANAGED_POLICIES: ReadonlyMap<string, AwsManagedPolicy> = new Map(
  RAW.map((r) => [
    r.Arn,
    {
      PolicyName: r.PolicyName,
      PolicyId: r.PolicyId ?? derivedId(r.PolicyName),
      Arn: r.Arn,
      Path: r.Path,
      Description: r.Description,
      DefaultVersionId: r.DefaultVersionId,
      CreateDate: new Date(r.CreateDate),
      UpdateDate: new Date(r.UpdateDate),
      Document: JSON.stringify(r.Document, null, 4),
    },
  ]),
);
