// The fix applied to postgres.js as it loads (src/store/postgres/driver-patch.ts): it must
// still find the code it replaces in the installed driver (when an upgrade changes that code,
// this fails, and the fix is to be dropped if the release has its own), and with it a query on
// a connection the server ended no longer kills the process.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { patchConnectionSource } from '../../src/store/postgres/driver-patch.ts';
import { postgresUnavailable, postgresUrl } from '../support/postgres.ts';

test('the closed-socket guard applies to the installed postgres.js', () => {
  // The ESM entry (src/index.js), the one Burnbox loads, sits beside connection.js.
  const source = readFileSync(new URL('./connection.js', import.meta.resolve('postgres')), 'utf8');
  const patched = patchConnectionSource(source);
  assert.notEqual(patched, source);
  assert.match(patched, /function nextWrite\(fn\) \{\n {4}if \(!socket\) \{/);
});

test('with the guard, queries on connections the server ended do not kill the process', async (t) => {
  const skip = await postgresUnavailable();
  if (skip) return t.skip(skip);
  const child = spawnSync(
    process.execPath,
    [
      '--import',
      new URL('../../src/store/postgres/driver-patch.ts', import.meta.url).pathname,
      new URL('./fixtures/query-after-backend-ends.ts', import.meta.url).pathname,
      postgresUrl(),
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(child.status, 0, child.stderr);
  assert.match(child.stdout, /survived/);
});
