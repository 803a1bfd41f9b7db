// Cursor pages (at most 20 items, newest first): stable while items are added and deleted
// between pages, `total` counting everything, a null nextCursor on the last page, and 400 for a
// cursor that is not one of ours.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  addDomain,
  createUser,
  startTestServer,
  type TestServer,
  type TestUser,
} from '../support/harness.ts';
import {
  assertKeyError,
  decodeCursor,
  encodeCursor,
  generate,
  keyApi,
  SmtpSender,
  unknownUuid,
} from './helpers.ts';

let server: TestServer;
let smtp: SmtpSender;
let users = 0;
const newUser = () => createUser(server, `kpage${++users}@example.org`);

before(async () => {
  server = await startTestServer();
  await addDomain(server, 'example.com');
  smtp = new SmtpSender(server);
});
after(async () => {
  smtp.close();
  await server.close();
});

interface Positioned {
  uuid: string;
  at: number;
}

/** The order the dialect promises, computed here: time descending, then uuid descending. */
const newestFirst = <T extends Positioned>(items: T[]) =>
  [...items].sort((a, b) => b.at - a.at || (a.uuid < b.uuid ? 1 : a.uuid > b.uuid ? -1 : 0));

async function page(user: TestUser, path: string, cursor: string | null, listKey: 'emails' | 'messages') {
  const url = cursor === null ? path : `${path}?cursor=${encodeURIComponent(cursor)}`;
  const res = await keyApi(server, 'GET', url, { key: user.key });
  assert.equal(res.status, 200, `${url}: ${JSON.stringify(res.body)}`);
  const items: { id: string }[] = res.body[listKey];
  assert.ok(items.length <= 20, 'at most 20 items');
  return {
    ids: items.map((i) => i.id),
    nextCursor: res.body.nextCursor as string | null,
    total: res.body.total,
  };
}

/** Pages 1, then `between()`, then pages 2 and 3: checks nothing that existed throughout was skipped or repeated. */
async function assertStablePaging(options: {
  user: TestUser;
  path: string;
  listKey: 'emails' | 'messages';
  before: Positioned[];
  /** Adds 3 items and deletes the two given ones and the given cursor item. */
  between: (toDelete: string[]) => Promise<void>;
}) {
  const order = newestFirst(options.before).map((i) => i.uuid);
  assert.equal(order.length, 45);
  const first = await page(options.user, options.path, null, options.listKey);
  assert.deepEqual(first.ids, order.slice(0, 20), 'page 1 is the 20 newest');
  assert.equal(first.total, 45);
  assert.ok(first.nextCursor, 'page 1 has a next page');
  assert.deepEqual(decodeCursor(first.nextCursor), {
    timestamp: options.before.find((i) => i.uuid === order[19])?.at,
    id: order[19],
  });

  // Not yet seen: one that would be on page 2 and one on page 3; and the cursor's own item.
  const deleted = [order[24] as string, order[41] as string, order[19] as string];
  await options.between(deleted);

  const second = await page(options.user, options.path, first.nextCursor, options.listKey);
  assert.equal(second.total, 45 + 3 - 3, 'total counts every item now');
  assert.equal(second.ids.length, 20);
  assert.ok(second.nextCursor);
  const third = await page(options.user, options.path, second.nextCursor, options.listKey);
  assert.equal(third.nextCursor, null, 'the last page has no next cursor');

  const seen = [...first.ids, ...second.ids, ...third.ids];
  assert.equal(new Set(seen).size, seen.length, 'no item is repeated');
  const throughout = order.filter((id) => !deleted.includes(id) || id === order[19]);
  assert.deepEqual(
    seen,
    throughout.filter((id) => seen.includes(id)),
    'pages keep the order',
  );
  for (const id of throughout) assert.ok(seen.includes(id), `${id} was not skipped`);
  assert.equal(seen.length, 45 - 2, 'every item that existed throughout, and nothing added later');
  assert.equal(third.ids.length, 3);
}

test('45 messages: pages stay exact while 3 arrive and 3 are deleted between pages', async () => {
  const user = await newUser();
  const mailbox = await generate(server, user, 'pagedinbox');
  // Three messages per millisecond: ties are ordered by uuid.
  for (let i = 0; i < 45; i++) {
    if (i % 3 === 0) server.clock.advance(1);
    await smtp.send(mailbox.email, `m${i}`);
  }
  const { store } = server.burnbox.services;
  const stored = await store.listMessages((await store.getMailboxByUuid(mailbox.id))?.id ?? -1);
  const path = `/api/emails/${mailbox.id}`;
  await assertStablePaging({
    user,
    path,
    listKey: 'messages',
    before: stored.map((m) => ({ uuid: m.uuid, at: m.receivedAt })),
    between: async (toDelete) => {
      server.clock.advance(1);
      for (const subject of ['new1', 'new2', 'new3']) await smtp.send(mailbox.email, subject);
      for (const id of toDelete) {
        const res = await keyApi(server, 'DELETE', `${path}/${id}`, { key: user.key });
        assert.equal(res.status, 200);
      }
    },
  });
  const fresh = await page(user, path, null, 'messages');
  assert.equal(fresh.total, 45);
});

