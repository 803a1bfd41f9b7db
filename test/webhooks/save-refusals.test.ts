// A webhook URL that could never be delivered is refused when it is saved, with a reason, by
// the key API, the account page and the CLI alike: one pointing at a loopback, private or
// other internal address (a literal, or a host name any of whose addresses is one) names
// BURNBOX_WEBHOOK_ALLOW_PRIVATE; a host that does not resolve is refused too; and a URL with
// line breaks, other control characters or spaces is never stored. Saved URLs are checked
// again when sending (test/webhooks/private-targets.test.ts).
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ResolveHost } from '../../src/net/target-check.ts';
import { assertKeyError, keyApi } from '../key-api/helpers.ts';
import {
  assertOnTestBackend,
  createUser,
  installationSettings,
  removeInstallation,
  startTestServer,
  type TestServer,
} from '../support/harness.ts';
import { runCli } from '../support/process.ts';
import { WebClient } from '../support/web-client.ts';

/** A stub DNS: names of the table resolve to their addresses, the rest fail with their code. */
const stubDns: ResolveHost = async (hostname) => {
  const table: Record<string, string[]> = {
    'hooks.public.test': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
    localhost: ['127.0.0.1', '::1'],
    'receiver.lan.test': ['192.168.1.20'],
    // One public and one internal address: the socket could pick either, so it is refused.
    'split.test': ['93.184.216.34', '10.0.0.7'],
    'metadata.test': ['169.254.169.254'],
  };
  const addresses = table[hostname];
  if (addresses) return addresses;
  if (hostname === 'silent.test') return new Promise<string[]>(() => {}); // never answers
  const code = hostname === 'flaky.test' ? 'EAI_AGAIN' : 'ENOTFOUND';
  throw Object.assign(new Error(`getaddrinfo ${code} ${hostname}`), { code });
};

const privateTargets: [string, string, RegExp][] = [
  ['an IPv4 loopback literal', 'http://127.0.0.1:9000/hook', /127\.0\.0\.1, a loopback address/],
  ['an IPv6 loopback literal', 'http://[::1]:9000/hook', /::1, a loopback address/],
  ['a private IPv4 literal', 'https://10.1.2.3/hook', /10\.1\.2\.3, a private address/],
  ['the metadata address', 'http://169.254.169.254/latest', /linkLocal address/],
  ['an integer IPv4 literal', 'http://2130706433/hook', /127\.0\.0\.1, a loopback address/],
  ['an IPv4-mapped IPv6 literal', 'http://[::ffff:10.0.0.1]/', /embedded in IPv6/],
  ['localhost', 'http://localhost:8080/hook', /localhost resolves to 127\.0\.0\.1, a loopback address/],
  ['a name on the LAN', 'http://receiver.lan.test/hook', /resolves to 192\.168\.1\.20, a private address/],
  ['a name with one internal address', 'https://split.test/hook', /resolves to 10\.0\.0\.7/],
  ['a name resolving to the metadata address', 'http://metadata.test/', /169\.254\.169\.254/],
];

const malformed: [string, string][] = [
  ['CR LF', 'https://hooks.public.test/a\r\nX-Injected: 1'],
  ['a line feed in the host', 'https://hooks.pub\nlic.test/a'],
  ['a tab', 'https://hooks.public.test/a\tb'],
  ['a space', 'https://hooks.public.test/a b'],
  ['a NUL', 'https://hooks.public.test/a\u0000'],
  ['a right-to-left override', 'https://hooks.public.test/\u202Eexe.pdf'],
];

