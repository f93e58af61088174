/**
 * KMS's ciphertext blobs. AWS's are opaque and carry the key they were made under, so that
 * Decrypt needs no KeyId; Gatehouse's are its own: version byte, the key's UUID (16 bytes),
 * a 12-byte IV, the 16-byte GCM tag, then AES-256-GCM ciphertext. The encryption context is
 * authenticated (AAD, canonical: keys sorted), never stored: Decrypt must be given the same.
 * @module
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 1;
const HEADER = 1 + 16 + 12 + 16;

const uuidBytes = (id: string): Buffer => Buffer.from(id.replaceAll('-', ''), 'hex');
const uuidText = (b: Buffer): string => {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};

function aad(keyId: string, context: Readonly<Record<string, string>> | undefined): Buffer {
  const entries = Object.entries(context ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Buffer.from(JSON.stringify([keyId, entries]), 'utf8');
}

export function seal(keyId: string, material: Buffer, plaintext: Uint8Array, context: Readonly<Record<string, string>> | undefined): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', material, iv);
  cipher.setAAD(aad(keyId, context));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), uuidBytes(keyId), iv, cipher.getAuthTag(), body]);
}

/** The key a blob names, or undefined for a blob Gatehouse did not make. */
export function keyOf(blob: Uint8Array): string | undefined {
  if (blob.length < HEADER || blob[0] !== VERSION) return undefined;
  return uuidText(Buffer.from(blob.subarray(1, 17)));
}

/** The plaintext, or undefined when the blob, key or context does not match. */
export function open(keyId: string, material: Buffer, blob: Uint8Array, context: Readonly<Record<string, string>> | undefined): Buffer | undefined {
  const b = Buffer.from(blob);
  try {
    const decipher = createDecipheriv('aes-256-gcm', material, b.subarray(17, 29), { authTagLength: 16 });
    decipher.setAAD(aad(keyId, context));
    decipher.setAuthTag(b.subarray(29, HEADER));
    return Buffer.concat([decipher.update(b.subarray(HEADER)), decipher.final()]);
  } catch {
    return undefined;
  }
}
