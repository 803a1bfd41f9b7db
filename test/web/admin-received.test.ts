// The admin figures of mail received (the 24-hour total and the per-hour chart) count mail
// when it arrives: deleting it, or its mailbox expiring and being swept, does not lower them.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addDomain, sendMail, startTestServer, type TestServer } from '../support/harness.ts';
import { WebClient } from '../support/web-client.ts';

describe('admin figures of mail received', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
    await addDomain(server, 'example.com');
  });
  after(() => server.close());

  const figure = (text: string) => /<strong id="figure-received">([^<]+)<\/strong>/.exec(text)?.[1];
  /** The chart's bars, as their labels ("3 messages in the hour from …"), with mail only. */
  const bars = (text: string) =>
    [...text.matchAll(/<title>(\d+) messages in the hour from [^<]+<\/title>/g)]
      .map((m) => Number(m[1]))
      .filter((n) => n > 0);

  test('mail deleted or expired since still counts as received', async () => {
    const { accounts, mailboxes, messages, expiry } = server.burnbox.services;
    await accounts.createUser({ email: 'op@people.test', password: 'a good password' });
    await accounts.setAdmin('op@people.test', true);
    const admin = new WebClient(server);
    assert.equal(
      (await admin.post('/login', { email: 'op@people.test', password: 'a good password' })).status,
      303,
    );

    const guest = await mailboxes.createGuest();
    const other = await mailboxes.createGuest();
    await sendMail(server, { from: 'a@sender.test', to: guest.address, subject: 'one', text: 'x' });
    await sendMail(server, { from: 'a@sender.test', to: guest.address, subject: 'two', text: 'x' });
    await sendMail(server, { from: 'a@sender.test', to: other.address, subject: 'three', text: 'x' });
    const before = await admin.get('/admin');
    assert.equal(figure(before.text), '3');
    assert.deepEqual(bars(before.text), [3]);

    // One deleted by its reader, the rest gone with their expired, swept mailboxes.
    const [first] = (await messages.pageOf(guest, 10)).items;
    await messages.remove(first as NonNullable<typeof first>);
    await mailboxes.release(other);
    server.clock.advance((guest.expiresAt as number) - server.clock.now + 1000);
    await expiry.sweep();
    assert.equal(await server.burnbox.services.store.getMailbox(guest.id), undefined, 'swept');

    const after = await admin.get('/admin');
    assert.equal(figure(after.text), '3', 'the 24-hour figure still counts them');
    assert.equal(
      bars(after.text).reduce((a, b) => a + b, 0),
      3,
      'and so does the chart',
    );
  });
});
