/** Latency summary helpers for the bench load generators. */

export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/**
 * Nearest-rank percentiles over a copy of `samples` (the input is not mutated).
 * Empty input yields all zeros. Values are rounded to 3 decimals (µs resolution for ms input).
 */
export function percentiles(samples: readonly number[]): Percentiles {
  const n = samples.length;
  if (n === 0) return { p50: 0, p90: 0, p99: 0, max: 0 };
  const sorted = Float64Array.from(samples).sort();
  const at = (p: number): number => {
    const rank = Math.ceil((p / 100) * n); // nearest-rank, 1-based
    return round3(sorted[Math.min(n, Math.max(1, rank)) - 1] ?? 0);
  };
  return { p50: at(50), p90: at(90), p99: at(99), max: round3(sorted[n - 1] ?? 0) };
}

export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Median of a list of numbers (copy is sorted); 0 for empty input. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const s = Float64Array.from(xs).sort();
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

/** Refuse to point load anywhere but 127.0.0.1. */
export function assertLoopback(host: string): void {
  if (host !== '127.0.0.1') {
    throw new Error(`bench load may only target 127.0.0.1, got ${JSON.stringify(host)}`);
  }
}
