/**
 * CreateUserPoolDomain, DescribeUserPoolDomain, UpdateUserPoolDomain, DeleteUserPoolDomain,
 * and the classic hosted UI's branding: SetUICustomization, GetUICustomization.
 * A domain is unique across the server (as across an AWS Region); a pool has at most one
 * prefix domain and one custom domain (`CustomDomainConfig`, see domain/custom-domains.ts).
 * The hosted pages answer at the prefix's host name and path, and at the custom host name
 * (see `hosted/`).
 * @module
 */
import type { OperationHandlers } from '../../types.js';
import type { Operations, UICustomizationType } from '../api.generated.js';
import type { IdpContext } from '../context.js';
import { checkCertificateArn, checkCustomDomain, checkPrefix, cloudFrontDomain } from '../domain/custom-domains.js';
import { invalidParameter } from '../errors.js';
import type { PoolDomain, UiCustomization } from '../store/hosted.js';

/** Words AWS refuses anywhere in a prefix ("Domain cannot contain reserved word: aws"). */
const RESERVED = ['aws', 'amazon', 'cognito'];

/** PNG and JPEG by their magic numbers: the only logo formats the classic hosted UI takes. */
function imageType(image: Uint8Array): string | undefined {
  if (image.length >= 8 && image[0] === 0x89 && image[1] === 0x50 && image[2] === 0x4e && image[3] === 0x47) return 'image/png';
  if (image.length >= 3 && image[0] === 0xff && image[1] === 0xd8 && image[2] === 0xff) return 'image/jpeg';
  return undefined;
}

const noSuchDomain = () => invalidParameter('No such domain or user pool exists.');

function managedLoginVersion(v: number | undefined): number {
  if (v === undefined) return 1;
  if (v !== 1 && v !== 2) throw invalidParameter('ManagedLoginVersion must be 1 or 2.');
  return v;
}

/** AWS's Version is a timestamp-like string; ours is the last change's UTC time, yyyymmddHHMMSS. */
const version = (ms: number): string => new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14);

