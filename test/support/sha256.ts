/**
 * The SDK signer's hash interface (@smithy/signature-v4 `sha256` option) over node:crypto.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';

type Data = string | ArrayBuffer | ArrayBufferView;

function bytes(d: ArrayBuffer | ArrayBufferView): Uint8Array {
  return d instanceof ArrayBuffer ? new Uint8Array(d) : new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

export class Sha256 {
  readonly #h: Hash | Hmac;
  constructor(secret?: Data) {
    this.#h = secret === undefined ? createHash('sha256') : createHmac('sha256', typeof secret === 'string' ? secret : bytes(secret));
  }
  update(data: Data): void {
    this.#h.update(typeof data === 'string' ? data : bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.#h.digest()));
  }
}
