// A guest opens the home page, mail is sent over SMTP to the address shown, and it appears in
// the open page without a reload; its attachment and raw message download byte-exact.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import {
  browserUnavailable,
  newContext,
  pageSettled,
  screenshot,
  useBrowserFixture,
} from '../support/browser.ts';
import { sendMail } from '../support/harness.ts';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('live inbox in a browser', { skip: browserUnavailable() }, () => {
  const env = useBrowserFixture();

  test('mail appears without reload, and its attachment and .eml download byte-exact', async () => {
    const context = await newContext(env.browser);
    const page = await context.newPage();
    let navigations = 0;
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) navigations++;
    });
    await page.goto(env.server.baseUrl);
    const address = (await page.locator('#address').textContent())?.trim() ?? '';
    assert.match(address, /^[a-z0-9]+@example\.com$/);
    await page.locator('#live-status[data-state="live"]').waitFor();
    assert.equal(await page.locator('#messages li').count(), 0);
    const navigationsBefore = navigations;

    const attachment = Buffer.alloc(150_000);
    for (let i = 0; i < attachment.length; i++) attachment[i] = (i * 31 + 7) % 256;
    await sendMail(env.server, {
      from: 'Alice Sender <alice@sender.test>',
      to: address,
      subject: 'Live hello',
      text: 'Body of the live message.',
      html: '<p>Body of the <b>live</b> message.</p>',
      attachments: [{ filename: 'data.bin', content: attachment, contentType: 'application/octet-stream' }],
    });

    const item = page.locator('#messages li', { hasText: 'Live hello' });
    await item.waitFor({ timeout: 5000 });
    assert.equal(navigations, navigationsBefore, 'the page did not reload');
    assert.match((await item.textContent()) ?? '', /Alice Sender/);
    await screenshot(page, 'inbox-with-message');

    await item.locator('button').click();
    await page.locator('.reader-subject', { hasText: 'Live hello' }).waitFor();
    const frame = page.frameLocator('iframe.html-body');
    await frame.locator('b', { hasText: 'live' }).waitFor();
    await screenshot(page, 'message-view');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('.attachments a', { hasText: 'data.bin' }).click(),
    ]);
    assert.equal(download.suggestedFilename(), 'data.bin');
    assert.equal(sha256(await readFile((await download.path()) as string)), sha256(attachment));

    const [rawDownload] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('a[href$="/raw"]').click(),
    ]);
    const raw = await readFile((await rawDownload.path()) as string);
    assert.match(raw.toString('latin1'), /Subject: Live hello/);
    assert.match(rawDownload.suggestedFilename(), /\.eml$/);
    await context.close();
  });

  test('the address survives a reload, and a shared link opens it read-only elsewhere', async () => {
    const context = await newContext(env.browser);
    const page = await context.newPage();
    await page.goto(env.server.baseUrl);
    const address = await page.locator('#address').textContent();
    await page.reload();
    assert.equal(await page.locator('#address').textContent(), address);
    const shareUrl = await page.locator('.share-url').inputValue();

    const other = await newContext(env.browser);
    const shared = await other.newPage();
    await shared.goto(shareUrl);
    assert.equal(await shared.locator('#address').textContent(), address);
    assert.equal(
      await shared.locator('form[action$="/delete"]').count(),
      0,
      'no delete form on a shared view',
    );
    await shared.locator('#live-status[data-state="live"]').waitFor();
    await sendMail(env.server, {
      from: 'bob@sender.test',
      to: address ?? '',
      subject: 'Seen on the shared link',
      text: 'x',
    });
    await shared.locator('#messages li', { hasText: 'Seen on the shared link' }).waitFor({ timeout: 5000 });
    await other.close();
    await context.close();
  });

  test('a dropped live channel reconnects and catches up on what it missed', async () => {
    const context = await newContext(env.browser);
    const page = await context.newPage();
    await page.goto(env.server.baseUrl);
    const address = (await page.locator('#address').textContent()) ?? '';
    await page.locator('#live-status[data-state="live"]').waitFor();
    await page.evaluate(() => {
      const status = document.getElementById('live-status') as HTMLElement;
      const states: string[] = [];
      (window as any).liveStates = states;
      new MutationObserver(() => states.push(status.dataset.state ?? '')).observe(status, {
        attributes: true,
      });
    });
    // Drop every open connection, as a proxy restart or a network change would, and send mail
    // before the browser is back.
    env.server.burnbox.http.server.closeAllConnections();
    await sendMail(env.server, {
      from: 'carol@sender.test',
      to: address,
      subject: 'Sent while offline',
      text: 'x',
    });
    await page.locator('#messages li', { hasText: 'Sent while offline' }).waitFor({ timeout: 15_000 });
    const states = await page.evaluate(() => (window as any).liveStates as string[]);
    assert.ok(states.includes('offline'), `the stream was really dropped (states: ${states.join(', ')})`);
    await context.close();
  });

  test('deleting the address asks once, and dismissing the question keeps it', async () => {
    const context = await newContext(env.browser);
    const page = await context.newPage();
    await page.goto(env.server.baseUrl);
    const address = await page.locator('#address').textContent();
    const questions: string[] = [];
    let answer = false;
    page.on('dialog', (dialog) => {
      questions.push(dialog.message());
      void (answer ? dialog.accept() : dialog.dismiss());
    });
    await page.getByRole('button', { name: 'Delete address' }).click();
    await pageSettled(page);
    assert.deepEqual(questions, ['Delete this address and all its mail?']);
    assert.equal(await page.locator('#address').textContent(), address, 'kept when the reader says no');

    answer = true;
    await page.getByRole('button', { name: 'Delete address' }).click();
    await page.waitForURL(`${env.server.baseUrl}/`);
    await page.locator('#address').waitFor();
    assert.equal(questions.length, 2);
    assert.notEqual(await page.locator('#address').textContent(), address, 'a new address replaces it');
    await context.close();
  });
});
