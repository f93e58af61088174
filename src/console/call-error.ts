/** A console call that AWS answered with an error: its status, code and message, shown as they are. */
export class ConsoleCallError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
