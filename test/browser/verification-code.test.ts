// The message reader shows a verification mail's code with a copy button, and marks its action
// link: a person gets the code onto the clipboard in one click, and sees where the link leads.
// It also says whether the sender is verified (its domain passed DMARC).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { newMessageId, newUuid } from '../../src/domain/ids.ts';
import type { MailboxRecord } from '../../src/store/types.ts';
import { browserUnavailable, newContext, screenshot, useBrowserFixture } from '../support/browser.ts';
import { sendRaw } from '../support/harness.ts';
import { verification, verificationMail } from '../support/verification-mail.ts';

describe('codes and action links in the message reader', { skip: browserUnavailable() }, () => {
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

  test('a verification mail sent over SMTP shows its code, and the button copies it', async () => {
    const context = await newContext(env.browser);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: env.server.baseUrl });
    const page = await context.newPage();
    const address = await openInbox(page);
    await sendRaw(env.server, verificationMail(address), { from: 'no-reply@example.net', to: [address] });
    await page.locator('#messages li', { hasText: 'Verify your email address' }).waitFor();
    await openMessage(page, 'Verify your email address');

    const code = page.locator('.reader-extract .extract-code');
    assert.equal(await code.textContent(), verification.code);
    const copy = page.locator('.reader-extract button.copy-code');
    assert.equal(await copy.textContent(), 'Copy code');
    await copy.click();
    await page.locator('.reader-extract button.copy-code', { hasText: 'Copied' }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), verification.code);
    await screenshot(page, 'reader-verification-code');
    await context.close();
  });

  test('the action link is marked with what it does and where it leads; a plain mail has no panel', async () => {
    const context = await newContext(env.browser, { locale: 'ar' });
    const page = await context.newPage();
    const address = await openInbox(page);
    const { store } = env.server.burnbox.services;
    const mailbox = (await store.getMailboxByAddress(address)) as MailboxRecord;
    // What the extractor found in a sign-in mail, stored with it as ingest stores it.
    const content = (subject: string, text: string) => ({
      subject,
      fromName: 'Example',
      fromEmail: 'no-reply@example.net',
      text,
      html: '',
      size: 5,
      blobKey: newUuid(),
      attachments: [],
    });
    const copy = () => [{ mailboxId: mailbox.id, recipient: address, id: newMessageId(), uuid: newUuid() }];
    await store.insertDelivery({
      content: content('Sign in to Example', 'Sign in with the link, or enter 731 905.'),
      extraction: {
        codes: [{ value: '731905', kind: 'otp' }],
        links: [
          { url: 'https://login.example.net/magic?t=abc', kind: 'magic_link' },
          { url: 'https://example.net/unsubscribe', kind: 'unsubscribe' },
        ],
      },
      inlineBlob: Buffer.from('x\r\n'),
      receivedAt: env.server.clock.now,
      recipients: copy(),
    });
    await store.insertDelivery({
      content: content('Newsletter', 'Nothing to do here.'),
      extraction: { codes: [], links: [{ url: 'https://example.net/unsubscribe', kind: 'unsubscribe' }] },
      inlineBlob: Buffer.from('x\r\n'),
      receivedAt: env.server.clock.now,
      recipients: copy(),
    });
    await page.reload();
    await openMessage(page, 'Sign in to Example');
    assert.equal(await page.locator('.reader-extract .extract-code').textContent(), '731905');
    assert.equal(await page.locator('.reader-extract button.copy-code').textContent(), 'نسخ الرمز');
    const link = page.locator('.reader-extract a.action-link');
    assert.equal(await link.getAttribute('href'), 'https://login.example.net/magic?t=abc');
    assert.equal(await link.getAttribute('target'), '_blank');
    assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
    assert.equal(await link.getAttribute('referrerpolicy'), 'no-referrer');
    assert.equal(await link.textContent(), 'تسجيل الدخول login.example.net');
    await screenshot(page, 'reader-action-link-ar');

    await openMessage(page, 'Newsletter');
    assert.equal(await page.locator('.reader-extract').count(), 0, 'no code, no action link: no panel');
    await context.close();
  });

  test('the reader says whether the sender is verified, and the results when it is not', async () => {
    const context = await newContext(env.browser);
    const page = await context.newPage();
    const address = await openInbox(page);
    const { store } = env.server.burnbox.services;
    const mailbox = (await store.getMailboxByAddress(address)) as MailboxRecord;
    // Two mails as ingest stores them, their sender checks saved as the checks would.
    const deliver = async (subject: string, verdict: { spf: string; dkim: string; dmarc: string }) => {
      const id = newMessageId();
      await store.insertDelivery({
        content: {
          subject,
          fromName: 'Bank',
          fromEmail: 'no-reply@bank.example',
          text: 'Your code is 482913.',
          html: '',
          size: 5,
          blobKey: newUuid(),
          attachments: [],
        },
        senderAuth: { clientIp: '192.0.2.1', helo: 'mx', envelopeFrom: '', fromDomain: 'bank.example' },
        inlineBlob: Buffer.from('x\r\n'),
        receivedAt: env.server.clock.now,
        recipients: [{ mailboxId: mailbox.id, recipient: address, id, uuid: newUuid() }],
      });
      await store.saveSenderAuth(id, { ...verdict, arc: 'none', fromDomain: 'bank.example' });
    };
    await deliver('Genuine', { spf: 'pass', dkim: 'pass', dmarc: 'pass' });
    await deliver('Forged', { spf: 'softfail', dkim: 'none', dmarc: 'fail' });
    await page.reload();
    await openMessage(page, 'Genuine');
    const verified = page.locator('.sender-badge[data-sender-state="verified"]');
    assert.match((await verified.textContent()) ?? '', /Verified sender: bank\.example/);
    await openMessage(page, 'Forged');
    const unverified = page.locator('.sender-badge[data-sender-state="unverified"]');
    assert.match(
      (await unverified.textContent()) ?? '',
      /Could not verify the sender.*DMARC fail, SPF softfail, DKIM none/,
    );
    await screenshot(page, 'reader-sender-unverified');
    await context.close();
  });
});
