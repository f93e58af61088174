/**
 * S3's metadata: buckets (with their configuration documents), objects, multipart uploads and
 * parts. Object bytes live in the blob store; a row here is what makes an object visible.
 *
 * Keys sort as UTF-8 bytes, as S3 lists them: SQLite's BINARY collation on TEXT compares the
 * UTF-8 bytes; on PostgreSQL the key columns need `COLLATE "C"` for the same order.
 * @module
 */
import type { Database, Schema, Sql } from '../../store/database.js';
import { RowCache } from '../../store/row-cache.js';
import { S3Errors } from './errors.js';

export const s3Schema: Schema = {
  component: 's3',
  migrations: [
    {
      version: 1,
      description: 'buckets, objects, multipart uploads and parts',
      sql: `
CREATE TABLE s3_buckets (
  name TEXT PRIMARY KEY,
  region TEXT NOT NULL,
  owner_account TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  acl TEXT NOT NULL,
  object_ownership TEXT,
  public_access_block TEXT,
  policy TEXT,
  cors TEXT,
  website TEXT
);
-- key: compared as UTF-8 bytes (PostgreSQL: COLLATE "C").
CREATE TABLE s3_objects (
  bucket TEXT NOT NULL,
  key TEXT NOT NULL,
  blob TEXT NOT NULL,
  size BIGINT NOT NULL,
  etag TEXT NOT NULL,
  last_modified BIGINT NOT NULL,
  content_type TEXT,
  content_encoding TEXT,
  content_disposition TEXT,
  content_language TEXT,
  cache_control TEXT,
  expires TEXT,
  website_redirect TEXT,
  metadata TEXT,
  acl TEXT NOT NULL,
  checksum_algorithm TEXT,
  checksum_value TEXT,
  checksum_type TEXT,
  parts_count INTEGER,
  storage_class TEXT NOT NULL,
  PRIMARY KEY (bucket, key)
);
CREATE TABLE s3_uploads (
  upload_id TEXT PRIMARY KEY,
  bucket TEXT NOT NULL,
  key TEXT NOT NULL,
  initiated BIGINT NOT NULL,
  headers TEXT NOT NULL,
  acl TEXT NOT NULL,
  checksum_algorithm TEXT,
  checksum_type TEXT,
  storage_class TEXT NOT NULL,
  initiator TEXT NOT NULL
);
CREATE INDEX s3_uploads_by_key ON s3_uploads (bucket, key, initiated);
CREATE TABLE s3_parts (
  upload_id TEXT NOT NULL,
  part_number INTEGER NOT NULL,
  blob TEXT NOT NULL,
  size BIGINT NOT NULL,
  etag TEXT NOT NULL,
  checksum_value TEXT,
  last_modified BIGINT NOT NULL,
  PRIMARY KEY (upload_id, part_number)
);
`,
    },
    {
      version: 2,
      description: 'part sizes of multipart objects, for GET ?partNumber',
      sql: 'ALTER TABLE s3_objects ADD COLUMN part_sizes TEXT;',
    },
    {
      version: 3,
      description: 'the multipart upload that made an object, so a retried CompleteMultipartUpload gets the first answer',
      sql: 'ALTER TABLE s3_objects ADD COLUMN upload_id TEXT;',
    },
  ],
};

export interface BucketRow {
  name: string;
  region: string;
  owner_account: string;
  created_at: number;
  /** Canned ACL: private | public-read | public-read-write | authenticated-read. */
  acl: string;
  /** BucketOwnerEnforced | BucketOwnerPreferred | ObjectWriter, or null when removed. */
  object_ownership: string | null;
  /** JSON {BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets}, or null. */
  public_access_block: string | null;
  policy: string | null;
  /** JSON list of CORS rules. */
  cors: string | null;
  /** JSON website configuration. */
  website: string | null;
}