test('45 mailboxes: pages stay exact while 3 are generated and 3 deleted between pages', async () => {
  const user = await newUser();
  const made: Positioned[] = [];
  for (let i = 0; i < 45; i++) {
    if (i % 3 === 0) server.clock.advance(1);
    made.push({ uuid: (await generate(server, user, `paged${users}x${i}`)).id, at: server.clock.now });
  }
  await assertStablePaging({
    user,
    path: '/api/emails',
    listKey: 'emails',
    before: made,
    between: async (toDelete) => {
      server.clock.advance(1);
      for (let i = 0; i < 3; i++) await generate(server, user, `later${users}x${i}`);
      for (const id of toDelete) {
        assert.equal((await keyApi(server, 'DELETE', `/api/emails/${id}`, { key: user.key })).status, 200);
      }
    },
  });
});

test('exactly 20 items make one page with a null nextCursor; 21 make two', async () => {
  const user = await newUser();
  const mailbox = await generate(server, user, 'twenty');
  for (let i = 0; i < 20; i++) await smtp.send(mailbox.email, `t${i}`);
  const path = `/api/emails/${mailbox.id}`;
  const only = await page(user, path, null, 'messages');
  assert.deepEqual([only.ids.length, only.total, only.nextCursor], [20, 20, null]);
  await smtp.send(mailbox.email, 't20');
  const first = await page(user, path, null, 'messages');
  assert.deepEqual([first.ids.length, first.total], [20, 21]);
  const second = await page(user, path, first.nextCursor, 'messages');
  assert.deepEqual([second.ids.length, second.total, second.nextCursor], [1, 21, null]);
  assert.ok(!first.ids.includes(second.ids[0] as string));
});

test('a malformed cursor is refused with 400 on both lists', async () => {
  const user = await newUser();
  const mailbox = await generate(server, user, 'cursors');
  const b64 = (text: string) => Buffer.from(text).toString('base64');
  const bad: [string, string][] = [
    ['not base64', '!!!!'],
    ['base64 of text', b64('hello there')],
    ['a bare uuid', unknownUuid],
    ['a JSON array', b64('[1, 2]')],
    ['JSON null', b64('null')],
    ['a string timestamp', encodeCursor({ timestamp: '1745155845084', id: unknownUuid })],
    ['a null timestamp', encodeCursor({ timestamp: null, id: unknownUuid })],
    ['no timestamp', encodeCursor({ id: unknownUuid })],
    ['no id', encodeCursor({ timestamp: 1745155845084 })],
    ['an id that is not a uuid', encodeCursor({ timestamp: 1745155845084, id: 'abc' })],
    ['a numeric id', encodeCursor({ timestamp: 1745155845084, id: 7 })],
  ];
  for (const path of ['/api/emails', `/api/emails/${mailbox.id}`]) {
    for (const [what, cursor] of bad) {
      const res = await keyApi(server, 'GET', `${path}?cursor=${encodeURIComponent(cursor)}`, {
        key: user.key,
      });
      assertKeyError(res, 400, `${path}: ${what}`);
    }
    assertKeyError(
      await keyApi(server, 'GET', `${path}?cursor=a&cursor=b`, { key: user.key }),
      400,
      `${path}: two cursors`,
    );
  }
});

test("a well-formed cursor is a position: the seed's example (sent unencoded), a future one, an empty one", async () => {
  const user = await newUser();
  const mailbox = await generate(server, user, 'positions');
  await smtp.send(mailbox.email, 'only');
  const path = `/api/emails/${mailbox.id}`;
  const seedCursor =
    'eyJ0aW1lc3RhbXAiOjE3NDUxNTU4NDUwODQsImlkIjoiNjNmNzFlODYtOGE1NC00ZDQ0LTk5ZWYtN2QzNTBhMTQ4M2JiIn0=';
  const old = await keyApi(server, 'GET', `${path}?cursor=${seedCursor}`, { key: user.key });
  assert.equal(old.status, 200);
  assert.deepEqual(
    [old.body.messages, old.body.total, old.body.nextCursor],
    [[], 1, null],
    'nothing before 2025',
  );
  const future = encodeCursor({ timestamp: server.clock.now + 1, id: unknownUuid });
  const newer = await keyApi(server, 'GET', `${path}?cursor=${encodeURIComponent(future)}`, {
    key: user.key,
  });
  assert.equal(newer.body.messages.length, 1, 'everything is before a future position');
  const empty = await keyApi(server, 'GET', `${path}?cursor=`, { key: user.key });
  assert.equal(empty.status, 200);
  assert.equal(empty.body.messages.length, 1, 'an empty cursor is the first page');
});
