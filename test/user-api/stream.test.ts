// GET /api/messages/stream: one `message` event per new message (id: the message id, data: as
// the wait answer), Last-Event-ID or ?lastEventId= replaying what was stored after that message
// before going live (no gap, no duplicate); opening it counts as one request.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { openEventStream } from '../support/event-stream-client.ts';
import {
  addDomain,
  api,
  createMailbox,
  createUser,
  sendMail,
  startTestServer,
  type TestServer,
  type TestUser,
} from '../support/harness.ts';
import { until } from '../support/until.ts';
import { assertError, assertKeys, quotaOf } from './helpers.ts';

let server: TestServer;
let users = 0;
const newUser = () => createUser(server, `streamer${++users}@example.org`);

before(async () => {
  server = await startTestServer();
  await addDomain(server, 'example.com');
});
after(() => server.close());

async function send(to: string, subject: string, text = 'Hello.') {
  server.clock.advance(1000);
  const result = await sendMail(server, { to, subject, text });
  assert.equal(result.accepted.length, 1);
}

const stream = (user: TestUser, query: string, headers: Record<string, string> = {}) =>
  openEventStream(`${server.baseUrl}/api/messages/stream?${query}`, {
    Authorization: `Bearer ${user.key}`,
    ...headers,
  });

const messageKeys = [
  'is_seen',
  'subject',
  'from',
  'from_email',
  'to',
  'receivedAt',
  'id',
  'html',
  'content',
  'attachments',
];

test('each new message is one event: its id, and the wait answer’s object; opening counts once', async () => {
  const user = await newUser();
  const { email } = await createMailbox(server, user);
  const used = quotaOf(await api(server, 'GET', `/api/messages?email=${email}`, { key: user.key })).used;
  const s = await stream(user, `email=${email}`);
  try {
    assert.equal(s.status, 200);
    assert.match(s.headers['content-type'] ?? '', /^text\/event-stream/);
    assert.equal(s.headers['x-ratelimit-used'], String(used + 1), 'opening the stream counts as one request');
    await s.until(/: live/, 'the stream is live');
    await send(email, 'Code inside', 'Your code is 550123');
    await send(email, 'Second');
    await s.until(/Second/, 'both messages arrived');
    const events = s.events();
    assert.deepEqual(
      events.map((e) => e.event),
      ['message', 'message'],
    );
    const first = JSON.parse(events[0]?.data ?? '');
    assertKeys(first, [...messageKeys, 'codes', 'links', 'auth'], 'the event data');
    assert.equal(events[0]?.id, first.id);
    assert.match(first.id, /^[A-Za-z0-9]{46}$/);
    assert.equal(first.subject, 'Code inside');
    assert.deepEqual(first.codes, [{ value: '550123', kind: 'otp', trusted: false }]);
    assert.equal(first.auth.dmarc, 'none');
    assert.equal(first.is_seen, false, 'a stream does not mark messages seen');
  } finally {
    s.close();
  }
  const next = await api(server, 'GET', `/api/messages?email=${email}`, { key: user.key });
  assert.equal(quotaOf(next).used, used + 2);
});

test('Last-Event-ID (or ?lastEventId=) replays what came after that message, then goes live', async () => {
  const user = await newUser();
  const { email } = await createMailbox(server, user);
  for (const subject of ['m1', 'm2', 'm3']) await send(email, subject);
  const list = await api(server, 'GET', `/api/messages?email=${email}`, { key: user.key });
  const m1 = (list.body.messages as { id: string; subject: string }[]).find((m) => m.subject === 'm1');
  const m3 = (list.body.messages as { id: string; subject: string }[]).find((m) => m.subject === 'm3');
  assert.ok(m1 && m3);
  const cases = [
    {
      how: 'header',
      open: () => stream(user, `email=${email}`, { 'Last-Event-ID': m1.id }),
      replay: ['m2', 'm3'],
    },
    {
      how: 'query',
      open: () => stream(user, `email=${email}&lastEventId=${m3.id}`),
      replay: ['live-header'],
    },
  ];
  for (const { how, open, replay } of cases) {
    const s = await open();
    try {
      await s.until(/: live/, 'the replay is done');
      const subjects = () => s.events().map((e) => JSON.parse(e.data ?? '').subject);
      assert.deepEqual(subjects(), replay, `${how}: the replay, in order`);
      await send(email, `live-${how}`);
      await s.until(new RegExp(`live-${how}`), 'the live message');
      assert.deepEqual(subjects(), [...replay, `live-${how}`], `${how}: no duplicate`);
    } finally {
      s.close();
    }
  }
});

test("another user's mailbox, or a message of another mailbox as Last-Event-ID, is not found", async () => {
  const owner = await newUser();
  const other = await newUser();
  const { email } = await createMailbox(server, owner);
  const mine = await createMailbox(server, other);
  await send(email, 'private');
  const res = await api(server, 'GET', `/api/messages/stream?email=${email}`, { key: other.key });
  assertError(res, 404, "another user's mailbox");
  const id = (await api(server, 'GET', `/api/messages?email=${email}`, { key: owner.key })).body.messages[0]
    .id;
  const foreign = await api(server, 'GET', `/api/messages/stream?email=${mine.email}`, {
    key: other.key,
    headers: { 'Last-Event-ID': id },
  });
  assertError(foreign, 404, 'a message of another mailbox');
  assertError(
    await api(server, 'GET', `/api/messages/stream?email=${mine.email}&lastEventId=x`, { key: other.key }),
    422,
  );
});