export interface ObjectRow {
  bucket: string;
  key: string;
  blob: string;
  size: number;
  etag: string;
  last_modified: number;
  content_type: string | null;
  content_encoding: string | null;
  content_disposition: string | null;
  content_language: string | null;
  cache_control: string | null;
  expires: string | null;
  website_redirect: string | null;
  /** JSON object of user metadata (names lower-case, without x-amz-meta-), or null when none. */
  metadata: string | null;
  acl: string;
  checksum_algorithm: string | null;
  checksum_value: string | null;
  checksum_type: string | null;
  parts_count: number | null;
  /** JSON list of a multipart object's part sizes, in order (null for single-part objects). */
  part_sizes: string | null;
  storage_class: string;
  /** The multipart upload that made the object (a retried completion is answered from it); null otherwise. */
  upload_id?: string | null;
}

export interface ListedObject {
  key: string;
  size: number;
  etag: string;
  last_modified: number;
  storage_class: string;
  checksum_algorithm: string | null;
  checksum_type: string | null;
}

export interface UploadRow {
  upload_id: string;
  bucket: string;
  key: string;
  initiated: number;
  /** JSON of the object headers given at CreateMultipartUpload (content-type, metadata, …). */
  headers: string;
  acl: string;
  checksum_algorithm: string | null;
  checksum_type: string | null;
  storage_class: string;
  initiator: string;
}

export interface PartRow {
  upload_id: string;
  part_number: number;
  blob: string;
  size: number;
  etag: string;
  checksum_value: string | null;
  last_modified: number;
}

const OBJECT_COLUMNS =
  'bucket, key, blob, size, etag, last_modified, content_type, content_encoding, content_disposition, content_language, cache_control, expires, website_redirect, metadata, acl, checksum_algorithm, checksum_value, checksum_type, parts_count, part_sizes, storage_class, upload_id';
const LIST_COLUMNS = 'key, size, etag, last_modified, storage_class, checksum_algorithm, checksum_type';

/**
 * An exclusive upper bound for keys starting with `prefix`: keys are at most 1024 UTF-8 bytes,
 * and U+10FFFF is the largest code point (F4 8F BF BF), so 257 of them sort after any key.
 */
export function prefixEnd(prefix: string): string {
  return prefix + PREFIX_TAIL;
}
const PREFIX_TAIL = '\u{10FFFF}'.repeat(257);

/**
 * Bucket rows are read by every request: cached, and dropped on every node sharing the store
 * once a change to them has committed (the store's change notices, store/row-cache.ts).
 */
export class S3Store {
  readonly #buckets: RowCache<BucketRow | null>;

  constructor(private readonly db: Database) {
    this.#buckets = new RowCache(db.changes, 's3:buckets', db.shared);
  }

  async getBucket(name: string): Promise<BucketRow | undefined> {
    const row = await this.#buckets.read(name, async () => (await this.db.get<BucketRow>('SELECT * FROM s3_buckets WHERE name = ?', [name])) ?? null);
    return row ?? undefined;
  }

  listBuckets(): Promise<BucketRow[]> {
    return this.db.all<BucketRow>('SELECT * FROM s3_buckets ORDER BY name');
  }

  /** False when the name is taken. */
  async createBucket(b: BucketRow): Promise<boolean> {
    const r = await this.db.run(
      `INSERT INTO s3_buckets (name, region, owner_account, created_at, acl, object_ownership, public_access_block, policy, cors, website)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING`,
      [b.name, b.region, b.owner_account, b.created_at, b.acl, b.object_ownership, b.public_access_block, b.policy, b.cors, b.website],
    );
    if (r.changes === 1) await this.#buckets.changed(b.name);
    return r.changes === 1;
  }

  /** Deletes an empty bucket and its abandoned uploads; returns the part blobs to remove, or 'not-empty'. */
  async deleteBucket(name: string): Promise<string[] | 'not-empty' | 'missing'> {
    const result = await this.db.transaction(async (tx): Promise<string[] | 'not-empty' | 'missing'> => {
      const any = await tx.get('SELECT 1 AS x FROM s3_objects WHERE bucket = ? LIMIT 1', [name]);
      if (any !== undefined) return 'not-empty';
      const blobs = await tx.all<{ blob: string }>('SELECT p.blob FROM s3_parts p JOIN s3_uploads u ON u.upload_id = p.upload_id WHERE u.bucket = ?', [name]);
      await tx.run('DELETE FROM s3_parts WHERE upload_id IN (SELECT upload_id FROM s3_uploads WHERE bucket = ?)', [name]);
      await tx.run('DELETE FROM s3_uploads WHERE bucket = ?', [name]);
      const r = await tx.run('DELETE FROM s3_buckets WHERE name = ?', [name]);
      return r.changes === 0 ? 'missing' : blobs.map((b) => b.blob);
    });
    await this.#buckets.changed(name);
    return result;
  }

