// "Did you mean …?": the known name nearest to a mistyped one, for unknown BURNBOX_* variables
// and unknown command-line options alike.

/**
 * Edit distance counting an insertion, deletion, substitution or swap of two neighbours as one
 * step (optimal string alignment), so `PROT` is one step from `PORT`.
 */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const above = rows[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(
        (above[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (above[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      }
      row.push(best);
    }
    rows.push(row);
  }
  return (rows[a.length] as number[])[b.length] as number;
}

/**
 * Whether `candidate` is near enough to `name` to be suggested: at most a third of its
 * characters differ (one, for short names), or one holds the other whole (`DATA_DIRECTORY`
 * for `DATA_DIR`). A suggestion further off would only mislead.
 */
function isNear(name: string, candidate: string, distance: number): boolean {
  const [shorter, longer] = name.length <= candidate.length ? [name, candidate] : [candidate, name];
  if (shorter.length >= 4 && longer.includes(shorter)) return true;
  return distance <= Math.max(1, Math.floor(longer.length / 3));
}

/** The candidate nearest to `name` (case-insensitive), or undefined when none is near. */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  const wanted = name.toLowerCase();
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const known = candidate.toLowerCase();
    const distance = editDistance(wanted, known);
    if (!isNear(wanted, known, distance)) continue;
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  return best?.candidate;
}
