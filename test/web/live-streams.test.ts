// The live inbox stream (/inbox/<token>/events): it ends with `gone` however its mailbox stops
// being there (deleted, switched away from, expired and swept), also when that happens in
// another process on the same PostgreSQL; one client address holds a bounded number of streams;
// HEAD answers at once with the stream's headers and no body.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { MailboxRecord } from '../../src/store/types.ts';
import { openEventStream } from '../support/event-stream-client.ts';
import { addDomain, startTestServer, type TestServer } from '../support/harness.ts';
import { readStream } from '../support/live-stream.ts';
import { dropSchema, freshSchemaName, postgresUnavailable, postgresUrl } from '../support/postgres.ts';
import { until } from '../support/until.ts';
import { pageData, WebClient } from '../support/web-client.ts';

/** Opens the mailbox's stream, runs `action` once it is ready, and reads until `gone`. */
function goneAfter(server: TestServer, token: string, action: () => Promise<unknown>): Promise<string> {
  return readStream(`${server.baseUrl}/inbox/${token}/events`, {
    until: /event: gone/,
    ms: 10_000,
    onReady: () => void action(),
  });
}

async function guestWithMailbox(server: TestServer) {
  const guest = new WebClient(server);
  const { mailbox } = pageData((await guest.get('/')).text);
  return { guest, mailbox: mailbox as { token: string; address: string; expiresAt: number } };
}

describe('live inbox streams', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({
      BURNBOX_GUEST_MAILBOX_LIMIT: '100',
      BURNBOX_LIVE_STREAMS_PER_CLIENT: '2',
    });
    await addDomain(server, 'example.com');
    await addDomain(server, 'other.test');
  });
  after(() => server.close());

  test('a stream ends with gone when its mailbox is deleted, switched away from, or expires', async () => {
    const deleted = await guestWithMailbox(server);
    const onDelete = await goneAfter(server, deleted.mailbox.token, () =>
      deleted.guest.post(`/inbox/${deleted.mailbox.token}/delete`),
    );
    assert.match(onDelete, /event: ready[\s\S]*event: gone/, 'deleted');

    const switched = await guestWithMailbox(server);
    const onSwitch = await goneAfter(server, switched.mailbox.token, () =>
      switched.guest.post(`/inbox/${switched.mailbox.token}/change`, {
        name: 'elsewhere',
        domain: 'other.test',
      }),
    );
    assert.match(onSwitch, /event: ready[\s\S]*event: gone/, 'switched away from');

    const expiring = await guestWithMailbox(server);
    const onExpiry = await goneAfter(server, expiring.mailbox.token, async () => {
      server.clock.advance(expiring.mailbox.expiresAt - server.clock.now + 1000);
      await server.burnbox.services.expiry.sweep();
    });
    assert.match(onExpiry, /event: ready[\s\S]*event: gone/, 'expired and swept');
  });

  test('one client address holds a bounded number of streams, then gets a clear 429', async () => {
    const { mailbox } = await guestWithMailbox(server);
    const url = `${server.baseUrl}/inbox/${mailbox.token}/events`;
    const controllers = [new AbortController(), new AbortController()];
    try {
      for (const controller of controllers) {
        const open = await fetch(url, { signal: controller.signal });
        assert.equal(open.status, 200);
      }
      const third = await fetch(url, { headers: { accept: 'application/json' } });
      assert.equal(third.status, 429);
      assert.match(
        (await third.json()).error,
        /^Too many live inboxes are open from your network \(2 at most\)\. Close some tabs and reload\.$/,
      );
    } finally {
      for (const controller of controllers) controller.abort();
    }
    // Closed streams give their places back (the server hears the close a moment later).
    await until(async () => {
      const again = await fetch(url, { signal: AbortSignal.timeout(20_000) });
      await again.body?.cancel();
      assert.ok(again.status === 200 || again.status === 429, `status ${again.status}`);
      return again.status === 200;
    }, 'a closed stream gives its place back');
  });

  test('HEAD on a stream answers at once with its headers and no body', async () => {
    const { mailbox } = await guestWithMailbox(server);
    const head = await fetch(`${server.baseUrl}/inbox/${mailbox.token}/events`, {
      method: 'HEAD',
      signal: AbortSignal.timeout(20_000),
    });
    assert.equal(head.status, 200);
    assert.match(head.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.equal(await head.text(), '');
    const unknown = await fetch(`${server.baseUrl}/inbox/${'A'.repeat(43)}/events`, {
      method: 'HEAD',
      signal: AbortSignal.timeout(20_000),
    });
    assert.equal(unknown.status, 404);
  });
});