  /** Sets one configuration column (acl, object_ownership, public_access_block, policy, cors, website). */
  async setBucketConfig(name: string, column: BucketConfigColumn, value: string | null): Promise<void> {
    await this.db.run(`UPDATE s3_buckets SET ${COLUMN_SQL[column]} = ? WHERE name = ?`, [value, name]);
    await this.#buckets.changed(name);
  }

  getObject(bucket: string, key: string): Promise<ObjectRow | undefined> {
    return this.db.get<ObjectRow>(`SELECT ${OBJECT_COLUMNS} FROM s3_objects WHERE bucket = ? AND key = ?`, [bucket, key]);
  }

  /**
   * Inserts or replaces an object; returns the blob it replaced (to remove after commit), or
   * false, writing nothing, when the bucket is gone (deleted while the body was arriving).
   * Without `tx`, writes that arrive together share one transaction (group commit): each
   * commit is a WAL write, and under load it is the largest part of a small PUT's store cost.
   */
  /**
   * Writes an object row; returns the blob it displaced, or false when the bucket is gone. With
   * a `condition` (a conditional write), the current object is checked in the same transaction
   * as the write, so two racing conditional writes cannot both succeed; a failed condition
   * writes nothing and is returned as `{ refused }`.
   */
  putObject(o: ObjectRow, tx?: Sql, condition?: WriteCondition): Promise<PutResult> {
    if (tx !== undefined) return this.#putOne(o, tx, condition);
    return new Promise((resolve, reject) => {
      this.#pendingPuts.push({ o, condition, resolve, reject });
      if (this.#pendingPuts.length === 1) setImmediate(() => void this.#flushPuts());
    });
  }

  readonly #pendingPuts: { o: ObjectRow; condition: WriteCondition | undefined; resolve: (old: PutResult) => void; reject: (err: unknown) => void }[] = [];

  async #flushPuts(): Promise<void> {
    const batch = this.#pendingPuts.splice(0);
    try {
      const replaced = await this.db.transaction(async (tx) => {
        const out: PutResult[] = [];
        for (const b of batch) out.push(await this.#putOne(b.o, tx, b.condition));
        return out;
      });
      batch.forEach((b, i) => b.resolve(replaced[i]));
    } catch (err) {
      for (const b of batch) b.reject(err);
    }
  }

  async #putOne(o: ObjectRow, s: Sql, condition?: WriteCondition): Promise<PutResult> {
    // One statement for all the questions: this is every PUT's path.
    const found = await s.get<{ blob: string | null; etag: string | null; bucket: number | null }>(
      'SELECT (SELECT blob FROM s3_objects WHERE bucket = ? AND key = ?) AS blob, (SELECT etag FROM s3_objects WHERE bucket = ? AND key = ?) AS etag, (SELECT 1 FROM s3_buckets WHERE name = ?) AS bucket',
      [o.bucket, o.key, o.bucket, o.key, o.bucket],
    );
    if (found?.bucket == null) return false;
    if (condition !== undefined) {
      const refused = conditionRefusal(condition, found.etag ?? undefined);
      if (refused !== undefined) return { refused };
    }
    await s.run(
      `INSERT INTO s3_objects (${OBJECT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (bucket, key) DO UPDATE SET blob = excluded.blob, size = excluded.size, etag = excluded.etag,
         last_modified = excluded.last_modified, content_type = excluded.content_type, content_encoding = excluded.content_encoding,
         content_disposition = excluded.content_disposition, content_language = excluded.content_language,
         cache_control = excluded.cache_control, expires = excluded.expires, website_redirect = excluded.website_redirect,
         metadata = excluded.metadata, acl = excluded.acl, checksum_algorithm = excluded.checksum_algorithm,
         checksum_value = excluded.checksum_value, checksum_type = excluded.checksum_type, parts_count = excluded.parts_count,
         part_sizes = excluded.part_sizes, storage_class = excluded.storage_class, upload_id = excluded.upload_id`,
      [
        o.bucket, o.key, o.blob, o.size, o.etag, o.last_modified, o.content_type, o.content_encoding, o.content_disposition,
        o.content_language, o.cache_control, o.expires, o.website_redirect, o.metadata, o.acl, o.checksum_algorithm,
        o.checksum_value, o.checksum_type, o.parts_count, o.part_sizes, o.storage_class, o.upload_id ?? null,
      ],
    );
    return found.blob !== null && found.blob !== o.blob ? found.blob : undefined;
  }

