/**
 * Bundles the web console (src/console/ui/, Preact) with esbuild into dist/console/: one
 * app.js and one app.css, served by Gatehouse itself, so nothing is fetched from a CDN at run time.
 * Each also gzipped once here (.gz beside it), so the server sends a third of the bytes to every
 * browser that accepts gzip without compressing on each request.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

export async function buildConsole(root) {
  const { build } = await import('esbuild');
  const out = path.join(root, 'dist', 'console');
  fs.mkdirSync(out, { recursive: true });
  await build({
    entryPoints: [path.join(root, 'src', 'console', 'ui', 'main.ts')],
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    outfile: path.join(out, 'app.js'),
    logLevel: 'warning',
  });
  fs.copyFileSync(path.join(root, 'src', 'console', 'ui', 'app.css'), path.join(out, 'app.css'));
  for (const file of ['app.js', 'app.css']) {
    fs.writeFileSync(path.join(out, `${file}.gz`), zlib.gzipSync(fs.readFileSync(path.join(out, file)), { level: 9 }));
  }
}
