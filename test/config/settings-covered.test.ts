// Every setting of the README's table is exercised by a test of its effect: named in a test
// file other than the ones that only check how settings are read and refused. A new setting
// without such a test fails here.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

const root = new URL('../../', import.meta.url).pathname;
const parsingOnly = new Set(['test/config/settings.test.ts', 'test/config/setting-messages.test.ts']);

function testFiles(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return entry.name === 'fixtures' ? [] : testFiles(relative);
    return /\.ts$/.test(entry.name) && !parsingOnly.has(relative) ? [relative] : [];
  });
}

test("every setting of the README's table is exercised by some test", () => {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const settings = [...readme.matchAll(/^\| `(BURNBOX_[A-Z0-9_]+)`/gm)].map((m) => m[1] as string);
  assert.ok(settings.length > 40, `the table was read (${settings.length} settings)`);
  const sources = testFiles('test').map((file) => readFileSync(path.join(root, file), 'utf8'));
  const untested = settings.filter((name) => !sources.some((source) => source.includes(name)));
  assert.deepEqual(untested, []);
});
