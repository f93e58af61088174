/**
 * Deployment packages: a .zip checked against AWS's limits and unpacked safely. Inflation runs
 * on fflate's worker threads, bounded by the sizes the archive declares (fflate inflates into
 * buffers of exactly that size), so a zip bomb costs at most the declared 250 MB we allow;
 * entry names that would leave the code directory (zip-slip) are refused.
 * @module
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { unzip } from 'fflate';
import { ServiceError } from '../../errors.js';

/** AWS: 50 MB zipped for a direct upload (we take less in a request body, see index.ts). */
export const MAX_ZIPPED_BYTES = 50 * 1024 * 1024;
/** AWS: "Unzipped size must be smaller than 262144000 bytes". */
export const MAX_UNZIPPED_BYTES = 262_144_000;
const MAX_ENTRIES = 20_000;

const unzipError = (): ServiceError =>
  new ServiceError('InvalidParameterValueException', 'Could not unzip uploaded file. Please check your file, then try to upload again.', 400);

/** AWS's CodeSha256: base64 of the package's SHA-256. */
export function codeSha256(zip: Uint8Array): string {
  return createHash('sha256').update(zip).digest('base64');
}

/** A relative, normalised name inside the package, or undefined when it would escape it. */
function safeName(name: string): string | undefined {
  if (name.includes('\0') || name.includes('\\') || name.startsWith('/') || /^[a-zA-Z]:/.test(name)) return undefined;
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) return undefined;
  return parts.join('/');
}

/** Unpacks the package into memory: files by safe relative name. Throws AWS's errors. */
export async function unpack(zip: Uint8Array): Promise<Map<string, Uint8Array>> {
  if (zip.length > MAX_ZIPPED_BYTES) {
    throw new ServiceError('RequestEntityTooLargeException', `Zipped size must be smaller than ${MAX_ZIPPED_BYTES} bytes`, 413);
  }
  let declared = 0;
  let entries = 0;
  let bad: ServiceError | undefined;
  const files = await new Promise<Record<string, Uint8Array>>((resolve, reject) => {
    try {
      unzip(
        zip,
        {
          filter: (f) => {
            entries++;
            declared += f.originalSize;
            if (entries > MAX_ENTRIES || declared > MAX_UNZIPPED_BYTES) {
              bad ??= new ServiceError('InvalidParameterValueException', `Unzipped size must be smaller than ${MAX_UNZIPPED_BYTES} bytes`, 400);
              return false;
            }
            if (f.name.endsWith('/')) return false;
            if (safeName(f.name) === undefined) {
              bad ??= unzipError();
              return false;
            }
            return f.compression === 0 || f.compression === 8;
          },
        },
        (err, data) => (err === null ? resolve(data) : reject(err)),
      );
    } catch (err) {
      reject(err as Error);
    }
  }).catch(() => {
    throw unzipError();
  });
  if (bad !== undefined) throw bad;
  const out = new Map<string, Uint8Array>();
  for (const [name, data] of Object.entries(files)) out.set(safeName(name)!, data);
  return out;
}

/** Writes unpacked files under `dir` (created); each path is checked to stay inside it. */
export async function writeTree(dir: string, files: ReadonlyMap<string, Uint8Array>): Promise<void> {
  const root = path.resolve(dir);
  await fs.mkdir(root, { recursive: true, mode: 0o700 });
  for (const [name, data] of files) {
    const target = path.resolve(root, name);
    if (!target.startsWith(root + path.sep)) throw unzipError();
    await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
    await fs.writeFile(target, data, { mode: 0o600 });
  }
}
