/**
 * The console's server-side sessions: the credentials a person signed in with stay here, in
 * memory, and the browser holds only a random id (an HttpOnly cookie) and a CSRF token bound to
 * that id. Sessions end when idle or at an absolute age, whichever comes first, and on sign-out.
 * @module
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';

export interface ConsoleCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface ConsoleSession {
  readonly id: string;
  readonly csrf: string;
  readonly arn: string;
  readonly credentials: ConsoleCredentials;
  readonly created: number;
  lastUsed: number;
}

export interface SessionLimits {
  idleMs: number;
  absoluteMs: number;
  /** Bound on live sessions: the oldest goes first, so sign-ins cannot exhaust memory. */
  max: number;
}

export const DEFAULT_LIMITS: SessionLimits = { idleMs: 30 * 60_000, absoluteMs: 8 * 3600_000, max: 1000 };

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class ConsoleSessions {
  readonly #sessions = new Map<string, ConsoleSession>();

  constructor(
    private readonly now: () => number = Date.now,
    readonly limits: SessionLimits = DEFAULT_LIMITS,
  ) {}

  open(arn: string, credentials: ConsoleCredentials): ConsoleSession {
    while (this.#sessions.size >= this.limits.max) {
      const oldest = this.#sessions.keys().next().value;
      if (oldest === undefined) break;
      this.#sessions.delete(oldest);
    }
    const t = this.now();
    const s: ConsoleSession = { id: randomBytes(32).toString('base64url'), csrf: randomBytes(32).toString('base64url'), arn, credentials, created: t, lastUsed: t };
    this.#sessions.set(s.id, s);
    return s;
  }

  /** The live session this id names (touching it), or undefined when unknown or expired. */
  get(id: string | undefined): ConsoleSession | undefined {
    if (id === undefined) return undefined;
    const s = this.#sessions.get(id);
    if (s === undefined) return undefined;
    const t = this.now();
    if (t - s.lastUsed > this.limits.idleMs || t - s.created > this.limits.absoluteMs) {
      this.#sessions.delete(id);
      return undefined;
    }
    s.lastUsed = t;
    return s;
  }

  /** A state change needs the token issued with this session, compared in constant time. */
  checkCsrf(s: ConsoleSession, token: string | undefined): boolean {
    return token !== undefined && equal(token, s.csrf);
  }

  close(id: string): void {
    this.#sessions.delete(id);
  }
}
