// The rules the browser checks before a form is sent (pattern attributes) are the domain's own
// rules: every name and domain the browser lets through, the server accepts, and the other
// way round (upper case aside: the browser lets it through, the server lower-cases it).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normaliseDomain, normaliseLocalPart } from '../../src/domain/addresses.ts';
import { domainRule, type InputRule, localPartRule } from '../../src/web/form-rules.ts';

/** How a browser applies a `pattern` attribute: the whole value, with the `v` flag. */
const browserAccepts = (rule: InputRule, value: string) =>
  new RegExp(`^(?:${rule.pattern})$`, 'v').test(value) && value.length <= rule.maxLength;

const serverAccepts = (check: (value: string) => string, value: string) => {
  try {
    check(value);
    return true;
  } catch {
    return false;
  }
};

test('the name pattern and length accept exactly the local parts the domain accepts', () => {
  const names = [
    'a',
    'ab',
    'demo123',
    'first.last',
    'first_last-2',
    'Mixed.Case',
    'x'.repeat(64),
    'x'.repeat(65),
    '',
    '.lead',
    'trail.',
    '-lead',
    'trail_',
    'two..dots',
    'a.-b',
    'with space',
    'plus+tag',
    'ünïcode',
    'at@sign',
  ];
  for (const name of names) {
    assert.equal(
      browserAccepts(localPartRule, name),
      serverAccepts(normaliseLocalPart, name),
      `"${name}": browser and server agree`,
    );
  }
});

test('the domain pattern and length accept exactly the domain names the domain accepts', () => {
  const domains = [
    'example.com',
    'mail.example.org',
    'Mail.Example.ORG',
    'trailing.dot.test.',
    'xn--bcher-kva.example',
    'a-b.c-d.io',
    `${'a'.repeat(63)}.test`,
    `${'a'.repeat(64)}.test`,
    'nodot',
    'under_score.test',
    '-lead.test',
    'trail-.test',
    'double..dot.test',
    'numeric.tld1',
    'short.t',
    'spa ce.test',
    '',
  ];
  for (const domain of domains) {
    assert.equal(
      browserAccepts(domainRule, domain),
      serverAccepts(normaliseDomain, domain),
      `"${domain}": browser and server agree`,
    );
  }
});
