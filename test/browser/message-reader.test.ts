// The message reader as a person uses it: an open message has an address of its own (a reload
// or back/forward keeps it), sizes read as words, the remote-images button belongs to the HTML
// view, the HTML frame is as tall as the message, and every page has an icon (no 404).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { browserUnavailable, newContext, screenshot, useBrowserFixture } from '../support/browser.ts';
import { sendMail } from '../support/harness.ts';

describe('message reader in a browser', { skip: browserUnavailable() }, () => {
  const env = useBrowserFixture();

  /** A fresh guest inbox, live; returns its address. */
  async function openInbox(page: Page): Promise<string> {
    await page.goto(env.server.baseUrl);
    await page.locator('#live-status[data-state="live"]').waitFor();
    return (await page.locator('#address').textContent()) ?? '';
  }

  async function openMessage(page: Page, subject: string): Promise<void> {
    await page.locator('#messages li', { hasText: subject }).locator('button').click();
    await page.locator('.reader-subject', { hasText: subject }).waitFor();
  }

  test('every page links an icon that is served, and loads without a 404', async () => {
    const context = await newContext(env.browser);
    const page = await context.newPage();
    const failures: string[] = [];
    page.on('response', (response) => {
      if (response.status() >= 400) failures.push(`${response.status()} ${response.url()}`);
    });
    for (const path of ['/', '/docs', '/login', '/register']) {
      await page.goto(`${env.server.baseUrl}${path}`);
      const href = await page.locator('link[rel="icon"]').getAttribute('href');
      assert.ok(href, `${path} links an icon`);
      const icon = await page.request.get(new URL(href, page.url()).href);
      assert.equal(icon.status(), 200);
      assert.match(icon.headers()['content-type'] ?? '', /^image\/svg\+xml/);
      assert.match(await icon.text(), /^<svg /);
    }
    // Clients that ask for the conventional address get the icon too.
    const ico = await page.request.get(`${env.server.baseUrl}/favicon.ico`);
    assert.equal(ico.status(), 200);
    assert.match(ico.headers()['content-type'] ?? '', /^image\//);
    assert.deepEqual(failures, [], 'no request of the pages failed');
    await context.close();
  });

  test('the header says whether the message came encrypted in transit', async () => {
    const context = await newContext(env.browser);
    const page = await context.newPage();
    const address = await openInbox(page);
    await sendMail(env.server, { to: address, subject: 'Plain delivery', text: 'x' });
    await page.locator('#messages li', { hasText: 'Plain delivery' }).waitFor();
    await openMessage(page, 'Plain delivery');
    const meta = page.locator('.reader-meta');
    assert.match((await meta.textContent()) ?? '', /Delivery\s*Not encrypted in transit \(plain SMTP\)/);
    await context.close();
  });

  test('an open message has its own address: a reload keeps it, back and forward move through it', async () => {
    const context = await newContext(env.browser);
    const page = await context.newPage();
    const address = await openInbox(page);
    for (const subject of ['First letter', 'Second letter']) {
      await sendMail(env.server, { to: address, subject, text: `Body of ${subject}` });
      await page.locator('#messages li', { hasText: subject }).waitFor();
    }
    const inboxUrl = page.url();
    await openMessage(page, 'First letter');
    const firstUrl = page.url();
    assert.match(firstUrl, /#message=[\w-]+$/, 'the address names the open message');
    await openMessage(page, 'Second letter');
    const secondUrl = page.url();
    assert.notEqual(secondUrl, firstUrl);

    await page.reload();
    await page.locator('.reader-subject', { hasText: 'Second letter' }).waitFor();
    assert.equal(page.url(), secondUrl, 'a reload reopens the same message');

    await page.goBack();
    await page.locator('.reader-subject', { hasText: 'First letter' }).waitFor();
    assert.equal(page.url(), firstUrl);
    await page.goBack();
    await page.locator('#reader .reader-subject').waitFor({ state: 'detached' });
    assert.equal(page.url(), inboxUrl, 'back again shows the list alone');
    await page.goForward();
    await page.locator('.reader-subject', { hasText: 'First letter' }).waitFor();

    // A message that is gone leaves the list, and the address with it.
    const gone = `${inboxUrl}#message=00000000-0000-4000-8000-000000000000`;
    await page.goto(gone);
    await page.waitForURL(inboxUrl);
    assert.equal(await page.locator('#reader .reader-subject').count(), 0);
    await context.close();
  });

  test('attachment sizes read as words with their units, in English and Arabic', async () => {
    for (const [locale, small, large] of [
      ['en-US', '23 bytes', '1.2 kB'],
      ['ar', '23 بايت', '1.2 كيلوبايت'],
    ] as const) {
      const context = await newContext(env.browser, { locale });
      const page = await context.newPage();
      const address = await openInbox(page);
      await sendMail(env.server, {
        to: address,
        subject: 'Files',
        text: 'two files',
        attachments: [
          { filename: 'small.txt', content: 'x'.repeat(23) },
          { filename: 'large.txt', content: 'y'.repeat(1234) },
        ],
      });
      await openMessage(page, 'Files');
      const sizes = await page.locator('.attachments li .muted').allTextContents();
      assert.deepEqual(sizes, [small, large], locale);
      await context.close();
    }
  });

  test('the remote-images button shows with the HTML view only', async () => {
    const context = await newContext(env.browser);
    const page = await context.newPage();
    const address = await openInbox(page);
    await sendMail(env.server, {
      to: address,
      subject: 'With pictures',
      text: 'text part',
      html: '<p>Look:</p><img src="https://images.example/cat.png" alt="cat">',
    });
    await openMessage(page, 'With pictures');
    const button = page.locator('.show-images');
    assert.equal(await button.isVisible(), true, 'shown with the HTML view');
    await page.getByRole('tab', { name: 'Text' }).click();
    await page.locator('.text-body').waitFor();
    assert.equal(await button.isVisible(), false, 'hidden with the text view');
    await page.getByRole('tab', { name: 'HTML' }).click();
    assert.equal(await button.isVisible(), true, 'shown again with the HTML view');
    await context.close();
  });

  test('the HTML frame is about as tall as the message: no large blank area, no cramped long mail', async () => {
    const context = await newContext(env.browser);
    const page = await context.newPage();
    const address = await openInbox(page);
    const paragraphs = Array.from(
      { length: 40 },
      (_, i) => `Paragraph ${i + 1} of a long letter, with enough words in it to wrap at least once.`,
    );
    await sendMail(env.server, {
      to: address,
      subject: 'Short',
      html: '<p>Just one line.</p>',
    });
    await sendMail(env.server, {
      to: address,
      subject: 'Long',
      html: paragraphs.map((p) => `<p>${p}</p>`).join(''),
    });

    /** The frame's height on the page, and the height of the message inside it. */
    async function heights(subject: string): Promise<{ frame: number; content: number }> {
      await openMessage(page, subject);
      await page.locator('.html-frame[data-fitted]').waitFor();
      const frame = page.frameLocator('iframe.html-body');
      await frame.locator('p').first().waitFor();
      const box = await page.locator('iframe.html-body').boundingBox();
      const last = await frame.locator('p').last().boundingBox();
      assert.ok(box && last);
      // The content ends with its last paragraph and its margin (1em, with the body's inside).
      return { frame: box.height, content: last.y + last.height + 16 - box.y };
    }

    const short = await heights('Short');
    assert.ok(short.frame >= short.content, `the short message fits (${JSON.stringify(short)})`);
    assert.ok(short.frame - short.content < 60, `little blank space below it (${JSON.stringify(short)})`);
    await screenshot(page, 'reader-short-html');

    const long = await heights('Long');
    assert.ok(long.frame > 600, `a long message gets a tall frame (${JSON.stringify(long)})`);
    assert.ok(long.frame >= long.content, `it fits (${JSON.stringify(long)})`);
    assert.ok(
      long.frame - long.content < long.content * 0.1,
      `the frame is about as tall as the message (${JSON.stringify(long)})`,
    );
    const resize = await page.locator('.html-frame').evaluate((el) => getComputedStyle(el).resize);
    assert.equal(resize, 'vertical', 'and the reader can make it taller');
    await screenshot(page, 'reader-long-html');
    await context.close();
  });
});
