// Plain text of HTML-only mail: html-to-text, or for markup nested too deep for its recursion a
// flat reading that cannot overflow the stack.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flatText, htmlToPlainText } from '../../src/mail/plain-text.ts';

test('ordinary HTML is converted by html-to-text, images left out', () => {
  assert.equal(
    htmlToPlainText('<p>Hello <b>you</b></p><img src="x" alt="pic"><p>Bye</p>'),
    'Hello you\n\nBye',
  );
});

test('markup nested 20,000 deep still gives its text', () => {
  const html = `${'<div>'.repeat(20_000)}Deep &amp; inside${'</div>'.repeat(20_000)}<p>After</p>`;
  const text = htmlToPlainText(html);
  assert.match(text, /Deep & inside/);
  assert.match(text, /After/);
});

test('the flat reading drops scripts, styles and tags, breaks blocks and decodes entities', () => {
  assert.equal(
    flatText(
      '<head><title>T</title><style>p{}</style></head><script>x()</script><p>One&nbsp;&lt;two&gt;</p><div>&#x1F389; &#233;</div><br>end',
    ),
    'One <two>\n🎉 é\n\nend',
  );
});

// Megabytes of unclosed markup (HTML is capped at BURNBOX_HTML_MAX_BYTES, 8 MiB by default): a
// quadratic reading takes minutes on these and is stopped by the generous limit; a linear one
// takes milliseconds.
test('the flat reading is linear on hostile markup: unclosed scripts, comments and tags run to the end', {
  timeout: 60_000,
}, () => {
  assert.equal(flatText(`<p>Keep</p>${'<script>x'.repeat(200_000)}`), 'Keep');
  assert.equal(flatText(`<p>Keep</p>${'<!-- x'.repeat(200_000)}`), 'Keep');
  assert.equal(flatText(`Keep ${'<br'.repeat(400_000)}`), 'Keep');
  assert.equal(flatText(`Keep ${'< a'.repeat(400_000)}`), 'Keep');
  assert.equal(flatText('<style>p{}</style>A<!-- c -->B<script>x</script >C<title>t</title>'), 'A B C');
});
