// The public URL follows the HTTP port when it is not set: every link handed out (attachment
// URLs, share links, the API base URL, the OpenAPI server, the docs' samples) names the port
// actually listened on, also when that was chosen by the system (port 0).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { addDomain, startTestServer, type TestServer } from '../support/harness.ts';
import { linksHandedOut } from '../support/links.ts';

let server: TestServer;

before(async () => {
  // The harness listens on port 0; an empty BURNBOX_PUBLIC_URL is the same as none.
  server = await startTestServer({ BURNBOX_PUBLIC_URL: '' });
  await addDomain(server, 'example.com');
});
after(() => server.close());

test('with HTTP port 0 and no public URL, every link names the port actually bound', async () => {
  const { accounts } = server.burnbox.services;
  const created = await accounts.createUser({ email: 'links@people.test', password: 'a good password' });
  const key = await accounts.issueApiKey(created.id);
  const links = await linksHandedOut(server, {
    email: 'links@people.test',
    password: 'a good password',
    key,
  });

  const origin = `http://localhost:${server.burnbox.httpPort}`;
  assert.ok(links.attachmentUrl.startsWith(`${origin}/api/messages/`), links.attachmentUrl);
  assert.equal(links.apiBase, `${origin}/api`);
  assert.ok(links.shareUrl.startsWith(`${origin}/inbox/`), links.shareUrl);
  assert.equal(links.openApiServer, origin);
  assert.ok(links.docsPage.includes(`${origin}/api/`), 'the docs samples use the bound port');
  assert.doesNotMatch(links.docsPage, /localhost:(0|8080)\b/);
});
