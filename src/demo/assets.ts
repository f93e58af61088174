/**
 * The official browser builds the demo deploys, resolved from the installed npm packages
 * (never copied into the repository).
 * @module
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

function packageFile(pkg: string, file: string): string {
  const root = path.dirname(require.resolve(`${pkg}/package.json`));
  const full = path.join(root, file);
  if (!fs.existsSync(full)) throw new Error(`${pkg} has no ${file}; reinstall with npm ci`);
  return full;
}

/** Browser builds by role. */
export const BROWSER_BUILDS = {
  /** aws-sdk v2 as the seed pins it (2.487.0). */
  awsSdk: () => packageFile('aws-sdk-2.487.0', 'dist/aws-sdk.min.js'),
  awsSdkFull: () => packageFile('aws-sdk-2.487.0', 'dist/aws-sdk.js'),
  /** amazon-cognito-identity-js's standalone browser build (current major). */
  cognitoIdentity: () => packageFile('amazon-cognito-identity-js', 'dist/amazon-cognito-identity.min.js'),
  cognitoIdentityFull: () => packageFile('amazon-cognito-identity-js', 'dist/amazon-cognito-identity.js'),
  /** The low-level Cognito SDK older pages load beside it; the last release that shipped it. */
  awsCognitoSdk: () => packageFile('amazon-cognito-identity-js-2.0.1', 'dist/aws-cognito-sdk.min.js'),
  awsCognitoSdkFull: () => packageFile('amazon-cognito-identity-js-2.0.1', 'dist/aws-cognito-sdk.js'),
  jquery: () => packageFile('jquery', 'dist/jquery.min.js'),
  jqueryFull: () => packageFile('jquery', 'dist/jquery.js'),
} as const;

/**
 * Which installed build serves a script an AWS-era page loads by file name, e.g.
 * `script/aws-sdk-2.487.0.min.js` or `js/jquery-3.4.1.min.js`. Undefined when unknown.
 */
export function buildForScript(fileName: string): string | undefined {
  const name = path.basename(fileName).toLowerCase();
  const min = name.endsWith('.min.js');
  if (!name.endsWith('.js')) return undefined;
  if (name.startsWith('jquery')) return min ? BROWSER_BUILDS.jquery() : BROWSER_BUILDS.jqueryFull();
  if (name.startsWith('aws-cognito-sdk')) return min ? BROWSER_BUILDS.awsCognitoSdk() : BROWSER_BUILDS.awsCognitoSdkFull();
  if (name.startsWith('amazon-cognito-identity')) return min ? BROWSER_BUILDS.cognitoIdentity() : BROWSER_BUILDS.cognitoIdentityFull();
  if (name.startsWith('aws-sdk')) return min ? BROWSER_BUILDS.awsSdk() : BROWSER_BUILDS.awsSdkFull();
  return undefined;
}

/** Gatehouse's own demo app (web/demo), beside src/ and dist/. */
export function demoAppDir(): string {
  return fileURLToPath(new URL('../../web/demo/', import.meta.url));
}
