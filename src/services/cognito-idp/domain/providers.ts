/**
 * External identity providers' settings: the ProviderDetails keys each type takes (as the
 * CreateIdentityProvider reference lists them), the ones it needs, and the endpoint keys
 * Cognito fills in for the social providers when it describes them.
 * @module
 */
import type { IdentityProviderTypeType } from '../api.generated.js';
import { invalidParameter } from '../errors.js';

/** The endpoint keys Describe adds for the social providers. */
const SOCIAL = ['attributes_url', 'attributes_url_add_attributes', 'authorize_url', 'token_url', 'token_request_method', 'oidc_issuer'];

/** Keys a request may set, per type; Describe's computed keys are accepted back (clients echo them). */
const KEYS: Record<IdentityProviderTypeType, { required: string[]; optional: string[] }> = {
  OIDC: {
    required: ['client_id', 'attributes_request_method', 'oidc_issuer', 'authorize_scopes'],
    optional: ['client_secret', 'authorize_url', 'token_url', 'attributes_url', 'jwks_uri', 'attributes_url_add_attributes'],
  },
  Google: { required: ['client_id', 'client_secret', 'authorize_scopes'], optional: SOCIAL },
  Facebook: { required: ['client_id', 'client_secret', 'authorize_scopes'], optional: ['api_version', ...SOCIAL] },
  LoginWithAmazon: { required: ['client_id', 'client_secret', 'authorize_scopes'], optional: SOCIAL },
  SignInWithApple: { required: ['client_id', 'team_id', 'key_id', 'private_key', 'authorize_scopes'], optional: SOCIAL },
  SAML: {
    required: [],
    optional: ['MetadataFile', 'MetadataURL', 'IDPSignout', 'IDPInit', 'EncryptedResponses', 'RequestSigningAlgorithm', 'ActiveEncryptionCertificate', 'SSORedirectBindingURI', 'SLORedirectBindingURI'],
  },
};

/** A metadata document may be long; nothing else is. The edge bounds the whole body at 1 MiB. */
const MAX_VALUE = 256 * 1024;
const MAX_SHORT_VALUE = 4096;

const BOOLEAN_KEYS = new Set(['IDPSignout', 'IDPInit', 'EncryptedResponses', 'attributes_url_add_attributes']);
const URL_KEYS = new Set(['oidc_issuer', 'authorize_url', 'token_url', 'attributes_url', 'jwks_uri', 'MetadataURL']);

function isUrl(v: string): boolean {
  try {
    const u = new URL(v);
    // http:// is accepted for identity providers on the local machine or network, as
    // Gatehouse's IAM OIDC providers accept it.
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

/** Checks a create's or update's ProviderDetails for `type`, and returns what is stored. */
export function providerDetails(type: IdentityProviderTypeType, details: Record<string, string>): Record<string, string> {
  const spec = KEYS[type];
  const allowed = new Set([...spec.required, ...spec.optional]);
  for (const [k, v] of Object.entries(details)) {
    if (!allowed.has(k)) throw invalidParameter(`${k} is not a valid ProviderDetails key for ${type} identity providers.`);
    if (v.length > (k === 'MetadataFile' || k === 'private_key' ? MAX_VALUE : MAX_SHORT_VALUE)) throw invalidParameter(`The value of ${k} is too long.`);
    if (BOOLEAN_KEYS.has(k) && v !== 'true' && v !== 'false') throw invalidParameter(`${k} must be true or false.`);
    if (URL_KEYS.has(k) && !isUrl(v)) throw invalidParameter(`${k} must be a URL.`);
  }
  for (const k of spec.required) if (details[k] === undefined || details[k] === '') throw invalidParameter(`${k} is required for ${type} identity providers.`);
  if (type === 'OIDC' && details.attributes_request_method !== 'GET' && details.attributes_request_method !== 'POST') {
    throw invalidParameter('attributes_request_method must be GET or POST.');
  }
  if (type === 'SAML') {
    const file = details.MetadataFile !== undefined;
    const url = details.MetadataURL !== undefined;
    if (!file && !url) throw invalidParameter('At least one of the MetadataURL or MetadataFile should be provided.');
    if (file && url) throw invalidParameter('Only one of the MetadataURL or MetadataFile can be provided.');
    if (details.RequestSigningAlgorithm !== undefined && details.RequestSigningAlgorithm !== 'rsa-sha256') {
      throw invalidParameter('RequestSigningAlgorithm must be rsa-sha256.');
    }
  }
  return { ...details };
}

/**
 * ProviderDetails as DescribeIdentityProvider shows them: the social providers' endpoints
 * as Cognito fills them in, `attributes_url_add_attributes`, and never Apple's private key.
 */
export function describedDetails(type: string, details: Record<string, string>): Record<string, string> {
  const d = { ...details };
  switch (type) {
    case 'Google':
      return {
        attributes_url: 'https://people.googleapis.com/v1/people/me?personFields=',
        attributes_url_add_attributes: 'true',
        authorize_url: 'https://accounts.google.com/o/oauth2/v2/auth',
        oidc_issuer: 'https://accounts.google.com',
        token_request_method: 'POST',
        token_url: 'https://www.googleapis.com/oauth2/v4/token',
        ...d,
      };
    case 'Facebook': {
      const v = d.api_version ?? 'v17.0';
      return {
        api_version: v,
        attributes_url: `https://graph.facebook.com/${v}/me?fields=`,
        attributes_url_add_attributes: 'true',
        authorize_url: `https://www.facebook.com/${v}/dialog/oauth`,
        token_request_method: 'GET',
        token_url: `https://graph.facebook.com/${v}/oauth/access_token`,
        ...d,
      };
    }
    case 'LoginWithAmazon':
      return {
        attributes_url: 'https://api.amazon.com/user/profile',
        attributes_url_add_attributes: 'false',
        authorize_url: 'https://www.amazon.com/ap/oa',
        token_request_method: 'POST',
        token_url: 'https://api.amazon.com/auth/o2/token',
        ...d,
      };
    case 'SignInWithApple': {
      const { private_key: _hidden, ...rest } = d;
      return {
        attributes_url_add_attributes: 'false',
        authorize_url: 'https://appleid.apple.com/auth/authorize',
        oidc_issuer: 'https://appleid.apple.com',
        token_request_method: 'POST',
        token_url: 'https://appleid.apple.com/auth/token',
        ...rest,
      };
    }
    case 'OIDC':
      return { attributes_url_add_attributes: 'false', ...d };
    default:
      return d;
  }
}
