// A cursor's timestamp is a whole, non-negative number of milliseconds: anything else (a
// fraction, a huge or negative number) is a 400 on both backends. PostgreSQL used to fail on
// them with a 500 (1.5 and 2^63 do not fit its bigint). Run with BURNBOX_TEST_BACKEND=postgres
// too.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { addDomain, createUser, startTestServer, type TestServer } from '../support/harness.ts';
import { assertKeyError, generate, keyApi, quotaOf } from './helpers.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer();
  await addDomain(server, 'example.com');
});
after(() => server.close());

const id = '00000000-0000-4000-8000-000000000000';
/** A cursor as the server makes them, with the timestamp written as given (raw JSON). */
const cursorWith = (timestamp: string) =>
  encodeURIComponent(Buffer.from(`{"timestamp":${timestamp},"id":"${id}"}`).toString('base64'));

const refused = ['1.5', '1e308', '9223372036854775808', '9007199254740993', '-1', '"1700000000000"', 'null'];

test('cursor timestamps that are not safe non-negative integers are a 400 on both lists', async () => {
  const user = await createUser(server, 'cursors@example.org');
  const mailbox = await generate(server, user, 'cursors');
  let counted = 1; // generate
  for (const list of ['/api/emails', `/api/emails/${mailbox.id}`]) {
    for (const timestamp of refused) {
      const res = await keyApi(server, 'GET', `${list}?cursor=${cursorWith(timestamp)}`, { key: user.key });
      assertKeyError(res, 400, `${list} with timestamp ${timestamp}`);
      assert.match(res.body.error, /cursor/);
      assert.equal(quotaOf(res).used, counted, 'a 400 is not counted');
    }
    for (const timestamp of ['0', '1700000000000', String(Number.MAX_SAFE_INTEGER)]) {
      const res = await keyApi(server, 'GET', `${list}?cursor=${cursorWith(timestamp)}`, { key: user.key });
      assert.equal(res.status, 200, `${list} with timestamp ${timestamp}: ${JSON.stringify(res.body)}`);
      counted++;
    }
  }
});