const noPostgres = await postgresUnavailable();

describe('live inbox streams across processes', { skip: noPostgres }, () => {
  const schema = freshSchemaName('bb_live');
  let a: TestServer;
  let b: TestServer;

  before(async () => {
    // Two servers on one PostgreSQL schema: two processes of one installation.
    const shared = {
      BURNBOX_DATABASE_URL: postgresUrl(),
      BURNBOX_DATABASE_SCHEMA: schema,
      BURNBOX_GUEST_MAILBOX_LIMIT: '100',
    };
    a = await startTestServer(shared);
    b = await startTestServer(shared);
    await addDomain(a, 'example.com');
    await addDomain(a, 'other.test');
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await dropSchema(schema);
  });

  test('a stream on one process hears its mailbox switched away or swept on the other', async () => {
    // The guest's cookie, made by B, works on A too (its secret is in the shared database).
    const guest = new WebClient(b);
    const { mailbox } = pageData((await guest.get('/')).text);
    const onA = new WebClient(a);
    for (const [name, value] of guest.cookies) onA.cookies.set(name, value);
    assert.equal(pageData((await onA.get(`/inbox/${mailbox.token}`)).text).mailbox.canWrite, true);

    const onSwitch = await goneAfter(b, mailbox.token, () =>
      onA.post(`/inbox/${mailbox.token}/change`, { name: 'moved', domain: 'other.test' }),
    );
    assert.match(onSwitch, /event: ready[\s\S]*event: gone/, 'switched on A');

    const next = pageData((await new WebClient(b).get('/')).text).mailbox;
    const onSweep = await goneAfter(b, next.token, async () => {
      a.clock.advance(next.expiresAt - a.clock.now + 1000);
      await a.burnbox.services.expiry.sweep();
    });
    assert.match(onSweep, /event: ready[\s\S]*event: gone/, 'swept on A');
  });

  test('a sweep of many mailboxes at once still reaches the other process', async () => {
    // Each relayed `mailbox.deleted` carries its mailbox: 150 of them are far more than one
    // PostgreSQL notification holds, so they must travel in several.
    const { mailboxes } = a.burnbox.services;
    const many: MailboxRecord[] = [];
    for (let i = 0; i < 150; i++) many.push(await mailboxes.createGuest());
    const watched = many.filter((_, i) => i % 15 === 0);
    let ready = 0;
    let sweep: Promise<number> | undefined;
    const streams = watched.map((mailbox) =>
      readStream(`${b.baseUrl}/inbox/${mailboxes.token(mailbox)}/events`, {
        until: /event: gone/,
        ms: 10_000,
        onReady: () => {
          // Once every watched stream is open, all expire and are swept in one go on A.
          if (++ready < watched.length) return;
          a.clock.advance((many.at(-1)?.expiresAt as number) - a.clock.now + 1000);
          sweep = a.burnbox.services.expiry.sweep();
        },
      }),
    );
    const texts = await Promise.all(streams);
    assert.ok(((await sweep) ?? 0) >= 150);
    for (const [i, text] of texts.entries()) assert.match(text, /event: gone/, watched[i]?.address);
  });
});

test('stopping the server ends open live streams, on connections not kept for reuse', {
  timeout: 60_000,
}, async () => {
  const own = await startTestServer();
  try {
    await addDomain(own, 'example.com');
    const { mailbox } = await guestWithMailbox(own);
    const stream = await openEventStream(`${own.baseUrl}/inbox/${mailbox.token}/events`, {});
    await stream.until(/event: ready/, 'the stream is ready');
    assert.equal(stream.headers.connection, 'close');
    // Resolves only once every connection is closed: an open stream would hold it for good.
    await own.burnbox.close();
  } finally {
    await own.close().catch(() => {});
  }
});
