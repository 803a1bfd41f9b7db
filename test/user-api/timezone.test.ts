// BURNBOX_TIMEZONE: every date of the dialect, and the monthly quota reset, are in the
// operator's zone with its offset (the seed's example reset is `...T00:00:00+05:00`).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mailFixtures, renderFixture } from '../fixtures/mail/index.ts';
import {
  addDomain,
  api,
  createMailbox,
  createUser,
  sendRaw,
  startTestServer,
  type TestServer,
} from '../support/harness.ts';
import { isoAt, localAt, quotaOf, seedInstant } from './helpers.ts';

const karachi = 5 * 60; // Asia/Karachi: UTC+05:00 all year

let server: TestServer;
let users = 0;
const newUser = () => createUser(server, `tz${++users}@example.org`);

before(async () => {
  server = await startTestServer({ BURNBOX_TIMEZONE: 'Asia/Karachi' });
  await addDomain(server, 'example.com');
});
after(() => server.close());

test('mailbox and message dates are written in the configured zone with its offset', async () => {
  server.clock.now = seedInstant; // 09:37:48 UTC = 14:37:48 in Karachi
  const user = await newUser();
  const mailbox = await createMailbox(server, user);
  assert.equal(mailbox.created_at, '2026-06-28T14:37:48+05:00');
  assert.equal(mailbox.expire_at, '2026-06-28T14:47:48+05:00');
  assert.equal(mailbox.created_at, isoAt(seedInstant, karachi));

  await sendRaw(server, renderFixture(mailFixtures.plain, mailbox.email), {
    from: 'alice@example.com',
    to: [mailbox.email],
  });
  const list = await api(server, 'GET', `/api/messages?email=${mailbox.email}`, { key: user.key });
  assert.equal(list.body.messages[0].receivedAt, '2026-06-28 14:37:48');
  assert.equal(list.body.messages[0].receivedAt, localAt(seedInstant, karachi));
  assert.equal(quotaOf(list).reset, '2026-07-01T00:00:00+05:00');
});

test('the quota resets at local midnight on the 1st, which is the evening before in UTC', async () => {
  const user = await newUser();
  server.clock.now = Date.UTC(2026, 5, 30, 18, 59, 59); // 23:59:59 on June 30 in Karachi
  const june = await api(server, 'GET', '/api/domains', { key: user.key });
  assert.equal(june.status, 200);
  assert.deepEqual(quotaOf(june), {
    limit: 50000,
    used: 1,
    remaining: 49999,
    reset: '2026-07-01T00:00:00+05:00',
  });

  server.clock.advance(1000); // 00:00:00 on July 1 in Karachi, still June 30 in UTC
  const july = await api(server, 'GET', '/api/domains', { key: user.key });
  assert.deepEqual(quotaOf(july), {
    limit: 50000,
    used: 1,
    remaining: 49999,
    reset: '2026-08-01T00:00:00+05:00',
  });
});

test('the reset after December is January 1st of the next year', async () => {
  const user = await newUser();
  server.clock.now = Date.UTC(2026, 11, 31, 12, 0, 0);
  const res = await api(server, 'GET', '/api/domains', { key: user.key });
  assert.equal(quotaOf(res).reset, '2027-01-01T00:00:00+05:00');
  server.clock.now = Date.UTC(2026, 11, 31, 19, 30, 0); // 00:30 on January 1 in Karachi
  const next = await api(server, 'GET', '/api/domains', { key: user.key });
  assert.equal(quotaOf(next).reset, '2027-02-01T00:00:00+05:00');
  assert.equal(quotaOf(next).used, 1, 'a new month starts counting from zero');
});

test('a zone with daylight saving time and a half-hour offset west of UTC', async () => {
  const s = await startTestServer({ BURNBOX_TIMEZONE: 'America/St_Johns' }); // -02:30 summer, -03:30 winter
  try {
    await addDomain(s, 'example.com');
    const user = await createUser(s, 'stjohns@example.org');
    s.clock.now = Date.UTC(2026, 9, 15, 12, 0, 0);
    const summer = await createMailbox(s, user);
    assert.equal(summer.created_at, '2026-10-15T09:30:00-02:30');
    const october = await api(s, 'GET', '/api/domains', { key: user.key });
    assert.equal(
      quotaOf(october).reset,
      '2026-11-01T00:00:00-02:30',
      'midnight before the switch to winter time',
    );

    s.clock.now = Date.UTC(2026, 10, 15, 12, 0, 0);
    const winter = await createMailbox(s, user);
    assert.equal(winter.created_at, '2026-11-15T08:30:00-03:30');
    assert.equal(winter.expire_at, '2026-11-15T08:40:00-03:30');
    const november = await api(s, 'GET', '/api/domains', { key: user.key });
    assert.equal(quotaOf(november).reset, '2026-12-01T00:00:00-03:30');
  } finally {
    await s.close();
  }
});
