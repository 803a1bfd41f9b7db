// Long strings of a JSON response are escaped a slice at a time, and stored JSON is put in as it
// is: the text that arrives is what JSON.stringify would have made.
import assert from 'node:assert/strict';
import { text } from 'node:stream/consumers';
import { test } from 'node:test';
import { jsonStream, RawJson } from '../../src/http/json-stream.ts';
import { sliceBytes } from '../../src/http/paced-body.ts';

test('long strings arrive as JSON.stringify writes them, whatever they hold', async () => {
  const long = `${'a"\\\u0000\r\n</script>😀'.repeat(60_000)}end`;
  const value = {
    message: { id: 'x', content: long, html: `<p>${long}`, subject: '\u0000', n: 1, list: [long] },
  };
  assert.equal(await text(jsonStream(value)), JSON.stringify(value));
});

test('a surrogate pair on a slice boundary is not split into two escapes', async () => {
  const value = { h: `${'x'.repeat(256 * 1024 - 1)}😀${'y'.repeat(100_000)}` };
  assert.equal(await text(jsonStream(value)), JSON.stringify(value));
});

test('a string that looks like a placeholder stays a string', async () => {
  const value = { a: '\u0000json', b: 'x'.repeat(70_000), c: '\u00000' };
  assert.equal(await text(jsonStream(value)), JSON.stringify(value));
});

test('raw JSON is put in as it comes', async () => {
  async function* chunks() {
    yield Buffer.from('"stored ');
    yield Buffer.from('json"');
  }
  const out = await text(jsonStream({ before: 1, raw: new RawJson(chunks()), after: 'x'.repeat(70_000) }));
  assert.deepEqual(JSON.parse(out), { before: 1, raw: 'stored json', after: 'x'.repeat(70_000) });
});

test('a long string is sent a slice per turn of the event loop, not all at once', async () => {
  const value = { content: 'x'.repeat(4 * 1024 * 1024) };
  let turns = 0;
  let running = true;
  const tick = () => {
    turns++;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  const seen: number[] = [];
  let bytes = 0;
  for await (const piece of jsonStream(value)) {
    bytes += (piece as Buffer).length;
    seen.push(turns);
  }
  running = false;
  assert.equal(bytes, JSON.stringify(value).length);
  // The loop turned between each slice and the next.
  const slices = Math.ceil(bytes / sliceBytes);
  assert.ok(
    turns >= slices - 1,
    `the loop turned ${turns} times while 4 MiB were sent (at: ${seen.join(', ')})`,
  );
});
