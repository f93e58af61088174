/**
 * The last denied requests this node decided, kept in memory for the console's "Access
 * decisions" page: who, what, on which resource, and the statement or policy type that decided
 * (the explanation AWS never gives). Bounded: the oldest goes first. Nothing secret is kept —
 * principals, actions and resources are what the request named, never keys or tokens.
 * @module
 */
export interface Denial {
  time: string;
  principal: string;
  action: string;
  resource: string;
  decision: string;
  decidedBy: string;
  policyType: string;
}

export class DenialLog {
  readonly #items: Denial[] = [];

  constructor(private readonly max = 200) {}

  add(d: Denial): void {
    this.#items.push(d);
    if (this.#items.length > this.max) this.#items.shift();
  }

  /** Newest first. */
  recent(limit = this.max): Denial[] {
    return this.#items.slice(-Math.max(1, Math.min(limit, this.max))).reverse();
  }
}
