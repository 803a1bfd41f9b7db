// RFC 5321 §4.5.1: every domain takes mail for postmaster (abuse@ too, RFC 2142). Mail to them
// is accepted for each hosted domain and read by the operator from the admin pages; the names
// still cannot be claimed by anybody.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { addDomain, api, createUser, startTestServer, type TestServer } from '../support/harness.ts';
import { pageData, WebClient } from '../support/web-client.ts';
import { simpleMessage } from './helpers.ts';
import { RawSmtpClient } from './raw-client.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer({ BURNBOX_HOSTNAME: 'mx.burnbox.test' });
  await addDomain(server, 'burnbox.test');
  await addDomain(server, 'other.test');
});
after(() => server.close());

const from = 'reporter@example.org';

async function signedInAdmin(): Promise<WebClient> {
  const { accounts } = server.burnbox.services;
  await accounts.createUser({ email: 'operator@people.test', password: 'a good password' });
  await accounts.setAdmin('operator@people.test', true);
  const client = new WebClient(server);
  assert.equal(
    (await client.post('/login', { email: 'operator@people.test', password: 'a good password' })).status,
    303,
  );
  return client;
}

/** The subjects of the mailbox a link of the admin page opens. */
async function subjectsAt(client: WebClient, link: string): Promise<string[]> {
  const inbox = await client.get(link);
  assert.equal(inbox.status, 200);
  return pageData(inbox.text)
    .messages.map((m: { subject: string }) => m.subject)
    .sort();
}

test('postmaster@ and abuse@ of hosted domains get 250, and the operator reads them from the admin page', async () => {
  const admin = await signedInAdmin();
  assert.match((await admin.get('/admin')).text, /None yet: mail to postmaster@/);

  const { client } = await RawSmtpClient.open(server.smtpPort);
  try {
    for (const [to, subject] of [
      ['Postmaster@burnbox.test', 'bounce report'],
      ['postmaster@other.test', 'other domain'],
      ['abuse@burnbox.test', 'abuse report'],
      // RFC 5321 §4.1.1.3: the domainless postmaster (here: of the first hosted domain).
      ['postmaster', 'bare postmaster'],
    ] as const) {
      const sent = await client.send(from, [to], simpleMessage(to, subject));
      assert.equal(sent.rcpt[0]?.code, 250, `RCPT TO:<${to}>: ${sent.rcpt[0]?.text}`);
      assert.equal(sent.final?.code, 250, sent.final?.text);
    }
    // Only hosted domains: relaying stays refused.
    assert.equal((await client.command(`MAIL FROM:<${from}>`)).code, 250);
    assert.equal((await client.command('RCPT TO:<postmaster@elsewhere.example>')).code, 550);
    await client.command('RSET');
  } finally {
    await client.quit();
  }

  const page = await admin.get('/admin');
  const links = new Map(
    [...page.text.matchAll(/<li><a href="(\/inbox\/[^"]+)"><bdi dir="ltr">([^<]+)<\/bdi><\/a><\/li>/g)].map(
      (m) => [m[2] as string, m[1] as string],
    ),
  );
  assert.deepEqual(
    [...links.keys()],
    ['abuse@burnbox.test', 'postmaster@burnbox.test', 'postmaster@other.test'],
  );
  assert.deepEqual(await subjectsAt(admin, links.get('postmaster@burnbox.test') as string), [
    'bare postmaster',
    'bounce report',
  ]);
  assert.deepEqual(await subjectsAt(admin, links.get('postmaster@other.test') as string), ['other domain']);
  assert.deepEqual(await subjectsAt(admin, links.get('abuse@burnbox.test') as string), ['abuse report']);

  // The addresses stay the operator's: nobody can claim the names.
  const user = await createUser(server, 'someone@people.test');
  const claim = await api(server, 'POST', '/api/emails/generate', {
    key: user.key,
    scheme: 'x-api-key',
    body: { name: 'postmaster', domain: 'burnbox.test', expiryTime: 3_600_000 },
  });
  assert.equal(claim.status, 400, JSON.stringify(claim.body));
});
