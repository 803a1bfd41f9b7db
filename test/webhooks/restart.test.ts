// Pending events survive a restart: a retry scheduled before the stop is made by the next
// server, and a request cut off by the stop is sent again at once by the next server.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { UserRecord } from '../../src/store/types.ts';
import { addDomain, removeInstallation, sendMail, startTestServer } from '../support/harness.ts';
import { until } from '../support/until.ts';
import { allowPrivate, hookedUser, startReceiver } from './helpers.ts';

test('no event is lost when the server stops between or during attempts', { timeout: 60_000 }, async (t) => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'burnbox-webhook-restart-'));
  t.after(() => removeInstallation(dataDir));
  let serving = 'first';
  // First server: the first event gets a 500, the second never gets an answer.
  const hook = await startReceiver((_req, i) =>
    serving === 'second' ? { status: 200 } : i === 0 ? { status: 500 } : 'hang',
  );
  t.after(() => hook.close());
  const settings = { ...allowPrivate, BURNBOX_DATA_DIR: dataDir };

  const first = await startTestServer(settings);
  await addDomain(first, 'restart.test');
  const { record, address } = await hookedUser(first, 'owner@restart.test', hook.url);
  await sendMail(first, { to: address, subject: 'failed once', text: 'x' });
  await hook.waitFor(1);
  await first.burnbox.webhookDelivery.runDue();
  await sendMail(first, { to: address, subject: 'cut off', text: 'x' });
  await hook.waitFor(2);
  assert.equal(hook.open(), 1);
  assert.equal(await first.burnbox.services.store.countPendingWebhooks(), 2);
  // The request is never answered: stopping ends only if it aborts it instead of waiting.
  await first.close();
  await until(() => hook.open() === 0, 'the cut-off request is closed by the stopping server');

  serving = 'second';
  const second = await startTestServer(settings);
  t.after(() => second.close());
  // The cut-off request is due again at once: sent on start, with no clock change.
  await hook.waitFor(3);
  assert.equal(JSON.parse(hook.requests[2]?.body ?? '{}').subject, 'cut off');
  assert.equal(hook.requests[2]?.headers['x-webhook-id'], hook.requests[1]?.headers['x-webhook-id']);
  const { webhookDelivery, services } = second.burnbox;
  await webhookDelivery.runDue();
  assert.equal(hook.requests.length, 3);
  // The retry keeps its schedule (5–10 s after the 500).
  second.clock.now = first.clock.now + 10_001;
  await webhookDelivery.runDue();
  assert.equal(hook.requests.length, 4);
  assert.equal(JSON.parse(hook.requests[3]?.body ?? '{}').subject, 'failed once');
  assert.equal(hook.requests[3]?.headers['x-webhook-id'], hook.requests[0]?.headers['x-webhook-id']);
  assert.equal(await services.store.countPendingWebhooks(), 0);

  const log = await services.webhooks.log((await services.store.getUserById(record.id)) as UserRecord);
  assert.deepEqual(
    log.map((a) => [a.attempt, a.statusCode, a.outcome]),
    [
      [2, 200, 'delivered'],
      [1, 200, 'delivered'],
      [1, 500, 'retry'],
    ],
  );
});
