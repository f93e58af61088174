/**
 * Where the HTTPS side of the port gets its key and certificate: the PEM files named by
 * GATEHOUSE_TLS_CERT / GATEHOUSE_TLS_KEY, or a certificate the local CA issues for the names
 * Gatehouse answers at (the CA itself is created on first need), and one more for each
 * custom domain a client names (SNI) that is a user pool's custom domain.
 * @module
 */
import fs from 'node:fs';
import type { Config } from '../config.js';
import { ensureCa, issueServerCertificate, type KeyAndCert } from './local-ca.js';

/** The names the local CA's server certificate covers: loopback, the host suffixes, and the public URL's host. */
export function serverNames(config: Config): string[] {
  const names = [
    'localhost',
    '*.localhost',
    `*.${config.authHostSuffix}`,
    `*.${config.s3HostSuffix}`,
    `*.${config.websiteHostSuffix}`,
    '127.0.0.1',
    '::1',
    new URL(config.publicUrl).hostname.replace(/^\[|\]$/g, ''),
  ];
  if (config.host !== '0.0.0.0' && config.host !== '::') names.push(config.host);
  return [...new Set(names)];
}

/**
 * A loader to call on the first TLS connection: given files are read at once (so a bad path
 * fails start-up, not the first client); the local CA's certificate is made when first asked for.
 */
export function tlsCredentials(config: Config): () => KeyAndCert {
  if (config.tlsCertFile !== undefined && config.tlsKeyFile !== undefined) {
    const given = { cert: fs.readFileSync(config.tlsCertFile, 'utf8'), key: fs.readFileSync(config.tlsKeyFile, 'utf8') };
    return () => given;
  }
  let issued: KeyAndCert | undefined;
  return () => (issued ??= issueServerCertificate(ensureCa(config.dataDir), serverNames(config)));
}

/** Host certificates the local CA issued, per name; bounded (a name is only issued for once the caller checked it is a custom domain). */
const MAX_HOSTS = 1000;

/**
 * Certificates for single host names (user pools' custom domains, which the server certificate
 * cannot name ahead of time), made by the local CA on first need; undefined when
 * GATEHOUSE_TLS_CERT is given: that certificate is then used for every name, so it must
 * cover the custom domains too.
 */
export function hostCredentials(config: Config): ((host: string) => KeyAndCert) | undefined {
  if (config.tlsCertFile !== undefined && config.tlsKeyFile !== undefined) return undefined;
  const issued = new Map<string, KeyAndCert>();
  return (host) => {
    let c = issued.get(host);
    if (c === undefined) {
      if (issued.size >= MAX_HOSTS) issued.clear();
      c = issueServerCertificate(ensureCa(config.dataDir), [host]);
      issued.set(host, c);
    }
    return c;
  };
}
