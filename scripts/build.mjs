#!/usr/bin/env node
/**
 * Builds dist/ from src/ (tsc), then records a hash of the sources it was built from, so that
 * `npm start` can tell in a few milliseconds whether dist/ is current (scripts/ensure-built.mjs).
 * dist/ is removed first: a source file that was deleted must not live on as a stale module.
 *
 *   node scripts/build.mjs          (run by `npm ci` / `npm install` through `prepare`)
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildConsole } from './build-console.mjs';
import { sourceHash, STAMP } from './source-hash.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
if (!fs.existsSync(tsc)) {
  // Installed as a dependency of another project: dist/ ships in the package, nothing to build.
  if (fs.existsSync(path.join(root, 'dist', 'cli.js'))) process.exit(0);
  console.error('build: typescript is not installed; run npm ci first');
  process.exit(1);
}
fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true });
const r = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);
await buildConsole(root);
fs.writeFileSync(path.join(root, STAMP), sourceHash(root) + '\n');
