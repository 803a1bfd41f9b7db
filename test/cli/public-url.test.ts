// `burnbox serve` on another HTTP port than 8080: without BURNBOX_PUBLIC_URL every link follows
// the port; a public URL naming this machine on another port is warned of at start.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { linksHandedOut } from '../support/links.ts';
import { runCli, startServe } from '../support/process.ts';

let dataDir: string;

before(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'burnbox-public-url-'));
});
after(() => rmSync(dataDir, { recursive: true, force: true }));

function cli(args: string[], env: Record<string, string> = {}) {
  const result = runCli(args, { BURNBOX_DATA_DIR: dataDir, ...env });
  assert.equal(result.status, 0, result.stderr);
  return result;
}

test('without BURNBOX_PUBLIC_URL, the links of a server on another port all name that port', async () => {
  cli(['domain', 'add', 'example.com']);
  cli(['user', 'create', 'port@people.test', '--password', 'a good password']);
  const key = cli(['key', 'create', 'port@people.test']).stdout.trim();
  const serve = await startServe({ BURNBOX_DATA_DIR: dataDir });
  try {
    assert.notEqual(serve.httpPort, 8080);
    const links = await linksHandedOut(serve, {
      email: 'port@people.test',
      password: 'a good password',
      key,
    });
    const origin = `http://localhost:${serve.httpPort}`;
    assert.ok(links.attachmentUrl.startsWith(`${origin}/api/messages/`), links.attachmentUrl);
    assert.equal(links.apiBase, `${origin}/api`);
    assert.ok(links.shareUrl.startsWith(`${origin}/inbox/`), links.shareUrl);
    assert.equal(links.openApiServer, origin);
    assert.ok(links.docsPage.includes(`${origin}/api/`), 'the docs samples use the HTTP port');
    assert.doesNotMatch(links.docsPage, /localhost:8080/);
  } finally {
    await serve.stop();
  }
  assert.doesNotMatch(serve.stderr(), /warning/, 'nothing to warn of');
});

test('burnbox config shows the effective public URL', () => {
  const shown = JSON.parse(cli(['config', '--http-port', '9191']).stdout);
  assert.equal(shown.publicUrl, 'http://localhost:9191');
  const set = JSON.parse(cli(['config'], { BURNBOX_PUBLIC_URL: 'https://mail.example.com/' }).stdout);
  assert.equal(set.publicUrl, 'https://mail.example.com');
});

test('serve warns once when BURNBOX_PUBLIC_URL names this machine on another port than HTTP', async () => {
  const serve = await startServe({ BURNBOX_DATA_DIR: dataDir, BURNBOX_PUBLIC_URL: 'http://127.0.0.1:1' });
  await serve.stop();
  const warnings = serve.stderr().split('\n').filter(Boolean);
  assert.deepEqual(warnings, [
    `burnbox: warning: BURNBOX_PUBLIC_URL=http://127.0.0.1:1 points at this machine on port 1, but HTTP listens on port ${serve.httpPort}: links and the API base URL lead nowhere (unset BURNBOX_PUBLIC_URL to follow the HTTP port)`,
  ]);

  // The same port, or another machine (a proxy in front), is as it should be.
  for (const publicUrl of ['http://localhost:9191', 'https://mail.example.com', 'http://[::1]:9191/']) {
    const ok = cli(['config', '--http-port', '9191'], { BURNBOX_PUBLIC_URL: publicUrl });
    assert.equal(ok.stderr, '', publicUrl);
  }
  const mismatch = runCli(['config', '--http-port', '9191'], {
    BURNBOX_DATA_DIR: dataDir,
    BURNBOX_PUBLIC_URL: 'http://localhost',
  });
  assert.match(
    mismatch.stderr,
    /^burnbox: warning: BURNBOX_PUBLIC_URL=http:\/\/localhost points at this machine on port 80, but HTTP listens on port 9191/,
  );
});
