/**
 * The checksums S3 computes over object bytes while they stream: MD5 (the ETag), and the
 * flexible checksums (CRC32, CRC32C, SHA1, SHA256) that current SDKs send by default. CRC32
 * is zlib's native one; CRC32C is a slicing-by-8 table implementation (the packaged one is
 * byte-at-a-time and ~20× slower).
 * @module
 */
import { createHash, type Hash } from 'node:crypto';
import zlib from 'node:zlib';

export type ChecksumAlgorithm = 'CRC32' | 'CRC32C' | 'SHA1' | 'SHA256';
export const CHECKSUM_ALGORITHMS: readonly ChecksumAlgorithm[] = ['CRC32', 'CRC32C', 'SHA1', 'SHA256'];

/** `x-amz-checksum-crc32` → CRC32, … */
export function algorithmFromHeader(name: string): ChecksumAlgorithm | undefined {
  switch (name.toLowerCase()) {
    case 'x-amz-checksum-crc32':
      return 'CRC32';
    case 'x-amz-checksum-crc32c':
      return 'CRC32C';
    case 'x-amz-checksum-sha1':
      return 'SHA1';
    case 'x-amz-checksum-sha256':
      return 'SHA256';
    default:
      return undefined;
  }
}

export function headerFor(alg: ChecksumAlgorithm): string {
  return `x-amz-checksum-${alg.toLowerCase()}`;
}

const nativeCrc32 = (zlib as unknown as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

function sliceTables(poly: number): Uint32Array[] {
  const tables: Uint32Array[] = [];
  const t0 = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
    t0[i] = c >>> 0;
  }
  tables.push(t0);
  for (let t = 1; t < 8; t++) {
    const prev = tables[t - 1]!;
    const cur = new Uint32Array(256);
    for (let i = 0; i < 256; i++) cur[i] = ((prev[i]! >>> 8) ^ t0[prev[i]! & 0xff]!) >>> 0;
    tables.push(cur);
  }
  return tables;
}

const CRC32C_TABLES = sliceTables(0x82f63b78);
let crc32Tables: Uint32Array[] | undefined;

/** Slicing-by-8 table CRC, continuing from `crc` (0 to start). */
function tableCrc(tables: Uint32Array[], data: Uint8Array, crc: number): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = tables as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];
  let c = ~crc >>> 0;
  let i = 0;
  const n = data.length;
  const end8 = n - (n % 8);
  while (i < end8) {
    const a = (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)) ^ c;
    c =
      t7[a & 0xff]! ^
      t6[(a >>> 8) & 0xff]! ^
      t5[(a >>> 16) & 0xff]! ^
      t4[a >>> 24]! ^
      t3[data[i + 4]!]! ^
      t2[data[i + 5]!]! ^
      t1[data[i + 6]!]! ^
      t0[data[i + 7]!]!;
    i += 8;
  }
  while (i < n) c = t0[(c ^ data[i++]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** CRC32C (Castagnoli), continuing from `crc` (0 to start). */
export function crc32c(data: Uint8Array, crc = 0): number {
  return tableCrc(CRC32C_TABLES, data, crc);
}

/** CRC32 (ISO-HDLC, zlib's), native where Node.js has zlib.crc32 (20.15+). */
export function crc32(data: Uint8Array, crc = 0): number {
  if (nativeCrc32 !== undefined) return nativeCrc32(data, crc);
  crc32Tables ??= sliceTables(0xedb88320);
  return tableCrc(crc32Tables, data, crc);
}

/** A running checksum of one algorithm; `digest` is base64 as S3 writes it. */
export interface Checksum {
  update(data: Uint8Array): void;
  digest(): string;
}

class CrcChecksum implements Checksum {
  #crc = 0;
  constructor(private readonly castagnoli: boolean) {}
  update(data: Uint8Array): void {
    this.#crc = this.castagnoli ? crc32c(data, this.#crc) : crc32(data, this.#crc);
  }
  digest(): string {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(this.#crc >>> 0);
    return b.toString('base64');
  }
}

class HashChecksum implements Checksum {
  readonly #h: Hash;
  constructor(alg: 'sha1' | 'sha256') {
    this.#h = createHash(alg);
  }
  update(data: Uint8Array): void {
    this.#h.update(data);
  }
  digest(): string {
    return this.#h.digest('base64');
  }
}

export function newChecksum(alg: ChecksumAlgorithm): Checksum {
  switch (alg) {
    case 'CRC32':
      return new CrcChecksum(false);
    case 'CRC32C':
      return new CrcChecksum(true);
    case 'SHA1':
      return new HashChecksum('sha1');
    case 'SHA256':
      return new HashChecksum('sha256');
  }
}

/** The checksum of a whole small buffer. */
export function checksumOf(alg: ChecksumAlgorithm, data: Uint8Array): string {
  const c = newChecksum(alg);
  c.update(data);
  return c.digest();
}

/** Byte length of a decoded checksum, to reject values that cannot be one. */
export function checksumBytes(alg: ChecksumAlgorithm): number {
  return alg === 'SHA1' ? 20 : alg === 'SHA256' ? 32 : 4;
}
