// Without BURNBOX_WEBHOOK_ALLOW_PRIVATE, webhooks never reach loopback, private or other
// internal addresses, whether the URL names the address or a host that resolves to it. Only
// loopback targets are used here: were the guard broken, nothing would leave the machine.
// Saving such a URL is refused (test/webhooks/save-refusals.test.ts); these URLs are put in
// the store directly, as one saved while the setting was on, or before its host's DNS answer
// changed, would be: sending checks again.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { newSecret } from '../../src/domain/ids.ts';
import { blockedReason, isBlockedAddress } from '../../src/net/address-policy.ts';
import type { UserRecord } from '../../src/store/types.ts';
import {
  addDomain,
  createMailbox,
  createUser,
  sendMail,
  startTestServer,
  type TestServer,
} from '../support/harness.ts';
import { type Receiver, startReceiver } from './helpers.ts';

test('the address policy refuses internal ranges and allows public ones', () => {
  const refused = [
    '127.0.0.1',
    '127.255.0.9',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '169.254.0.1',
    '100.64.0.1',
    '100.127.255.254',
    '0.0.0.0',
    '0.1.2.3',
    '224.0.0.1',
    '239.255.255.250',
    '255.255.255.255',
    '240.0.0.1',
    '192.0.2.10',
    '198.18.0.1',
    '::',
    '::1',
    'fc00::1',
    'fd12:3456::1',
    'fe80::1',
    'fe80::1%eth0',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
    '::ffff:169.254.169.254',
    '[::ffff:192.168.0.1]',
    '::127.0.0.1',
    '64:ff9b::a00:1',
    '64:ff9b:1::1',
    '2002:7f00:1::',
    '2002:c0a8:101::1',
    '2001:db8::1',
    '2001::1',
    'not-an-ip',
  ];
  for (const address of refused) assert.ok(isBlockedAddress(address), `${address} should be refused`);
  const allowed = [
    '1.1.1.1',
    '8.8.8.8',
    '93.184.216.34',
    '172.32.0.1',
    '100.128.0.1',
    '192.169.0.1',
    '2606:4700:4700::1111',
    '2a00:1450:4001::200e',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '2002:808:808::1',
  ];
  for (const address of allowed)
    assert.equal(blockedReason(address), undefined, `${address} should be allowed`);
  assert.equal(blockedReason('169.254.169.254'), 'linkLocal address');
  assert.equal(blockedReason('::ffff:10.0.0.1'), 'private address (embedded in IPv6)');
});

let server: TestServer;
let hook: Receiver;

/** A user with one mailbox whose stored webhook points at `url` (no save-time check). */
async function storedHook(email: string, url: string) {
  const { services } = server.burnbox;
  const user = await createUser(server, email);
  const record = (await services.store.getUserById(user.id)) as UserRecord;
  await services.store.setWebhook(user.id, { url, enabled: true }, server.clock.now, newSecret);
  const { email: address } = await createMailbox(server, user);
  return { record, address };
}
before(async () => {
  server = await startTestServer(); // BURNBOX_WEBHOOK_ALLOW_PRIVATE not set
  await addDomain(server, 'guard.test');
  hook = await startReceiver();
});
after(async () => {
  await server.close();
  await hook.close();
});

const targets = [
  [
    'an IPv4 literal',
    (port: number) => `http://127.0.0.1:${port}/hook`,
    /refused: 127\.0\.0\.1, a loopback address/,
  ],
  [
    'a host name that resolves to loopback',
    (port: number) => `http://localhost:${port}/hook`,
    /refused: localhost resolves to (127\.0\.0\.1|::1), a loopback address/,
  ],
  ['an IPv6 literal', (port: number) => `http://[::1]:${port}/hook`, /refused: ::1, a loopback address/],
  [
    'an IPv4-mapped IPv6 literal',
    (port: number) => `http://[::ffff:127.0.0.1]:${port}/hook`,
    /refused: ::ffff:7f00:1, a loopback address \(embedded in IPv6\)/,
  ],
  [
    'an integer IPv4 literal',
    (port: number) => `http://2130706433:${port}/hook`,
    /refused: 127\.0\.0\.1, a loopback address/,
  ],
] as const;

for (const [i, [what, url, error]] of targets.entries()) {
  test(`a webhook to ${what} is refused at send time and logged`, async () => {
    const { record, address } = await storedHook(`guard${i}@owner.test`, url(hook.port));
    await sendMail(server, { to: address, subject: 'x', text: 'x' });
    const { webhookDelivery, services } = server.burnbox;
    await webhookDelivery.runDue();
    const [attempt] = await services.webhooks.log(record);
    assert.ok(attempt, 'no attempt logged');
    assert.equal(attempt.statusCode, null);
    assert.match(attempt.error ?? '', error);
    assert.match(attempt.error ?? '', /BURNBOX_WEBHOOK_ALLOW_PRIVATE/);
    // A refusal is a failed attempt: retried on the usual schedule (DNS or settings may change).
    assert.equal(attempt.outcome, 'retry');
    server.clock.advance(10_001);
    await webhookDelivery.runDue();
    assert.equal((await services.webhooks.log(record)).length, 2);
    assert.equal(hook.requests.length, 0, 'the receiver was called');
  });
}
