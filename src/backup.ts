/**
 * `gatehouse backup DIR` and `gatehouse restore DIR`: a consistent copy of a data dir while the
 * server keeps running, and its restore into an empty data dir.
 *
 * Consistency: the database is copied with `VACUUM INTO`, one read transaction in SQLite (WAL
 * readers do not block the server's writers), so the copy is the database as of one instant.
 * Object bytes live in files named by blob id that are written once (temp file, then rename) and
 * never changed, only removed when nothing refers to them any more. So the blobs are linked (or
 * copied, across file systems) into the backup before the snapshot, and once more after it for
 * those created meanwhile; then every blob the snapshot refers to is checked to be there. A blob
 * written and removed again within that window makes the check fail, and the whole backup is taken
 * again (bounded). Keys and credentials (master key, root credentials) are copied as files.
 * @module
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { referencedBlobs } from './services/s3/store.js';
import { SqliteDatabase } from './store/sqlite.js';

const DB_FILE = 'gatehouse.db';
const MANIFEST = 'gatehouse-backup.json';
const ATTEMPTS = 5;

export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupError';
  }
}

export interface Manifest {
  format: 1;
  createdAt: string;
  version: string;
  files: Record<string, string>;
  blobs: number;
}

function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Links `from` to `to`, or copies it when linking is not possible; false when `from` is gone. */
function linkOrCopy(from: string, to: string): boolean {
  try {
    fs.linkSync(from, to);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return false;
    if (code === 'EEXIST') return true;
    try {
      fs.copyFileSync(from, to, fs.constants.COPYFILE_EXCL);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
  }
}

function linkBlobs(objects: string, into: string): void {
  if (!fs.existsSync(objects)) return;
  for (const name of fs.readdirSync(objects)) linkOrCopy(path.join(objects, name), path.join(into, name));
}

/** The blob ids a database file (a backup's copy) refers to. */
async function blobsReferencedBy(file: string): Promise<Set<string>> {
  const db = new SqliteDatabase(file);
  try {
    return await referencedBlobs(db);
  } finally {
    await db.close();
  }
}

/** Takes a consistent backup of the data dir `dataDir` into `dir` (which must be new or empty). */
export async function backup(dataDir: string, dir: string, version: string): Promise<Manifest> {
  const db = path.join(dataDir, DB_FILE);
  if (!fs.existsSync(db)) throw new BackupError(`${dataDir} holds no Gatehouse database (${DB_FILE})`);
  if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) throw new BackupError(`${dir} is not empty`);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    for (const e of fs.readdirSync(dir)) fs.rmSync(path.join(dir, e), { recursive: true, force: true });
    const objects = path.join(dataDir, 's3', 'objects');
    const blobDir = path.join(dir, 's3', 'objects');
    fs.mkdirSync(blobDir, { recursive: true, mode: 0o700 });
    linkBlobs(objects, blobDir);

    const source = new SqliteDatabase(db);
    try {
      source.exec(`VACUUM INTO '${path.join(dir, DB_FILE).replace(/'/g, "''")}'`);
    } finally {
      await source.close();
    }
    linkBlobs(objects, blobDir);

    const wanted = await blobsReferencedBy(path.join(dir, DB_FILE));
    const missing = [...wanted].filter((b) => !fs.existsSync(path.join(blobDir, b)));
    if (missing.length > 0) continue;
    // Blobs nothing refers to (removed since, or never committed) are not part of the backup.
    for (const name of fs.readdirSync(blobDir)) if (!wanted.has(name)) fs.rmSync(path.join(blobDir, name));

    const files: Record<string, string> = {};
    for (const e of fs.readdirSync(dataDir, { withFileTypes: true })) {
      if (!e.isFile() || e.name.startsWith(DB_FILE)) continue;
      fs.copyFileSync(path.join(dataDir, e.name), path.join(dir, e.name));
      fs.chmodSync(path.join(dir, e.name), fs.statSync(path.join(dataDir, e.name)).mode & 0o777);
    }
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (e.isFile()) files[e.name] = sha256(path.join(dir, e.name));
    const manifest: Manifest = { format: 1, createdAt: new Date().toISOString(), version, files, blobs: wanted.size };
    fs.writeFileSync(path.join(dir, MANIFEST), JSON.stringify(manifest, null, 2) + '\n', { mode: 0o600 });
    return manifest;
  }
  throw new BackupError(`objects kept changing under the backup: ${ATTEMPTS} attempts found blobs removed before they were copied`);
}

/** Restores the backup in `dir` into the empty (or new) data dir `dataDir`, checking it first. */
export async function restore(dir: string, dataDir: string): Promise<Manifest> {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(dir, MANIFEST), 'utf8')) as Manifest;
  } catch {
    throw new BackupError(`${dir} is not a Gatehouse backup (no readable ${MANIFEST})`);
  }
  if (manifest.format !== 1) throw new BackupError(`${dir}: backup format ${String(manifest.format)} is not known to this version`);
  for (const [name, hash] of Object.entries(manifest.files)) {
    if (name.includes('/') || name.includes('\\') || name.startsWith('.')) throw new BackupError(`${dir}: the manifest names an unsafe file "${name}"`);
    const file = path.join(dir, name);
    if (!fs.existsSync(file) || sha256(file) !== hash) throw new BackupError(`${dir}: ${name} is missing or does not match the manifest`);
  }
  if (fs.existsSync(dataDir) && fs.readdirSync(dataDir).length > 0) throw new BackupError(`${dataDir} is not empty: restore only into an empty data dir`);
  const wanted = await blobsReferencedBy(path.join(dir, DB_FILE));
  const missing = [...wanted].filter((b) => !fs.existsSync(path.join(dir, 's3', 'objects', b)));
  if (missing.length > 0) throw new BackupError(`${dir}: ${missing.length} object files the database refers to are missing`);

  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const blobDir = path.join(dataDir, 's3', 'objects');
  fs.mkdirSync(blobDir, { recursive: true, mode: 0o700 });
  for (const b of wanted) fs.copyFileSync(path.join(dir, 's3', 'objects', b), path.join(blobDir, b));
  for (const name of Object.keys(manifest.files)) {
    fs.copyFileSync(path.join(dir, name), path.join(dataDir, name));
    fs.chmodSync(path.join(dataDir, name), 0o600);
  }
  return manifest;
}
