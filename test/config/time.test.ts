import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatIsoWithOffset, formatLocalDateTime, monthlyPeriod } from '../../src/domain/time.ts';

test('dates are formatted in the configured zone with its offset', () => {
  const t = Date.UTC(2026, 5, 28, 9, 37, 48, 123);
  assert.equal(formatIsoWithOffset(t, 'UTC'), '2026-06-28T09:37:48+00:00');
  assert.equal(formatIsoWithOffset(t, 'Asia/Karachi'), '2026-06-28T14:37:48+05:00');
  assert.equal(formatIsoWithOffset(t, 'America/New_York'), '2026-06-28T05:37:48-04:00');
  assert.equal(formatIsoWithOffset(t, 'Asia/Kolkata'), '2026-06-28T15:07:48+05:30');
  assert.equal(formatLocalDateTime(t, 'UTC'), '2026-06-28 09:37:48');
});

test('the quota period resets at the start of next month in the zone', () => {
  const april = Date.UTC(2026, 3, 15, 12);
  const karachi = monthlyPeriod(april, 'Asia/Karachi');
  assert.equal(karachi.key, '2026-04');
  assert.equal(formatIsoWithOffset(karachi.resetsAt, 'Asia/Karachi'), '2026-05-01T00:00:00+05:00');
  // 30 April 21:00 UTC is already May in Karachi.
  assert.equal(monthlyPeriod(Date.UTC(2026, 3, 30, 21), 'Asia/Karachi').key, '2026-05');
  // December rolls over to January; a DST zone resets at local midnight.
  const december = monthlyPeriod(Date.UTC(2026, 11, 10), 'UTC');
  assert.equal(december.key, '2026-12');
  assert.equal(december.resetsAt, Date.UTC(2027, 0, 1));
  const ny = monthlyPeriod(Date.UTC(2026, 9, 20), 'America/New_York');
  assert.equal(formatIsoWithOffset(ny.resetsAt, 'America/New_York'), '2026-11-01T00:00:00-04:00');
});

test('offsets switch exactly at a daylight-saving transition', () => {
  // 1 November 2026: New York falls back from EDT (-04:00) to EST (-05:00) at 06:00 UTC.
  const transition = Date.UTC(2026, 10, 1, 6);
  assert.equal(formatIsoWithOffset(transition - 1000, 'America/New_York'), '2026-11-01T01:59:59-04:00');
  assert.equal(formatIsoWithOffset(transition, 'America/New_York'), '2026-11-01T01:00:00-05:00');
  // Nepal's +05:45 keeps its minutes.
  assert.equal(
    formatIsoWithOffset(Date.UTC(2026, 0, 1, 0, 0, 0), 'Asia/Kathmandu'),
    '2026-01-01T05:45:00+05:45',
  );
});
