// Custom domains from the command line: the operator attaches a domain to a user without the DNS
// check (`domain add --owner`), lists and removes it, while `serve` runs in another process and
// answers RCPT from the shared data at once; and the key's user manages their own domains with
// the client commands (`custom-domain …`) against a running server.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import nodemailer from 'nodemailer';
import { customDomainCommand } from '../../src/cli/custom-domain-commands.ts';
import { testMailHost, tokenOf } from '../support/custom-domains.ts';
import { FakeDns } from '../support/fake-dns.ts';
import { createUser, startTestServer, type TestServer } from '../support/harness.ts';
import { runCli, type ServeProcess, startServe } from '../support/process.ts';

describe('operator: domain add --owner while serve runs in another process', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let serve: ServeProcess;

  before(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'burnbox-cd-cli-'));
    env = { BURNBOX_DATA_DIR: dataDir };
    serve = await startServe(env);
  });
  after(async () => {
    await serve.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function rcpt(address: string): Promise<string> {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: serve.smtpPort,
      ignoreTLS: true,
    });
    try {
      await transport.sendMail({ from: 'a@sender.test', to: address, subject: 'x', text: 'x' });
      return '250';
    } catch (err) {
      return (err as { response?: string }).response ?? String(err);
    } finally {
      transport.close();
    }
  }

  test('attach, list and remove a custom domain; the running server follows each step', async () => {
    assert.equal(runCli(['user', 'create', 'dora@example.org', '--plan', 'free'], env).status, 0);
    assert.match(await rcpt('nobody@dora.example'), /^550 5\.7\.1/);

    const unknown = runCli(['domain', 'add', 'dora.example', '--owner', 'nobody@example.org'], env);
    assert.equal(unknown.status, 1);
    const both = runCli(
      ['domain', 'add', 'dora.example', '--owner', 'dora@example.org', '--type', 'free'],
      env,
    );
    assert.equal(both.status, 1);
    assert.match(both.stderr, /--owner and --type cannot be used together/);

    const added = runCli(['domain', 'add', 'Dora.Example', '--owner', 'dora@example.org'], env);
    assert.equal(added.status, 0, added.stderr);
    assert.match(added.stdout, /dora\.example \(custom domain of dora@example\.org, verified\)/);
    // A plan without custom domains does not stop the operator; no DNS was asked.
    assert.match(await rcpt('nobody@dora.example'), /^550 5\.1\.1/, 'hosted now: no such mailbox');
    assert.match(
      runCli(['domain', 'list'], env).stdout,
      /^dora\.example\tcustom\tdora@example\.org\tverified$/m,
    );

    const again = runCli(['domain', 'add', 'dora.example', '--type', 'free'], env);
    assert.equal(again.status, 1, 'the operator cannot host a domain a user holds');

    assert.equal(runCli(['domain', 'remove', 'dora.example'], env).status, 0);
    assert.match(await rcpt('nobody@dora.example'), /^550 5\.7\.1/, 'refused again at once');
    assert.doesNotMatch(runCli(['domain', 'list'], env).stdout, /dora\.example/);
    assert.equal(runCli(['domain', 'remove', 'dora.example'], env).status, 1, 'nothing left to remove');
  });
});

describe('client: burnbox custom-domain …', () => {
  let server: TestServer;
  const dns = new FakeDns();
  before(async () => {
    server = await startTestServer({ BURNBOX_HOSTNAME: testMailHost }, { dnsResolver: dns });
  });
  after(() => server.close());

  test('add prints the records to create; verify, catch-all, list and remove talk to the API', async () => {
    const user = await createUser(server, 'eve@example.org', 'premium');
    const env = { BURNBOX_URL: server.baseUrl, BURNBOX_API_KEY: user.key };
    const lines: string[] = [];
    const run = async (sub: string, args: string[], options: Record<string, unknown> = {}) => {
      lines.length = 0;
      await customDomainCommand(sub, args, options, (line) => lines.push(line), env);
      return lines.join('\n');
    };
    const added = await run('add', ['eve.example']);
    assert.match(added, /^eve\.example\tpending$/m);
    assert.match(
      added,
      new RegExp(`^  MX\\teve\\.example\\t10 ${testMailHost.replaceAll('.', '\\.')}$`, 'm'),
    );
    const token = /burnbox-verify=(\S+)/.exec(added)?.[1] as string;
    assert.ok(token);

    assert.match(await run('verify', ['eve.example']), /has no TXT record/);
    dns.publish('eve.example', token, testMailHost);
    const verified = JSON.parse(await run('verify', ['eve.example'], { json: true }));
    assert.equal(verified.status, 'verified');
    assert.equal(tokenOf(verified), token);

    await assert.rejects(run('catch-all', ['eve.example']), /--off/);
    await assert.rejects(run('catch-all', ['eve.example', 'none@eve.example']), /was not found/);
    assert.match(await run('list', []), /^eve\.example\tverified$/m);
    assert.equal(await run('remove', ['eve.example']), 'removed eve.example');
    assert.equal(await run('list', []), '');
    await assert.rejects(run('frobnicate', []), /unknown command "custom-domain frobnicate"/);
  });
});