test('a client that disconnects frees its stream', async () => {
  const user = await newUser();
  const { email } = await createMailbox(server, user);
  const feed = server.burnbox.services.mailboxFeed;
  const before = feed.size;
  const s = await stream(user, `email=${email}`);
  await s.until(/: live/, 'the stream is live');
  assert.equal(feed.size, before + 1, 'the stream listens to its mailbox');
  s.close();
  await until(() => feed.size === before, 'the stream stopped listening');
});

test('a message stored while the stream catches up comes once, after the replay', async () => {
  const user = await newUser();
  const { email } = await createMailbox(server, user);
  await send(email, 'r1');
  await send(email, 'r2');
  const r1 = (await api(server, 'GET', `/api/messages?email=${email}`, { key: user.key })).body.messages.find(
    (m: { subject: string }) => m.subject === 'r1',
  );
  const { store } = server.burnbox.services;
  const real = store.listMessageHeadsAfter;
  // The message is committed while the catch-up reads the store: once before its read (the read
  // finds it, and it is heard too), once after (only heard).
  for (const when of ['before the read', 'after the read'] as const) {
    let reached = false;
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    store.listMessageHeadsAfter = async function (this: typeof store, ...args) {
      if (when === 'after the read') {
        const found = await real.apply(this, args);
        reached = true;
        await gate;
        return found;
      }
      reached = true;
      await gate;
      return real.apply(this, args);
    };
    try {
      const s = await Promise.all([
        stream(user, `email=${email}`, { 'Last-Event-ID': r1.id }),
        until(() => reached, 'the catch-up reads the store').then(async () => {
          await send(email, `during, ${when}`);
          release();
        }),
      ]).then(([opened]) => opened);
      try {
        await s.until(/: live/, 'the replay is done');
        const subjects = s.events().map((e) => JSON.parse(e.data ?? '').subject);
        const expected =
          when === 'before the read'
            ? ['r2', 'during, before the read']
            : ['r2', 'during, before the read', 'during, after the read'];
        assert.deepEqual(subjects, expected, `${when}: in order, none twice`);
      } finally {
        s.close();
      }
    } finally {
      store.listMessageHeadsAfter = real;
    }
  }
});

test('a client that leaves during the catch-up frees its stream', async () => {
  const user = await newUser();
  const { email } = await createMailbox(server, user);
  await send(email, 'first');
  await send(email, 'second');
  const first = (
    await api(server, 'GET', `/api/messages?email=${email}`, { key: user.key })
  ).body.messages.find((m: { subject: string }) => m.subject === 'first');
  const { store, mailboxFeed: feed } = server.burnbox.services;
  const before = feed.size;
  const real = store.listMessageHeadsAfter;
  let reads = 0;
  let release = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  store.listMessageHeadsAfter = async function (this: typeof store, ...args) {
    reads++;
    await gate;
    return real.apply(this, args);
  };
  try {
    // The stream's own connection, as the server sees it: closed by the client mid catch-up.
    const serverSide = once(server.burnbox.http.server, 'connection') as Promise<[Socket]>;
    const request = http.get(`${server.baseUrl}/api/messages/stream?email=${email}`, {
      agent: false,
      headers: { Authorization: `Bearer ${user.key}`, 'Last-Event-ID': first.id },
    });
    request.on('error', () => {});
    const [socket] = await serverSide;
    await until(() => reads === 1, 'the catch-up reads the store');
    assert.equal(feed.size, before + 1, 'the stream listens while it catches up');
    const closed = once(socket, 'close');
    request.destroy();
    await closed;
    release();
    await until(() => feed.size === before, 'the stream stopped listening');
  } finally {
    release();
    store.listMessageHeadsAfter = real;
  }
});

test('one key holds at most BURNBOX_LIVE_STREAMS_PER_CLIENT streams; closing one makes room', async () => {
  const limited = await startTestServer({ BURNBOX_LIVE_STREAMS_PER_CLIENT: '2' });
  try {
    await addDomain(limited, 'example.com');
    const user = await createUser(limited, 'many-streams@example.org');
    const { email } = await createMailbox(limited, user);
    const open = () =>
      openEventStream(`${limited.baseUrl}/api/messages/stream?email=${email}`, {
        Authorization: `Bearer ${user.key}`,
      });
    const a = await open();
    const b = await open();
    const refused = await api(limited, 'GET', `/api/messages/stream?email=${email}`, { key: user.key });
    assert.equal(refused.status, 429);
    assert.equal(refused.body.status, false);
    assert.match(refused.body.message, /BURNBOX_LIVE_STREAMS_PER_CLIENT/);
    a.close();
    const feed = limited.burnbox.services.mailboxFeed;
    await until(() => feed.size === 1, 'the closed stream is gone');
    const c = await open();
    await c.until(/: live/, 'a new stream opens');
    b.close();
    c.close();
  } finally {
    await limited.close();
  }
});
