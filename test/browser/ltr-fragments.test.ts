// On Arabic (right-to-left) pages, left-to-right fragments (addresses, URLs, keys, headers,
// paths, code) are isolated, so their characters keep their order, and they sit where the
// right-to-left text around them puts them (not flush left).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { browserUnavailable, newContext, screenshot, useBrowserFixture } from '../support/browser.ts';
import { sendMail } from '../support/harness.ts';

/**
 * Text of the page that looks left-to-right (an address, a URL, a path, a header with a
 * placeholder, a JSON snippet) but is not inside an element marked `dir="ltr"`: the bidi
 * algorithm would reorder its neutral characters among the Arabic around it.
 */
async function unisolatedFragments(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const looksLtr =
      /[\w.+-]+@[\w-]+\.[\w.-]+|https?:\/\/\S+|(?:^|\s)\/[\w.-]+\.json|<key>|YOUR_API_KEY|\{"\w+"|Authorization: Bearer|X-API-Key:/;
    const found: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      if (!parent || parent.closest('script, style, noscript, [lang="en"]')) continue;
      const text = node.textContent ?? '';
      if (!looksLtr.test(text)) continue;
      if (parent.closest('[dir]')?.getAttribute('dir') !== 'ltr') found.push(text.trim());
    }
    return found;
  });
}

describe('left-to-right fragments on Arabic pages', { skip: browserUnavailable() }, () => {
  const env = useBrowserFixture(async (server) => {
    const { accounts } = server.burnbox.services;
    await accounts.createUser({ email: 'admin@people.test', password: 'admin-password' });
    await accounts.setAdmin('admin@people.test', true);
  });

  test('are isolated everywhere: inbox, message, account, admin, docs', async () => {
    const context = await newContext(env.browser, { locale: 'ar' });
    const page = await context.newPage();
    await page.goto(env.server.baseUrl);
    await page.locator('#live-status[data-state="live"]').waitFor();
    const address = (await page.locator('#address').textContent()) ?? '';
    await sendMail(env.server, {
      from: 'سارة <sara@example.org>',
      to: address,
      subject: 'مرحبا',
      text: 'نص',
    });
    await page.locator('#messages li').first().locator('button').click();
    await page.locator('.reader-subject').waitFor();
    assert.deepEqual(await unisolatedFragments(page), [], 'the inbox with a message open');

    // The To address sits at the start of its line (the right), as the Arabic text around it.
    const to = page.locator('.reader-meta dd bdi[dir="ltr"]', { hasText: address });
    assert.equal(await to.textContent(), address);
    const toBox = await to.boundingBox();
    const lineBox = await to.locator('xpath=..').boundingBox();
    assert.ok(toBox && lineBox);
    assert.ok(
      Math.abs(toBox.x + toBox.width - (lineBox.x + lineBox.width)) < 2,
      'the address is aligned right, where an Arabic line starts',
    );
    // The sender's name and address are isolated from each other.
    assert.equal(
      await page.locator('.reader-meta dd bdi[dir="ltr"]', { hasText: 'sara@' }).textContent(),
      '<sara@example.org>',
    );
    await screenshot(page, 'ar-ltr-reader');

    await page.goto(`${env.server.baseUrl}/login`);
    await page.locator('input[name="email"]').fill('admin@people.test');
    await page.locator('input[name="password"]').fill('admin-password');
    await page.locator('form[action="/login"] button').click();
    await page.waitForURL(/\/account$/);
    assert.deepEqual(await unisolatedFragments(page), [], 'the account page');
    // The header hint reads as written: "Authorization: Bearer <key>", not "<Authorization: Bearer <key".
    const hint = page.locator('code[dir="ltr"]', { hasText: 'Authorization' });
    assert.equal(await hint.textContent(), 'Authorization: Bearer <key>');
    assert.equal(
      await page.locator('p.muted bdi[dir="ltr"]', { hasText: '@' }).textContent(),
      'admin@people.test',
    );
    await screenshot(page, 'ar-ltr-account');

    await page.goto(`${env.server.baseUrl}/admin`);
    assert.deepEqual(await unisolatedFragments(page), [], 'the admin page');

    await page.goto(`${env.server.baseUrl}/docs`);
    assert.deepEqual(await unisolatedFragments(page), [], 'the docs');
    assert.equal(await page.locator('a[href="/openapi.json"] bdi[dir="ltr"]').textContent(), '/openapi.json');
    await page.locator('a[href="/openapi.json"]').locator('xpath=..').screenshot({
      path: 'test-results/screenshots/ar-ltr-openapi.png',
    });
    await context.close();
  });
});
