// The Arabic pages are right-to-left and show no English string of the interface; the choice
// is remembered. Text the reader did not ask to be translated (addresses, the API reference
// taken from the OpenAPI document) is marked lang="en" and left out of the check.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { catalog } from '../../src/web/i18n/catalog.ts';
import { browserUnavailable, newContext, screenshot, useBrowserFixture } from '../support/browser.ts';
import { sendMail } from '../support/harness.ts';

/** Fragments of English interface strings that differ from their Arabic translation. */
function englishFragments(): { key: string; fragment: string }[] {
  const found: { key: string; fragment: string }[] = [];
  for (const [key, en] of Object.entries(catalog.en)) {
    if (en === catalog.ar[key as keyof typeof catalog.ar]) continue;
    for (const part of en.split(/\{\w+\}/)) {
      const fragment = part.trim();
      if ((fragment.match(/[A-Za-z]/g) ?? []).length >= 4) found.push({ key, fragment });
    }
  }
  return found;
}

/** Everything a reader sees or hears on the page: text, labels, placeholders, titles. */
async function visibleText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const skip = (el: Element) => el.closest('[lang="en"], pre, code') !== null;
    const parts: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      if (!parent || skip(parent) || parent.closest('script, style, noscript')) continue;
      parts.push(node.textContent ?? '');
    }
    for (const el of document.querySelectorAll(
      '[placeholder], [aria-label], [title], [alt], [data-confirm]',
    )) {
      if (skip(el)) continue;
      for (const name of ['placeholder', 'aria-label', 'title', 'alt', 'data-confirm']) {
        const value = el.getAttribute(name);
        if (value) parts.push(value);
      }
    }
    parts.push(document.title);
    return parts.join('\n');
  });
}

describe('Arabic pages in a browser', { skip: browserUnavailable() }, () => {
  const env = useBrowserFixture(async (server) => {
    const { accounts } = server.burnbox.services;
    await accounts.createUser({ email: 'admin@people.test', password: 'admin-password' });
    await accounts.setAdmin('admin@people.test', true);
  });
  const fragments = englishFragments();

  async function expectArabic(page: Page, name: string): Promise<void> {
    assert.equal(await page.getAttribute('html', 'dir'), 'rtl', `${name} is right-to-left`);
    assert.equal(await page.getAttribute('html', 'lang'), 'ar', `${name} says it is Arabic`);
    const text = await visibleText(page);
    // Whole words only: "Open" is an interface string, "OpenAPI" a name.
    const untranslated = fragments.filter(({ fragment }) =>
      new RegExp(`(^|[^A-Za-z])${fragment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^A-Za-z])`).test(text),
    );
    assert.deepEqual(untranslated, [], `${name} has no untranslated interface string`);
    assert.match(text, /[\u0600-\u06FF]/, `${name} shows Arabic`);
  }

  test('every page is right-to-left with no untranslated string, and the choice is remembered', async () => {
    const context = await newContext(env.browser, { locale: 'en-US' });
    const page = await context.newPage();
    await page.goto(env.server.baseUrl);
    assert.equal(await page.getAttribute('html', 'dir'), 'ltr');
    await page.getByRole('link', { name: 'العربية' }).click();
    await page.waitForURL(`${env.server.baseUrl}/`);
    await expectArabic(page, 'the inbox');

    // With a message open, the reader's own strings are Arabic too.
    const address = (await page.locator('#address').textContent()) ?? '';
    await page.locator('#live-status[data-state="live"]').waitFor();
    await sendMail(env.server, {
      from: 'sender@example.org',
      to: address,
      subject: 'مرحبا',
      text: 'نص الرسالة',
      html: '<p>نص</p>',
      attachments: [{ filename: 'a.txt', content: 'x' }],
    });
    await page.locator('#messages li').first().locator('button').click();
    await page.locator('.reader-subject').waitFor();
    await expectArabic(page, 'the inbox with a message open');
    // Dates are written the Arabic way (Arabic day-period and separators), not the English one.
    const date = (await page.locator('.reader-meta time').textContent()) ?? '';
    assert.match(date, /[\u0600-\u06FF]/, `the date "${date}" is formatted for Arabic`);
    assert.doesNotMatch(date, /AM|PM|Nov/);
    await screenshot(page, 'ar-inbox');

    await page.reload();
    await expectArabic(page, 'the inbox after a reload');
    for (const path of ['/login', '/register', '/docs']) {
      await page.goto(`${env.server.baseUrl}${path}`);
      await expectArabic(page, path);
    }
    await page.goto(`${env.server.baseUrl}/login`);
    await page.locator('input[name="email"]').fill('admin@people.test');
    await page.locator('input[name="password"]').fill('admin-password');
    await page.locator('form[action="/login"] button').click();
    await page.waitForURL(/\/account$/);
    await expectArabic(page, '/account');
    await screenshot(page, 'ar-account');
    await page.goto(`${env.server.baseUrl}/admin`);
    await expectArabic(page, '/admin');
    await page.goto(`${env.server.baseUrl}/docs`);
    await screenshot(page, 'ar-docs');
    await context.close();
  });

  test('a browser that asks for Arabic gets it first; phone size and dark theme work', async () => {
    const context = await newContext(env.browser, {
      locale: 'ar',
      colorScheme: 'dark',
      viewport: { width: 390, height: 844 },
    });
    const page = await context.newPage();
    await page.goto(env.server.baseUrl);
    await expectArabic(page, 'the inbox for an Arabic browser');
    const background = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    assert.equal(background, 'rgb(15, 18, 22)', 'the dark theme follows the system setting');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `nothing is wider than a phone screen (overflow ${overflow}px)`);
    await screenshot(page, 'ar-phone-dark');
    await context.close();
  });
});
