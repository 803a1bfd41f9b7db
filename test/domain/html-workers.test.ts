// BURNBOX_HTML_WORKERS is the size of the pool that works on received HTML: work submitted all
// at once is spread over that many worker threads, and no more are started.
import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import { test } from 'node:test';
import { startServices } from './helpers.ts';

test('work submitted at once runs on BURNBOX_HTML_WORKERS threads, no more', async (t) => {
  let started = 0;
  const count = () => started++;
  diagnostics.subscribe('worker_threads', count);
  t.after(() => diagnostics.unsubscribe('worker_threads', count));
  const server = await startServices({ BURNBOX_HTML_WORKERS: '3' });
  t.after(() => server.close());
  const { htmlWork } = server.services;
  assert.equal(started, 0, 'workers are started when there is work');
  const texts = await Promise.all(
    Array.from({ length: 9 }, (_, i) => htmlWork.plainText(`<p>paragraph <b>${i}</b></p>`)),
  );
  assert.deepEqual(
    texts,
    Array.from({ length: 9 }, (_, i) => `paragraph ${i}`),
  );
  assert.equal(started, 3);
});