  async setObjectAcl(bucket: string, key: string, acl: string): Promise<boolean> {
    return (await this.db.run('UPDATE s3_objects SET acl = ? WHERE bucket = ? AND key = ?', [acl, bucket, key])).changes === 1;
  }

  /** Deletes an object; returns its blob, or undefined when there was none. */
  deleteObject(bucket: string, key: string): Promise<string | undefined> {
    return this.db.transaction(async (tx) => {
      const old = await tx.get<{ blob: string }>('SELECT blob FROM s3_objects WHERE bucket = ? AND key = ?', [bucket, key]);
      if (old === undefined) return undefined;
      await tx.run('DELETE FROM s3_objects WHERE bucket = ? AND key = ?', [bucket, key]);
      return old.blob;
    });
  }

  /**
   * Up to `limit` objects with keys in (after, end) in byte order; `after` is exclusive
   * (use '' to start at the beginning), `end` exclusive.
   */
  listObjects(bucket: string, after: string, start: string, end: string, limit: number): Promise<ListedObject[]> {
    return this.db.all<ListedObject>(
      `SELECT ${LIST_COLUMNS} FROM s3_objects WHERE bucket = ? AND key > ? AND key >= ? AND key < ? ORDER BY key LIMIT ?`,
      [bucket, after, start, end, limit],
    );
  }

  // Multipart uploads

