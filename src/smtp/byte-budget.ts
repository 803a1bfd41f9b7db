// The cap on message bytes in flight (being received, parsed or stored) over all SMTP
// connections. Each message takes its bytes as they arrive and gives them back once its
// delivery has settled; a message that would pass the cap is refused with a temporary error,
// so a crowd of big senders waits and retries instead of growing the process without bound.
export class ByteBudget {
  readonly limit: number;
  #used = 0;

  constructor(limit: number) {
    this.limit = limit;
  }

  /** Takes `bytes` if they fit under the limit; false (and nothing taken) otherwise. */
  tryTake(bytes: number): boolean {
    if (this.#used + bytes > this.limit) return false;
    this.#used += bytes;
    return true;
  }

  /** Whether `bytes` more would fit right now (nothing is taken). */
  fits(bytes: number): boolean {
    return this.#used + bytes <= this.limit;
  }

  give(bytes: number): void {
    this.#used = Math.max(0, this.#used - bytes);
  }
}
