/**
 * Deploys a page written for AWS (like the walkthrough's index.html) unchanged but for two
 * things: its four placeholders get the provisioned ids, and one <script> after the SDKs
 * points them at Gatehouse's endpoint. Everything else in the page stays as written.
 * @module
 */
import { buildForScript } from './assets.js';

export interface PageIds {
  userPoolId: string;
  clientId: string;
  region: string;
  identityPoolId: string;
  /** Gatehouse's URL, e.g. http://127.0.0.1:4566 */
  endpoint: string;
}

export interface PreparedPage {
  html: string;
  /** Relative paths the page loads (as written in it) → installed file that serves them. */
  scripts: Map<string, string>;
  /** Local scripts the page loads that no installed package provides. */
  unknownScripts: string[];
  /** Placeholders that were not found in the page. */
  missingPlaceholders: string[];
}

const PLACEHOLDERS: readonly [string, keyof PageIds][] = [
  ['<User Pool ID>', 'userPoolId'],
  ['<App Client ID>', 'clientId'],
  ['<Region>', 'region'],
  ['<Identity Pool ID>', 'identityPoolId'],
];

const SCRIPT_TAG = /<script\b[^>]*\bsrc\s*=\s*["']([^"']+)["'][^>]*>\s*<\/script>/gi;

/** The script that points the official SDKs at Gatehouse; runs after they load. */
export function endpointScript(endpoint: string): string {
  const e = JSON.stringify(endpoint);
  return `<script>/* Added by gatehouse demo: the AWS SDKs talk to Gatehouse at ${endpoint.replace(/[<>]/g, '')} */
(function (endpoint) {
  if (window.AWS) {
    AWS.config.cognitoidentity = { endpoint: endpoint };
    AWS.config.cognitoidentityserviceprovider = { endpoint: endpoint };
    AWS.config.sts = { endpoint: endpoint };
    AWS.config.iam = { endpoint: endpoint };
    AWS.config.s3 = { endpoint: endpoint, s3ForcePathStyle: true, signatureVersion: 'v4' };
  }
  if (window.AmazonCognitoIdentity) {
    var Pool = AmazonCognitoIdentity.CognitoUserPool;
    var GatehouseUserPool = function (data, wrapRefreshSessionCallback) {
      var d = {};
      for (var k in data) d[k] = data[k];
      if (!d.endpoint) d.endpoint = endpoint + '/';
      return new Pool(d, wrapRefreshSessionCallback);
    };
    GatehouseUserPool.prototype = Pool.prototype;
    var ns = {};
    for (var name in AmazonCognitoIdentity) ns[name] = AmazonCognitoIdentity[name];
    ns.CognitoUserPool = GatehouseUserPool;
    window.AmazonCognitoIdentity = ns;
  }
})(${e});
</script>`;
}

function isLocal(src: string): boolean {
  return !/^(?:[a-z][a-z0-9+.-]*:)?\/\//i.test(src) && !src.startsWith('data:');
}

/** Relative path inside the bucket for a script src as written (`./script/x.js` → `script/x.js`). */
export function objectKeyFor(src: string): string {
  return src.replace(/^\.\//, '').replace(/^\/+/, '').split(/[?#]/)[0]!;
}

export function preparePage(source: string, ids: PageIds): PreparedPage {
  let html = source;
  const missingPlaceholders: string[] = [];
  for (const [placeholder, key] of PLACEHOLDERS) {
    if (!html.includes(placeholder)) missingPlaceholders.push(placeholder);
    html = html.split(placeholder).join(ids[key]);
  }

  const scripts = new Map<string, string>();
  const unknownScripts: string[] = [];
  let lastSdkTagEnd = -1;
  for (const m of html.matchAll(SCRIPT_TAG)) {
    const src = m[1]!;
    if (!isLocal(src)) continue;
    const build = buildForScript(src);
    if (build === undefined) {
      unknownScripts.push(src);
      continue;
    }
    scripts.set(objectKeyFor(src), build);
    lastSdkTagEnd = m.index + m[0].length;
  }

  const inject = endpointScript(ids.endpoint);
  if (lastSdkTagEnd >= 0) {
    html = html.slice(0, lastSdkTagEnd) + '\n    ' + inject + html.slice(lastSdkTagEnd);
  } else {
    // No local SDK scripts (they come from a CDN): run before the first inline script.
    const firstInline = html.search(/<script\b(?![^>]*\bsrc=)[^>]*>/i);
    html = firstInline >= 0 ? html.slice(0, firstInline) + inject + '\n' + html.slice(firstInline) : html.replace(/<\/body>/i, inject + '\n</body>');
  }
  return { html, scripts, unknownScripts, missingPlaceholders };
}
