// The HTML worker pool serves small work first: an ordinary mail's text is not made to wait
// behind a queue of megabyte-sized HTML sent by someone else.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HtmlWorkPool } from '../../src/mail/html-work.ts';

test('queued small work runs before queued big work, and everything is done', async () => {
  const pool = new HtmlWorkPool({ workers: 1, maxBytes: 8 * 1024 * 1024, budgetMs: 60_000 });
  try {
    const big = `<div>${'<p>Some <b>long</b> paragraph of a newsletter.</p>'.repeat(40_000)}</div>`;
    const finished: string[] = [];
    const track = (name: string, work: Promise<string>) =>
      work.then((text) => {
        finished.push(name);
        return text;
      });
    // The first big job takes the only worker; the rest wait in the queue.
    const jobs = [
      track('big 1', pool.plainText(big)),
      track('big 2', pool.plainText(big)),
      track('big 3', pool.plainText(big)),
      track('small', pool.plainText('<p>Your code is 482913</p>')),
    ];
    const texts = await Promise.all(jobs);
    assert.deepEqual(finished, ['big 1', 'small', 'big 2', 'big 3']);
    assert.equal(texts[3], 'Your code is 482913');
    assert.ok(texts[1]?.startsWith('Some long paragraph'));
  } finally {
    await pool.close();
  }
});
