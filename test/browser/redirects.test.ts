// The language switch's `next=` in a real browser: a target with a tab (which Chromium drops,
// reading `/\t/host` as `//host`) must leave the reader on this site.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { browserUnavailable, newContext, useBrowserFixture } from '../support/browser.ts';

describe('redirects in a browser', { skip: browserUnavailable() }, () => {
  const env = useBrowserFixture();

  test('a language link whose next= hides another host keeps Chromium on our origin', async () => {
    // A second site on loopback, standing for the phishing page the link points at.
    const phish = http.createServer((_req, res) => res.end('phished'));
    await new Promise<void>((resolve) => phish.listen(0, '127.0.0.1', resolve));
    const { port } = phish.address() as AddressInfo;
    const context = await newContext(env.browser);
    try {
      const page = await context.newPage();
      for (const hidden of ['%09', '%0A', '%0D%0A', '%0B', '%5C']) {
        await page.goto(`${env.server.baseUrl}/lang/en?next=/${hidden}/127.0.0.1:${port}/phish`);
        assert.equal(new URL(page.url()).origin, env.server.baseUrl, `${hidden}: ${page.url()}`);
        assert.doesNotMatch(await page.content(), /phished/);
      }
    } finally {
      await context.close();
      phish.close();
    }
  });
});
