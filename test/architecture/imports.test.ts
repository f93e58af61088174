/**
 * The layers' imports point down: composition root (src/app.ts, src/cli.ts) → edge
 * (src/server/) → services → protocols / store / mail. A service that reached up into the
 * edge, or a wire format that knew a service, would fail here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Every relative import of a file, resolved to a path under src/ (without extension). */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:from\s+|import\()\s*'(\.{1,2}\/[^']+)'/g)) {
    out.push(path.relative(SRC, path.resolve(path.dirname(file), m[1]!)).replace(/\.js$/, ''));
  }
  return out;
}

/** Which layer a path under src/ belongs to; higher numbers may import lower ones only. */
function layer(rel: string): number {
  if (rel === 'app' || rel === 'cli' || rel.startsWith('demo/') || rel.startsWith('init/') || rel === 'backup') return 4;
  if (rel.startsWith('server/')) return 3;
  if (rel.startsWith('services/') || rel === 'platform') return 2;
  return 1; // protocols, store, mail, and the small shared modules at the top of src/
}

describe('import direction', () => {
  const files = sourceFiles(SRC);

  it('finds the source tree', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(files.some((f) => f.endsWith(path.join('src', 'app.ts')))).toBe(true);
  });

  it('no module imports from a layer above its own', () => {
    const upward: string[] = [];
    for (const f of files) {
      const from = path.relative(SRC, f).replace(/\.ts$/, '');
      for (const to of importsOf(f)) if (layer(to) > layer(from)) upward.push(`${from} → ${to}`);
    }
    expect(upward).toEqual([]);
  });

  it('the check itself sees an upward import', () => {
    expect(layer('services/s3/index') < layer('server/edge')).toBe(true);
    expect(layer('protocols/http') < layer('services/types')).toBe(true);
  });

  it('wire formats and the store know no service', () => {
    const offenders = files
      .filter((f) => /[/\\]src[/\\](protocols|store|mail)[/\\]/.test(f))
      .flatMap((f) => importsOf(f).filter((to) => to.startsWith('services/')).map((to) => `${path.relative(SRC, f)} → ${to}`));
    expect(offenders).toEqual([]);
  });
});
