/**
 * The server's clock. Everything that expires (codes, tokens, credentials, signatures) reads
 * time here, so tests can move it instead of waiting.
 * @module
 */

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

export class AdjustableClock implements Clock {
  #offset = 0;

  now(): number {
    return Date.now() + this.#offset;
  }

  /** Moves the clock forward (or back, with a negative amount). */
  advance(ms: number): void {
    this.#offset += ms;
  }

  reset(): void {
    this.#offset = 0;
  }
}
