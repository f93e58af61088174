/**
 * A fast Cognito SRP client for load generation: the same math as amazon-cognito-identity-js
 * (so the server cannot tell the difference), with the exponentiations in OpenSSL and g^x
 * cached per user, so that the client is not what limits a benchmark. Written apart from the
 * server's srp.ts on purpose: a client sharing the server's helpers could not catch their mistakes.
 */
import { createDiffieHellman, createHash, createHmac, getDiffieHellman, randomBytes } from 'node:crypto';

const N_BYTES = getDiffieHellman('modp15').getPrime();
const N = toBig(N_BYTES);
const G = Buffer.from([2]);
const dh = createDiffieHellman(N_BYTES, G);
const K = toBig(sha256(pad(N_BYTES), pad(G)));
const INFO = Buffer.concat([Buffer.from('Caldera Derived Key'), Buffer.from([1])]);
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

function toBig(b: Uint8Array): bigint {
  return b.length === 0 ? 0n : BigInt(`0x${Buffer.from(b).toString('hex')}`);
}
function fromBig(n: bigint, len = 384): Buffer {
  return Buffer.from(n.toString(16).padStart(len * 2, '0'), 'hex');
}
function pad(b: Uint8Array): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  const x = Buffer.from(b.subarray(i));
  return (x[0]! & 0x80) !== 0 ? Buffer.concat([Buffer.from([0]), x]) : x;
}
function sha256(...parts: Uint8Array[]): Buffer {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}
function modPow(base: Buffer, exp: Buffer): Buffer {
  dh.setPrivateKey(exp);
  return dh.computeSecret(base);
}
function hexBuf(hex: string): Buffer {
  return fromBig(BigInt(`0x${hex}`));
}

export function timestamp(ms = Date.now()): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}

export interface SrpStart {
  a: Buffer;
  /** SRP_A as hex. */
  A: string;
}

export function start(): SrpStart {
  const a = randomBytes(32);
  const A = modPow(G, a);
  return { a, A: A.toString('hex') };
}

const gxCache = new Map<string, { x: bigint; gx: bigint }>();

/** PASSWORD_VERIFIER's responses for a challenge. */
export function respond(
  poolName: string,
  s: SrpStart,
  params: { SRP_B: string; SALT: string; SECRET_BLOCK: string; USER_ID_FOR_SRP: string },
  password: string,
): Record<string, string> {
  const user = params.USER_ID_FOR_SRP;
  const B = hexBuf(params.SRP_B);
  const Abuf = Buffer.from(s.A, 'hex');
  const u = toBig(sha256(pad(Abuf), pad(B)));
  const cacheKey = `${poolName}\0${user}\0${params.SALT}\0${password}`;
  let cached = gxCache.get(cacheKey);
  if (cached === undefined) {
    const xBuf = sha256(pad(Buffer.from(params.SALT.length % 2 ? `0${params.SALT}` : params.SALT, 'hex')), sha256(Buffer.from(`${poolName}${user}:${password}`)));
    cached = { x: toBig(xBuf), gx: toBig(modPow(G, xBuf)) };
    gxCache.set(cacheKey, cached);
  }
  const base = (((toBig(B) - K * cached.gx) % N) + N) % N;
  const exp = toBig(s.a) + u * cached.x;
  const S = modPow(fromBig(base), Buffer.from(exp.toString(16).padStart(Math.ceil(exp.toString(16).length / 2) * 2, '0'), 'hex'));
  const prk = createHmac('sha256', pad(fromBig(u, 32))).update(pad(S)).digest();
  const key = createHmac('sha256', prk).update(INFO).digest().subarray(0, 16);
  const ts = timestamp();
  const sig = createHmac('sha256', key)
    .update(Buffer.from(poolName))
    .update(Buffer.from(user))
    .update(Buffer.from(params.SECRET_BLOCK, 'base64'))
    .update(Buffer.from(ts))
    .digest('base64');
  return { USERNAME: user, PASSWORD_CLAIM_SECRET_BLOCK: params.SECRET_BLOCK, TIMESTAMP: ts, PASSWORD_CLAIM_SIGNATURE: sig };
}
