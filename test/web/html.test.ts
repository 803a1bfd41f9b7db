// The template helpers for translated sentences and reference text escape what they insert:
// a sentence's parameters and its code spans cannot add markup.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ltr, ltrCode, phrase, withCodeSpans } from '../../src/web/html.ts';

test('phrase escapes the sentence and plain parameters, and keeps markup parameters', () => {
  const out = phrase('Send <it> as {header} to {who}; {missing} stays', {
    header: ltrCode('Authorization: Bearer <key>'),
    who: '<b>you</b>',
  }).value;
  assert.equal(
    out,
    'Send &lt;it&gt; as <code dir="ltr">Authorization: Bearer &lt;key&gt;</code> to &lt;b&gt;you&lt;/b&gt;; {missing} stays',
  );
});

test('ltr isolates a fragment, escaped', () => {
  assert.equal(ltr('a<b@example.com>').value, '<bdi dir="ltr">a&lt;b@example.com&gt;</bdi>');
});

test('code spans become code, the rest stays text, left-to-right marks around them go', () => {
  assert.equal(
    withCodeSpans('Use `x<y` & \u200e`name@domain`\u200e; a lone ` stays').value,
    'Use <code dir="ltr">x&lt;y</code> &amp; <code dir="ltr">name@domain</code>; a lone ` stays',
  );
});
