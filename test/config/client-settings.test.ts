// The client commands' server URL: the API paths are appended to it, so a query or fragment
// (which would swallow them) is refused like any URL that is not http(s).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadClientSettings } from '../../src/config/client-settings.ts';

test('BURNBOX_URL must be an http(s) URL without query or fragment', () => {
  const key = { BURNBOX_API_KEY: 'bb_key' };
  assert.equal(
    loadClientSettings({ ...key, BURNBOX_URL: 'http://127.0.0.1:8080' }, {}).url,
    'http://127.0.0.1:8080',
  );
  for (const url of ['http://h/?x', 'https://h/#top', 'ftp://h/', 'not a url']) {
    assert.throws(
      () => loadClientSettings({ ...key, BURNBOX_URL: url }, {}),
      /without query or fragment/,
      url,
    );
  }
});