export function domainOperations(idp: IdpContext): OperationHandlers<Operations> {
  const ownDomain = async (poolId: string, domain: string): Promise<PoolDomain> => {
    await idp.pool(poolId);
    const d = await idp.hosted.domain(domain);
    if (d === undefined || d.poolId !== poolId) throw noSuchDomain();
    return d;
  };

  const uiView = (poolId: string, clientId: string, u: UiCustomization | undefined): UICustomizationType => ({
    UserPoolId: poolId,
    ClientId: clientId,
    ...(u === undefined
      ? {}
      : {
          ...(u.css === undefined ? {} : { CSS: u.css, CSSVersion: version(u.updatedAt) }),
          ...(u.image === undefined ? {} : { ImageUrl: `${idp.platform.config.publicUrl}/${poolId}/ui/${encodeURIComponent(u.clientId)}/logo?v=${u.updatedAt}` }),
          CreationDate: new Date(u.createdAt),
          LastModifiedDate: new Date(u.updatedAt),
        }),
  });

  return {
    async CreateUserPoolDomain(input, ctx) {
      const pool = await idp.pool(input.UserPoolId);
      const custom = input.CustomDomainConfig !== undefined;
      if (custom) {
        checkCustomDomain(idp.platform.config, input.Domain);
        checkCertificateArn(input.CustomDomainConfig!.CertificateArn);
      } else {
        checkPrefix(input.Domain);
        const reserved = RESERVED.find((w) => input.Domain.includes(w));
        if (reserved !== undefined) throw invalidParameter(`Domain cannot contain reserved word: ${reserved}`);
      }
      const now = ctx.now();
      const d: PoolDomain = {
        domain: input.Domain,
        poolId: pool.id,
        custom,
        certificateArn: input.CustomDomainConfig?.CertificateArn,
        managedLoginVersion: managedLoginVersion(input.ManagedLoginVersion),
        createdAt: now,
        updatedAt: now,
      };
      await idp.platform.db.transaction(async (tx) => {
        if ((await tx.get('SELECT 1 AS x FROM cognito_idp_domains WHERE domain = ?', [d.domain])) !== undefined) {
          throw invalidParameter('Domain already associated with another user pool.');
        }
        // One of each kind per pool, as AWS: a prefix domain and a custom domain may live side by side.
        if ((await idp.hosted.domainsOf(pool.id, tx)).some((x) => x.custom === custom)) throw invalidParameter('User pool already has a domain configured.');
        await idp.hosted.insertDomain(d, tx);
      });
      await idp.hosted.domainChanged(d.domain);
      ctx.log.info({ event: 'cognito-idp.domain.created', userPoolId: pool.id, domain: d.domain, custom }, 'user pool domain created');
      return { ManagedLoginVersion: d.managedLoginVersion, ...(custom ? { CloudFrontDomain: cloudFrontDomain(idp.platform.config) } : {}) };
    },

    /** As AWS: an unknown domain is not an error, the description is just empty. */
    async DescribeUserPoolDomain(input) {
      const d = await idp.hosted.domain(input.Domain);
      if (d === undefined) return { DomainDescription: {} };
      return {
        DomainDescription: {
          UserPoolId: d.poolId,
          AWSAccountId: idp.platform.config.accountId,
          Domain: d.domain,
          ...(d.custom ? { CloudFrontDistribution: cloudFrontDomain(idp.platform.config), CustomDomainConfig: { CertificateArn: d.certificateArn! } } : {}),
          Version: version(d.updatedAt),
          Status: 'ACTIVE',
          ManagedLoginVersion: d.managedLoginVersion,
        },
      };
    },

    /** The branding version, and a custom domain's certificate; the name itself cannot change (delete and create, as AWS). */
    async UpdateUserPoolDomain(input, ctx) {
      const d = await ownDomain(input.UserPoolId, input.Domain);
      if (input.CustomDomainConfig !== undefined) {
        if (!d.custom) throw invalidParameter('CustomDomainConfig applies only to a custom domain.');
        checkCertificateArn(input.CustomDomainConfig.CertificateArn);
        d.certificateArn = input.CustomDomainConfig.CertificateArn;
      }
      d.managedLoginVersion = input.ManagedLoginVersion === undefined ? d.managedLoginVersion : managedLoginVersion(input.ManagedLoginVersion);
      d.updatedAt = ctx.now();
      await idp.hosted.updateDomain(d);
      return { ManagedLoginVersion: d.managedLoginVersion, ...(d.custom ? { CloudFrontDomain: cloudFrontDomain(idp.platform.config) } : {}) };
    },

    async DeleteUserPoolDomain(input, ctx) {
      const d = await ownDomain(input.UserPoolId, input.Domain);
      await idp.hosted.deleteDomain(d.domain);
      ctx.log.info({ event: 'cognito-idp.domain.deleted', userPoolId: d.poolId, domain: d.domain }, 'user pool domain deleted');
      return {};
    },

    async SetUICustomization(input, ctx) {
      const pool = await idp.pool(input.UserPoolId);
      const clientId = input.ClientId ?? 'ALL';
      if (clientId !== 'ALL') await idp.clientIn(pool.id, clientId);
      if ((await idp.hosted.domainsOf(pool.id)).length === 0) throw invalidParameter('A domain must be associated with this user pool.');
      let type: string | undefined;
      if (input.ImageFile !== undefined && input.ImageFile.length > 0) {
        type = imageType(input.ImageFile);
        if (type === undefined) throw invalidParameter('Invalid image file: only PNG and JPEG images are accepted.');
      }
      const before = await idp.hosted.uiCustomization(pool.id, clientId);
      const now = ctx.now();
      const u: UiCustomization = {
        poolId: pool.id,
        clientId,
        css: input.CSS === undefined || input.CSS === '' ? undefined : input.CSS,
        image: type === undefined ? undefined : Buffer.from(input.ImageFile!),
        imageType: type,
        createdAt: before?.createdAt ?? now,
        updatedAt: now,
      };
      await idp.hosted.putUiCustomization(u);
      return { UICustomization: uiView(pool.id, clientId, u) };
    },

    /** A client without its own branding shows the pool's (ClientId ALL), as AWS does. */
    async GetUICustomization(input) {
      const pool = await idp.pool(input.UserPoolId);
      const clientId = input.ClientId ?? 'ALL';
      if (clientId !== 'ALL') await idp.clientIn(pool.id, clientId);
      const own = await idp.hosted.uiCustomization(pool.id, clientId);
      if (own !== undefined || clientId === 'ALL') return { UICustomization: uiView(pool.id, clientId, own) };
      const fallback = await idp.hosted.uiCustomization(pool.id, 'ALL');
      return { UICustomization: uiView(pool.id, fallback === undefined ? clientId : 'ALL', fallback) };
    },
  };
}
