/**
 * IP addresses and CIDR blocks for IpAddress/NotIpAddress: IPv4 as a 32-bit number, IPv6 as
 * a 128-bit bigint. A bare address in a policy is a /32 (or /128) block, as AWS reads it.
 * @module
 */
import { isIPv4, isIPv6 } from 'node:net';

export interface Ip {
  v6: boolean;
  /** IPv4: 0..2^32-1; IPv6: 0..2^128-1. */
  value: bigint | number;
}

export interface Cidr {
  v6: boolean;
  network: bigint | number;
  bits: number;
}

function v4(s: string): number {
  const [a, b, c, d] = s.split('.').map(Number) as [number, number, number, number];
  return ((a << 24) >>> 0) + (b << 16) + (c << 8) + d;
}

function v6(s: string): bigint {
  let text = s;
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hextets.
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const n = v4(tail);
    text = `${text.slice(0, lastColon + 1)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const hs = head === '' ? [] : head.split(':');
  const ts = rest === undefined || rest === '' ? [] : rest.split(':');
  const fill = rest === undefined ? [] : new Array<string>(8 - hs.length - ts.length).fill('0');
  let out = 0n;
  for (const h of [...hs, ...fill, ...ts]) out = (out << 16n) | BigInt(parseInt(h, 16));
  return out;
}

let lastText: string | undefined;
let lastIp: Ip | undefined;

/** Parses an address; the last one is remembered, as one request's source IP is tested repeatedly. */
export function parseIp(s: string): Ip | undefined {
  if (s === lastText) return lastIp;
  const ip = parseIpUncached(s);
  lastText = s;
  lastIp = ip;
  return ip;
}

function parseIpUncached(s: string): Ip | undefined {
  if (isIPv4(s)) return { v6: false, value: v4(s) };
  const zone = s.indexOf('%');
  const bare = zone < 0 ? s : s.slice(0, zone);
  if (isIPv6(bare)) return { v6: true, value: v6(bare) };
  return undefined;
}

export function parseCidr(s: string): Cidr | undefined {
  const slash = s.indexOf('/');
  const ip = parseIpUncached(slash < 0 ? s.trim() : s.slice(0, slash).trim());
  if (ip === undefined) return undefined;
  const max = ip.v6 ? 128 : 32;
  const bitsText = slash < 0 ? String(max) : s.slice(slash + 1).trim();
  if (!/^\d{1,3}$/.test(bitsText)) return undefined;
  const bits = Number(bitsText);
  if (bits > max) return undefined;
  return { v6: ip.v6, network: mask(ip, bits), bits };
}

function mask(ip: Ip, bits: number): bigint | number {
  if (ip.v6) {
    const m = bits === 0 ? 0n : ((1n << BigInt(bits)) - 1n) << BigInt(128 - bits);
    return (ip.value as bigint) & m;
  }
  const m = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return ((ip.value as number) & m) >>> 0;
}

export function inCidr(ip: Ip, cidr: Cidr): boolean {
  if (ip.v6 !== cidr.v6) return false;
  return mask(ip, cidr.bits) === cidr.network;
}
