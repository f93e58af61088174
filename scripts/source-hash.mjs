/**
 * One hash over everything dist/ is compiled from: every file under src/ (path and content) and
 * the two tsconfig files. Contents, not mtimes: a checkout or a copy resets mtimes, and a
 * stale build must never pass for a current one.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const STAMP = path.join('dist', '.source-hash');

function files(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...files(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

export function sourceHash(root) {
  const h = createHash('sha256');
  const list = [...files(path.join(root, 'src')), path.join(root, 'tsconfig.json'), path.join(root, 'tsconfig.build.json')].sort();
  for (const f of list) {
    h.update(path.relative(root, f)).update('\0').update(fs.readFileSync(f)).update('\0');
  }
  return h.digest('hex');
}

/** Whether dist/ was built from the sources as they are now (an installed package has no src/: yes). */
export function isBuildCurrent(root) {
  if (!fs.existsSync(path.join(root, 'src'))) return fs.existsSync(path.join(root, 'dist', 'cli.js'));
  let built = '';
  try {
    built = fs.readFileSync(path.join(root, STAMP), 'utf8').trim();
  } catch {
    return false;
  }
  return built === sourceHash(root);
}
