// The fix applied to postgres.js as it loads (src/store/postgres/driver-patch.ts) must still
// find the code it replaces in the installed driver; when an upgrade changes that code, this
// fails, and the fix is to be dropped if the release has its own.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { patchConnectionSource } from '../../src/store/postgres/driver-patch.ts';

test('the closed-socket guard applies to the installed postgres.js', () => {
  // The ESM entry (src/index.js), the one Burnbox loads, sits beside connection.js.
  const source = readFileSync(new URL('./connection.js', import.meta.resolve('postgres')), 'utf8');
  const patched = patchConnectionSource(source);
  assert.notEqual(patched, source);
  assert.match(patched, /function nextWrite\(fn\) \{\n {4}if \(!socket\) \{/);
});
