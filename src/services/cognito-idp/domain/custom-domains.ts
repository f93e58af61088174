/**
 * Custom domains (CreateUserPoolDomain's `CustomDomainConfig`): the host names a pool's hosted
 * UI and OAuth endpoints answer at besides its prefix domain. AWS checks the ACM certificate
 * (it must be in us-east-1) and puts a CloudFront distribution in front. Gatehouse has neither:
 * it accepts any well-formed ACM certificate ARN in us-east-1 (kept and described back, so
 * infrastructure code round-trips), serves the host itself on its own port with its own TLS
 * certificate (GATEHOUSE_TLS_CERT, or one its local CA issues for the custom host), and names
 * its own host as the "CloudFront" target that the domain's DNS alias must point at.
 * @module
 */
import type { Config } from '../../../config.js';
import { invalidParameter } from '../errors.js';

/** A prefix: what the model's DomainType says (AWS checks it itself, with this message). */
const PREFIX = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** An ACM certificate in us-east-1, in any partition. */
const ACM_ARN = /^arn:aws(?:-[a-z]+)*:acm:us-east-1:\d{12}:certificate\/[A-Za-z0-9-]{1,128}$/;

export function checkPrefix(domain: string): void {
  if (!PREFIX.test(domain)) {
    throw invalidParameter(
      'The domain name contains an invalid character. Domain names can only contain lower-case letters, numbers, and hyphens. Please enter a different name that follows this format: ^[a-z0-9](?:[a-z0-9\\-]{0,61}[a-z0-9])?$',
    );
  }
}

/** Gatehouse's own host names: a custom domain there would shadow the prefix domains, buckets or the API. */
function ownHost(config: Config, host: string): boolean {
  const own = [config.authHostSuffix, config.s3HostSuffix, config.websiteHostSuffix];
  return host === new URL(config.publicUrl).hostname || host === 'localhost' || own.some((s) => host === s || host.endsWith(`.${s}`));
}

/** A custom domain: a fully-qualified host name of at least two labels, none of Gatehouse's own. */
export function checkCustomDomain(config: Config, domain: string): void {
  const labels = domain.split('.');
  if (domain.length > 253 || labels.length < 2 || !labels.every((l) => LABEL.test(l)) || /^\d+$/.test(labels[labels.length - 1]!)) {
    throw invalidParameter('The custom domain must be a fully-qualified domain name in lower case, such as auth.example.com.');
  }
  if (ownHost(config, domain)) throw invalidParameter(`The custom domain ${domain} is one of Gatehouse's own host names.`);
}

export function checkCertificateArn(arn: string): void {
  if (!ACM_ARN.test(arn)) {
    throw invalidParameter("The specified SSL certificate doesn't exist, isn't in us-east-1 region, isn't valid, or doesn't include a valid certificate chain.");
  }
}

/** Where a custom domain's DNS alias must point: Gatehouse's own host (AWS names a CloudFront distribution). */
export function cloudFrontDomain(config: Config): string {
  return new URL(config.publicUrl).hostname.replace(/^\[|\]$/g, '');
}

/** Whether a request's host may be a custom domain (so the store is asked): a dotted name, not an IP, not Gatehouse's own. */
export function mayBeCustomHost(config: Config, host: string): boolean {
  return host.includes('.') && !/^[\d.]+$/.test(host) && !host.startsWith('[') && host.length <= 253 && !ownHost(config, host);
}
