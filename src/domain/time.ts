// Calendar arithmetic in the operator's time zone: API date formats and the monthly quota period.

interface LocalParts {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

function intlParts(ms: number, timeZone: string): LocalParts {
  const parts: Record<string, number> = {};
  for (const p of formatterFor(timeZone).formatToParts(ms)) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return parts as unknown as LocalParts;
}

/** Offset of `timeZone` from UTC at instant `ms`, in minutes (east positive). */
function intlOffsetMinutes(ms: number, timeZone: string): number {
  const p = intlParts(ms, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60000);
}

// Intl is slow (a list of 10,000 messages formats 10,000 dates), but offsets only change on
// quarter-hour boundaries: cache the offset per zone and quarter hour, then do arithmetic.
const quarterHour = 15 * 60 * 1000;
const offsetCache = new Map<string, number>();

/** Offset of `timeZone` from UTC at instant `ms`, in minutes (east positive). */
export function offsetMinutes(ms: number, timeZone: string): number {
  const key = `${timeZone}|${Math.floor(ms / quarterHour)}`;
  let offset = offsetCache.get(key);
  if (offset === undefined) {
    offset = intlOffsetMinutes(ms, timeZone);
    if (offsetCache.size > 10000) offsetCache.clear();
    offsetCache.set(key, offset);
  }
  return offset;
}

function localParts(ms: number, timeZone: string): LocalParts {
  const local = new Date(ms + offsetMinutes(ms, timeZone) * 60000);
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    second: local.getUTCSeconds(),
  };
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** `2026-06-28T09:47:48+00:00`: ISO 8601 with the zone's offset, second precision. */
export function formatIsoWithOffset(ms: number, timeZone: string): string {
  const p = localParts(ms, timeZone);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}${formatOffset(offsetMinutes(ms, timeZone))}`;
}

/** `2026-06-28 09:37:48` in the zone. */
export function formatLocalDateTime(ms: number, timeZone: string): string {
  const p = localParts(ms, timeZone);
  return `${p.year}-${pad(p.month)}-${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}`;
}

/** Converts a wall-clock time in the zone to an instant (handles DST by re-checking the offset). */
function zonedToInstant(year: number, month: number, day: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day);
  let guess = wall - offsetMinutes(wall, timeZone) * 60000;
  guess = wall - offsetMinutes(guess, timeZone) * 60000;
  return guess;
}

/** The quota period containing `ms`: its key (`2026-05`) and when the next one starts. */
export function monthlyPeriod(ms: number, timeZone: string): { key: string; resetsAt: number } {
  const p = localParts(ms, timeZone);
  const nextYear = p.month === 12 ? p.year + 1 : p.year;
  const nextMonth = p.month === 12 ? 1 : p.month + 1;
  return { key: `${p.year}-${pad(p.month)}`, resetsAt: zonedToInstant(nextYear, nextMonth, 1, timeZone) };
}
