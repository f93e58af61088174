#!/usr/bin/env node
/**
 * `npm start`: starts the built server, in this same process. When dist/ was built from the
 * sources as they are now (the hash scripts/build.mjs recorded matches) that costs a few
 * milliseconds; otherwise (an edited or pulled checkout) it rebuilds first, so `npm start` never
 * serves stale code. One process, not a prestart hook and a second node: each node start is
 * ~100 ms of the time to the ready line.
 *
 *   node scripts/start.mjs serve [flags]
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';
import { isBuildCurrent } from './source-hash.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// An installed package ships dist/ without src/: nothing to compare, nothing to build.
if (!isBuildCurrent(root)) {
  process.stderr.write('gatehouse: the sources changed since the last build; rebuilding dist/ …\n');
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
await import(pathToFileURL(path.join(root, 'dist', 'cli.js')).href);
