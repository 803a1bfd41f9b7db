// When a failed webhook delivery is tried again.

export const defaultBaseDelayMs = 10_000;
export const defaultMaxDelayMs = 3_600_000;

/**
 * Delay before the retry that follows attempt number `attempt` (1-based): exponential with
 * "equal jitter", i.e. uniformly in [d/2, d] for d = min(max, base * 2^(attempt-1)). The
 * jitter spreads retries of many events that failed together; the floor keeps a recovering
 * endpoint from being hit again at once.
 */
export function retryDelayMs(
  attempt: number,
  baseMs = defaultBaseDelayMs,
  maxMs = defaultMaxDelayMs,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
