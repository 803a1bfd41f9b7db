// BURNBOX_DNS_SERVERS: a real server process asks the DNS servers it is given (here one on
// 127.0.0.1 the test starts), not the system's, for the sender checks.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import nodemailer from 'nodemailer';
import { type LocalDns, startLocalDns } from '../../bench/local-dns.ts';
import { type DevProcess, startDev } from '../support/dev-process.ts';
import { runCli } from '../support/process.ts';
import { until } from '../support/until.ts';

let dns: LocalDns;
let dev: DevProcess;

before(async () => {
  // Only this server knows that 127.0.0.1 may send for spf.test; the system's DNS does not.
  dns = await startLocalDns({ 'spf.test': ['v=spf1 ip4:127.0.0.1 -all'] });
  dev = await startDev([], { BURNBOX_DNS_SERVERS: dns.address });
});
after(async () => {
  await dev?.stop();
  dev?.cleanup();
  await dns?.close();
});

test('the sender checks ask the DNS servers of BURNBOX_DNS_SERVERS', async () => {
  const created = runCli(['inbox', 'create', '--json'], dev.clientEnv);
  assert.equal(created.status, 0, created.stderr);
  const { address } = JSON.parse(created.stdout) as { address: string };
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: dev.line.smtp, ignoreTLS: true });
  try {
    await transport.sendMail({
      envelope: { from: 'news@spf.test', to: address },
      from: 'News <news@spf.test>',
      to: address,
      subject: 'Your code',
      text: 'Your code is 482913.',
    });
  } finally {
    transport.close();
  }
  // Asked with fetch, not a blocking command: this process is the DNS server and must answer.
  const headers = { authorization: `Bearer ${dev.line.apiKey}` };
  const waited = await fetch(
    `${dev.line.http}/api/messages/wait?email=${encodeURIComponent(address)}&timeout=20`,
    { headers },
  );
  assert.equal(waited.status, 200);
  const message = ((await waited.json()) as { data: { id: string } }).data;
  // The checks run after the 250: read the message's codes and sender checks until they are done.
  let auth = { spf: 'pending', from_domain: '' };
  await until(
    async () => {
      const response = await fetch(`${dev.line.http}/api/messages/${message.id}/extract`, { headers });
      assert.equal(response.status, 200);
      auth = ((await response.json()) as { data: { auth: typeof auth } }).data.auth;
      return auth.spf !== 'pending';
    },
    'the sender checks are done',
    30_000,
  );
  assert.equal(auth.from_domain, 'spf.test');
  assert.equal(auth.spf, 'pass', 'the SPF record came from the given server');
  assert.ok(dns.queries() > 0, 'the given server was asked');
});
