// Whether a failed write failed for lack of space: the file system (ENOSPC, or a user's quota
// EDQUOT), SQLite (SQLITE_FULL) or PostgreSQL (class 53, insufficient resources: disk_full
// 53100). Such a failure is temporary for the sender: it is told 452 and retries later.
const outOfSpaceCodes = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL', '53100']);

export function isOutOfSpace(err: unknown): boolean {
  // The error may arrive wrapped (a stream's error, an aggregate of a batch): follow its causes.
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && outOfSpaceCodes.has(code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
