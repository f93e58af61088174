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
  #frozenAt: number | undefined;

  now(): number {
    return this.#frozenAt ?? Date.now() + this.#offset;
  }

  /** Moves the clock forward (or back, with a negative amount). */
  advance(ms: number): void {
    if (this.#frozenAt !== undefined) this.#frozenAt += ms;
    else this.#offset += ms;
  }

  /**
   * Stops the clock where it is until `reset`; only `advance` moves it then. For tests whose
   * steps must not depend on how long a loaded machine takes between them.
   */
  freeze(): void {
    this.#frozenAt ??= this.now();
  }

  reset(): void {
    this.#offset = 0;
    this.#frozenAt = undefined;
  }
}
