// UTC hours, as the per-hour statistics count them.
const hourMs = 3_600_000;

/** The start of the UTC hour holding `ms`. */
export function hourOf(ms: number): number {
  return Math.floor(ms / hourMs) * hourMs;
}
