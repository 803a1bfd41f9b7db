// The extraction corpus scored with thresholds: precision of the returned top codes (a code for a
// mail that has none counts against it) and top-1 recall (mails with a code whose first code is
// right), and the same for the action link (the first link, when it is verify, magic_link or
// reset). Prints the figures; a failure lists the mails that went wrong.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describe, loadCorpus, scoreCorpus } from './corpus.ts';

const mails = loadCorpus();
const { codes, actions } = scoreCorpus(mails);

test('the corpus holds at least 150 mails in the seven languages, text-only, HTML-only and both', () => {
  assert.ok(mails.length >= 150, `${mails.length} mails`);
  for (const lang of ['en', 'ar', 'zh', 'es', 'de', 'fr', 'ru']) {
    assert.ok(mails.filter((m) => m.name.startsWith(`${lang}-`)).length >= 10, lang);
  }
  const forms = {
    textOnly: mails.filter((m) => m.text && !m.html).length,
    htmlOnly: mails.filter((m) => !m.text && m.html).length,
    both: mails.filter((m) => m.text && m.html).length,
  };
  assert.ok(forms.textOnly >= 15 && forms.htmlOnly >= 15 && forms.both >= 15, JSON.stringify(forms));
  const withCode = mails.filter((m) => m.expect.code !== null).length;
  const ordinary = mails.filter((m) => m.expect.code === null && m.expect.action === null).length;
  assert.ok(withCode >= 50 && ordinary >= 40, `${withCode} with a code, ${ordinary} ordinary`);
});

test('codes: precision ≥ 99 % and top-1 recall ≥ 97 % on the corpus', () => {
  console.log(`# ${mails.length} mails. ${describe('codes', codes)}`);
  assert.ok(codes.precision >= 0.99, `${describe('codes', codes)}\n${codes.misses.join('\n')}`);
  assert.ok(codes.recall >= 0.97, `${describe('codes', codes)}\n${codes.misses.join('\n')}`);
});

test('action links: precision ≥ 99 % and top-1 recall ≥ 97 % on the corpus', () => {
  console.log(`# ${describe('action links', actions)}`);
  assert.ok(actions.precision >= 0.99, `${describe('action links', actions)}\n${actions.misses.join('\n')}`);
  assert.ok(actions.recall >= 0.97, `${describe('action links', actions)}\n${actions.misses.join('\n')}`);
});
