// Fixed-window rate limits, moved through time by the clock.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type DomainHarness, hour, minute, startServices } from './helpers.ts';

let server: DomainHarness;
before(async () => {
  server = await startServices();
});
after(() => server.close());

const window = 15 * minute;
const limiter = () => server.services.rateLimits;
/** Puts the clock `offset` ms into a fresh 15-minute window and returns that window's start. */
function enterWindow(offset: number): number {
  const start = (Math.floor(server.clock.now / window) + 1) * window;
  server.clock.now = start + offset;
  return start;
}

test('allows `limit` hits per window, refuses the rest until the window ends', async () => {
  const start = enterWindow(minute);
  assert.deepEqual(await limiter().hit('login', '192.0.2.1', 2, window), {
    allowed: true,
    retryAfterSeconds: 0,
  });
  assert.deepEqual(await limiter().hit('login', '192.0.2.1', 2, window), {
    allowed: true,
    retryAfterSeconds: 0,
  });
  assert.deepEqual(await limiter().hit('login', '192.0.2.1', 2, window), {
    allowed: false,
    retryAfterSeconds: 14 * 60,
  });
  server.clock.now = start + window - 1;
  assert.deepEqual(await limiter().hit('login', '192.0.2.1', 2, window), {
    allowed: false,
    retryAfterSeconds: 1,
  });
  server.clock.now = start + window;
  assert.deepEqual(await limiter().hit('login', '192.0.2.1', 2, window), {
    allowed: true,
    retryAfterSeconds: 0,
  });
});

test('buckets and subjects are limited independently', async () => {
  enterWindow(0);
  assert.equal((await limiter().hit('guest', '198.51.100.7', 1, hour)).allowed, true);
  assert.equal((await limiter().hit('guest', '198.51.100.7', 1, hour)).allowed, false);
  assert.equal((await limiter().hit('guest', '198.51.100.8', 1, hour)).allowed, true, 'another subject');
  assert.equal((await limiter().hit('login', '198.51.100.7', 1, hour)).allowed, true, 'another bucket');
});

test('limit 0 refuses everything', async () => {
  enterWindow(0);
  const result = await limiter().hit('guest', '203.0.113.9', 0, hour);
  assert.equal(result.allowed, false);
  assert.ok(result.retryAfterSeconds >= 1);
});

test('concurrent hits allow exactly the limit', async () => {
  enterWindow(0);
  const results = await Promise.all(
    Array.from({ length: 25 }, () => limiter().hit('burst', 'x', 10, window)),
  );
  assert.equal(results.filter((r) => r.allowed).length, 10);
});

test('the sweeper deletes windows older than a day', async () => {
  const start = enterWindow(0);
  await limiter().hit('old', 'x', 1, window);
  const { store } = server.services;
  server.clock.now = start + 24 * hour;
  await server.services.expiry.sweep();
  assert.deepEqual(await store.hitRateLimit('old:x', start, 1), { allowed: false, count: 1 }, 'a day: kept');
  server.clock.now = start + 24 * hour + 1;
  await server.services.expiry.sweep();
  assert.deepEqual(await store.hitRateLimit('old:x', start, 1), { allowed: true, count: 1 }, 'then deleted');
});
