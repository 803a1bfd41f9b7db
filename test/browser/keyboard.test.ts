// The pages work from the keyboard: the inbox's messages open with Enter and close with
// Escape (focus goes back), and the docs' sample tabs follow the arrow keys, with the chosen
// language kept for every endpoint and across visits.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { browserUnavailable, newContext, screenshot, useBrowserFixture } from '../support/browser.ts';
import { sendMail } from '../support/harness.ts';

describe('keyboard use in a browser', { skip: browserUnavailable() }, () => {
  const env = useBrowserFixture();

  test('a message opens with Enter and closes with Escape, focus returning to it', async () => {
    const context = await newContext(env.browser);
    const page = await context.newPage();
    await page.goto(env.server.baseUrl);
    const address = (await page.locator('#address').textContent()) ?? '';
    await page.locator('#live-status[data-state="live"]').waitFor();
    await sendMail(env.server, { from: 'k@sender.test', to: address, subject: 'By keyboard', text: 'typed' });
    const item = page.locator('#messages li button', { hasText: 'By keyboard' });
    await item.waitFor();
    await item.focus();
    await page.keyboard.press('Enter');
    await page.locator('.reader-subject', { hasText: 'By keyboard' }).waitFor();
    assert.equal(
      await page.evaluate(() => document.activeElement?.id),
      'reader',
      'focus moves to the message',
    );
    await page.keyboard.press('Escape');
    await page.locator('.reader-subject').waitFor({ state: 'detached' });
    assert.equal(
      await page.evaluate(() => document.activeElement?.closest('li')?.textContent?.includes('By keyboard')),
      true,
      'focus is back on the message in the list',
    );
    await context.close();
  });

  test('docs sample tabs follow the arrow keys and the choice is kept', async () => {
    const context = await newContext(env.browser);
    const page = await context.newPage();
    await page.goto(`${env.server.baseUrl}/docs`);
    const firstTabs = page.locator('[role="tablist"]').first();
    await firstTabs.getByRole('tab', { name: 'curl' }).focus();
    await page.keyboard.press('ArrowRight');
    assert.equal(
      await firstTabs.getByRole('tab', { name: 'JavaScript' }).getAttribute('aria-selected'),
      'true',
    );
    assert.equal(
      await page.evaluate(() => document.activeElement?.textContent),
      'JavaScript',
      'focus follows the selected tab',
    );
    const selected = await page
      .locator('[role="tab"][aria-selected="true"]')
      .evaluateAll((tabs) => [...new Set(tabs.map((t) => t.textContent))]);
    assert.deepEqual(selected, ['JavaScript'], 'every endpoint shows the chosen language');
    const visibleSample = page.locator('[role="tabpanel"]:not([hidden]) pre').first();
    assert.match((await visibleSample.textContent()) ?? '', /fetch\(/);
    await screenshot(page, 'docs', { fullPage: false });

    await page.reload();
    assert.equal(
      await page
        .locator('[role="tablist"]')
        .first()
        .getByRole('tab', { name: 'JavaScript' })
        .getAttribute('aria-selected'),
      'true',
      'remembered across visits',
    );
    await context.close();
  });
});