  async createUpload(u: UploadRow): Promise<void> {
    await this.db.run(
      `INSERT INTO s3_uploads (upload_id, bucket, key, initiated, headers, acl, checksum_algorithm, checksum_type, storage_class, initiator)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [u.upload_id, u.bucket, u.key, u.initiated, u.headers, u.acl, u.checksum_algorithm, u.checksum_type, u.storage_class, u.initiator],
    );
  }

  getUpload(uploadId: string): Promise<UploadRow | undefined> {
    return this.db.get<UploadRow>('SELECT * FROM s3_uploads WHERE upload_id = ?', [uploadId]);
  }

  /** Records a part (replacing one with the same number); returns the replaced blob. False when the upload is gone. */
  putPart(p: PartRow): Promise<string | undefined | false> {
    return this.db.transaction(async (tx) => {
      const u = await tx.get('SELECT 1 AS x FROM s3_uploads WHERE upload_id = ?', [p.upload_id]);
      if (u === undefined) return false;
      const old = await tx.get<{ blob: string }>('SELECT blob FROM s3_parts WHERE upload_id = ? AND part_number = ?', [p.upload_id, p.part_number]);
      await tx.run(
        `INSERT INTO s3_parts (upload_id, part_number, blob, size, etag, checksum_value, last_modified) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (upload_id, part_number) DO UPDATE SET blob = excluded.blob, size = excluded.size, etag = excluded.etag,
           checksum_value = excluded.checksum_value, last_modified = excluded.last_modified`,
        [p.upload_id, p.part_number, p.blob, p.size, p.etag, p.checksum_value, p.last_modified],
      );
      return old?.blob;
    });
  }

  listParts(uploadId: string, afterPart: number, limit: number): Promise<PartRow[]> {
    return this.db.all<PartRow>('SELECT * FROM s3_parts WHERE upload_id = ? AND part_number > ? ORDER BY part_number LIMIT ?', [uploadId, afterPart, limit]);
  }

  /** Removes an upload and its parts; returns the part blobs, or undefined when there was no such upload. */
  deleteUpload(uploadId: string, tx?: Sql): Promise<string[] | undefined> {
    const run = async (s: Sql): Promise<string[] | undefined> => {
      const u = await s.get('SELECT 1 AS x FROM s3_uploads WHERE upload_id = ?', [uploadId]);
      if (u === undefined) return undefined;
      const blobs = await s.all<{ blob: string }>('SELECT blob FROM s3_parts WHERE upload_id = ?', [uploadId]);
      await s.run('DELETE FROM s3_parts WHERE upload_id = ?', [uploadId]);
      await s.run('DELETE FROM s3_uploads WHERE upload_id = ?', [uploadId]);
      return blobs.map((b) => b.blob);
    };
    return tx !== undefined ? run(tx) : this.db.transaction(run);
  }

  /**
   * Completes an upload atomically: the object row appears and the upload disappears together.
   * Undefined when the upload is gone; throws NoSuchBucket (changing nothing) when the bucket is.
   */
  completeUpload(uploadId: string, o: ObjectRow, condition?: WriteCondition): Promise<{ replaced: string | undefined; parts: string[] } | undefined> {
    return this.db.transaction(async (tx) => {
      const parts = await this.deleteUpload(uploadId, tx);
      if (parts === undefined) return undefined;
      const replaced = await this.putObject(o, tx, condition);
      if (replaced === false) throw S3Errors.noSuchBucket(o.bucket);
      // Thrown inside the transaction: the upload stays, to be completed again or aborted.
      if (typeof replaced === 'object') throw conditionError(replaced.refused, o.key);
      return { replaced, parts };
    });
  }

  /** Uploads in (key, initiated, upload id) order after the markers, for ListMultipartUploads. */
  listUploads(bucket: string, prefix: string, keyMarker: string, uploadIdMarker: string, limit: number): Promise<UploadRow[]> {
    return this.db.all<UploadRow>(
      `SELECT * FROM s3_uploads WHERE bucket = ? AND key >= ? AND key < ?
         AND (key > ? OR (key = ? AND upload_id > ?))
       ORDER BY key, initiated, upload_id LIMIT ?`,
      [bucket, prefix, prefixEnd(prefix), keyMarker, keyMarker, uploadIdMarker, limit],
    );
  }
}

/** A conditional write: If-Match (an ETag, or `*`) and If-None-Match (only `*`, as S3 allows). */
export interface WriteCondition {
  ifMatch?: string | undefined;
  ifNoneMatch?: boolean | undefined;
}

export type PutResult = string | undefined | false | { refused: 'If-Match' | 'If-None-Match' | 'NoSuchKey' };

/** Whether an If-Match / If-None-Match list names `etag` (quoted, bare, weak, or `*`). */
export function etagMatches(list: string, etag: string): boolean {
  for (const raw of list.split(',')) {
    const t = raw.trim();
    if (t === '*' || t === `"${etag}"` || t === etag || t === `W/"${etag}"`) return true;
  }
  return false;
}

/** The answer to a refused conditional write. */
export function conditionError(refused: 'If-Match' | 'If-None-Match' | 'NoSuchKey', key: string): Error {
  return refused === 'NoSuchKey' ? S3Errors.noSuchKey(key) : S3Errors.preconditionFailed(refused);
}

export function conditionRefusal(c: WriteCondition, etag: string | undefined): 'If-Match' | 'If-None-Match' | 'NoSuchKey' | undefined {
  if (c.ifNoneMatch === true && etag !== undefined) return 'If-None-Match';
  if (c.ifMatch !== undefined) {
    if (etag === undefined) return 'NoSuchKey';
    if (!etagMatches(c.ifMatch, etag)) return 'If-Match';
  }
  return undefined;
}

export type BucketConfigColumn = 'acl' | 'object_ownership' | 'public_access_block' | 'policy' | 'cors' | 'website';
const COLUMN_SQL: Record<BucketConfigColumn, string> = {
  acl: 'acl',
  object_ownership: 'object_ownership',
  public_access_block: 'public_access_block',
  policy: 'policy',
  cors: 'cors',
  website: 'website',
};

/** Every blob id the metadata refers to (objects and parts of open uploads): what a backup must hold. */
export async function referencedBlobs(db: Sql): Promise<Set<string>> {
  const rows = await db.all<{ blob: string }>('SELECT blob FROM s3_objects UNION SELECT blob FROM s3_parts');
  return new Set(rows.map((r) => r.blob));
}