describe('with private targets not allowed (the default)', () => {
  let server: TestServer;
  let users = 0;
  const newUser = () => createUser(server, `saver${++users}@example.org`);
  before(async () => {
    // The shortest webhook timeout: saving waits for the resolver no longer than this.
    server = await startTestServer({ BURNBOX_WEBHOOK_TIMEOUT_SECONDS: '1' }, { resolveHost: stubDns });
  });
  after(() => server.close());

  for (const [what, url, reason] of privateTargets) {
    test(`the key API refuses a webhook to ${what} with a 400 naming the setting`, async () => {
      const user = await newUser();
      const res = await keyApi(server, 'POST', '/api/webhook', {
        key: user.key,
        body: { url, enabled: true },
      });
      assertKeyError(res, 400, url);
      assert.match(res.body.error, reason);
      assert.match(res.body.error, /BURNBOX_WEBHOOK_ALLOW_PRIVATE=true/);
      const stored = await keyApi(server, 'GET', '/api/webhook', { key: user.key });
      assert.deepEqual(stored.body, { url: '', enabled: false }, 'nothing was stored');
      // Switched off or not, the URL would never be delivered.
      const off = await keyApi(server, 'POST', '/api/webhook', {
        key: user.key,
        body: { url, enabled: false },
      });
      assertKeyError(off, 400, `${url} disabled`);
    });
  }

  test('a host that does not resolve, or not now, is refused with a clear 400', async () => {
    const user = await newUser();
    const missing = await keyApi(server, 'POST', '/api/webhook', {
      key: user.key,
      body: { url: 'https://hooks.exmaple.test/in', enabled: true },
    });
    assertKeyError(missing, 400, 'unresolvable');
    assert.equal(missing.body.error, 'The webhook host hooks.exmaple.test does not resolve to any address.');
    const flaky = await keyApi(server, 'POST', '/api/webhook', {
      key: user.key,
      body: { url: 'https://flaky.test/in', enabled: true },
    });
    assertKeyError(flaky, 400, 'temporary failure');
    assert.match(flaky.body.error, /could not be resolved just now \(EAI_AGAIN\); try again later/);
  });

  test('a resolver that never answers is given up after the webhook timeout, with a clear 400', async () => {
    const user = await newUser();
    const res = await keyApi(server, 'POST', '/api/webhook', {
      key: user.key,
      body: { url: 'https://silent.test/in', enabled: true },
    });
    assertKeyError(res, 400, 'silent resolver');
    assert.match(res.body.error, /could not be resolved just now \(ETIMEOUT\)/);
  });

  test('a public host is saved, and "" still clears the webhook', async () => {
    const user = await newUser();
    for (const url of ['https://hooks.public.test/in', 'http://93.184.216.34:8080/x', '']) {
      const res = await keyApi(server, 'POST', '/api/webhook', {
        key: user.key,
        body: { url, enabled: url !== '' },
      });
      assert.equal(res.status, 200, `${url}: ${JSON.stringify(res.body)}`);
      const stored = await keyApi(server, 'GET', '/api/webhook', { key: user.key });
      assert.equal(stored.body.url, url);
    }
  });

  for (const [what, url] of malformed) {
    test(`a webhook URL with ${what} is refused and not stored`, async () => {
      const user = await newUser();
      const res = await keyApi(server, 'POST', '/api/webhook', {
        key: user.key,
        body: { url, enabled: true },
      });
      assertKeyError(res, 400, JSON.stringify(url));
      // A NUL is refused for every field of every request (src/http/nul-guard.ts).
      assert.match(res.body.error, /spaces, line breaks or other control characters|NUL character/);
      const stored = await keyApi(server, 'GET', '/api/webhook', { key: user.key });
      assert.equal(stored.body.url, '', 'nothing was stored');
    });
  }

  test('the account page shows the refusal on the webhook form and stores nothing', async () => {
    const { accounts, webhooks } = server.burnbox.services;
    const email = 'form-saver@example.org';
    const user = await accounts.createUser({ email, password: 'a good password' });
    const client = new WebClient(server);
    assert.equal((await client.post('/login', { email, password: 'a good password' })).status, 303);
    for (const [url, reason] of [
      [
        'http://localhost:3000/hook',
        /localhost resolves to 127\.0\.0\.1, a loopback address.*BURNBOX_WEBHOOK_ALLOW_PRIVATE/,
      ],
      ['https://hooks.public.test/a\r\nb', /line breaks/],
    ] as const) {
      const page = await client.post('/account/webhook', { url, enabled: 'on' });
      assert.ok(page.status >= 400 && page.status < 500, `${JSON.stringify(url)}: status ${page.status}`);
      assert.match(page.text, reason);
      assert.equal((await webhooks.get(user)).url, '', 'nothing was stored');
    }
  });
});

describe('with BURNBOX_WEBHOOK_ALLOW_PRIVATE=true', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ BURNBOX_WEBHOOK_ALLOW_PRIVATE: 'true' }, { resolveHost: stubDns });
  });
  after(() => server.close());

  test('private and local targets are saved', async () => {
    const user = await createUser(server, 'allowed@example.org');
    for (const [, url] of privateTargets) {
      const res = await keyApi(server, 'POST', '/api/webhook', {
        key: user.key,
        body: { url, enabled: true },
      });
      assert.equal(res.status, 200, `${url}: ${JSON.stringify(res.body)}`);
    }
  });

  test('control characters are refused all the same', async () => {
    const user = await createUser(server, 'allowed2@example.org');
    const res = await keyApi(server, 'POST', '/api/webhook', {
      key: user.key,
      body: { url: 'http://127.0.0.1/a\r\nb', enabled: true },
    });
    assertKeyError(res, 400, 'CR LF');
  });
});

describe('the CLI', () => {
  let dataDir: string;
  let env: Record<string, string>;
  before(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'burnbox-webhook-refusals-'));
    env = { BURNBOX_DATA_DIR: dataDir, BURNBOX_LOG_LEVEL: 'silent', ...installationSettings(dataDir) };
    const created = runCli(['user', 'create', 'cli-saver@example.org'], env);
    assert.equal(created.status, 0, created.stderr);
    assertOnTestBackend(dataDir);
  });
  after(() => removeInstallation(dataDir));

  // Literal addresses and localhost need no network to resolve.
  for (const [url, reason] of [
    ['http://127.0.0.1:9000/hook', /127\.0\.0\.1, a loopback address/],
    ['http://localhost:9000/hook', /localhost resolves to (127\.0\.0\.1|::1), a loopback address/],
    ['http://192.168.0.10/hook', /private address/],
  ] as const) {
    test(`webhook set refuses ${url} naming the setting, and stores nothing`, () => {
      const result = runCli(['webhook', 'set', 'cli-saver@example.org', url], env);
      assert.notEqual(result.status, 0, 'the command fails');
      assert.match(result.stderr, reason);
      assert.match(result.stderr, /BURNBOX_WEBHOOK_ALLOW_PRIVATE/);
      assert.match(runCli(['webhook', 'show', 'cli-saver@example.org'], env).stdout, /^url\t\(none\)$/m);
    });
  }

  test('webhook set refuses a URL with a line break', () => {
    const result = runCli(['webhook', 'set', 'cli-saver@example.org', 'http://93.184.216.34/a\nb'], env);
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /line breaks/);
  });

  test('with BURNBOX_WEBHOOK_ALLOW_PRIVATE=true, webhook set saves a loopback URL', () => {
    const allowed = { ...env, BURNBOX_WEBHOOK_ALLOW_PRIVATE: 'true' };
    const result = runCli(['webhook', 'set', 'cli-saver@example.org', 'http://127.0.0.1:9000/hook'], allowed);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /webhook on, http:\/\/127\.0\.0\.1:9000\/hook/);
  });
});
