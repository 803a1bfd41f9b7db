import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  ConfigError,
  loadConfig,
  printableConfig,
  settingDefinitions,
  settingToFlag,
} from '../../src/config/settings.ts';

test('defaults give the embedded set-up: ./data, SMTP 2525, HTTP 8080, UTC', () => {
  const config = loadConfig({});
  assert.match(config.dataDir, /\/data$/);
  assert.equal(config.smtp.port, 2525);
  assert.equal(config.http.port, 8080);
  assert.equal(config.timeZone, 'UTC');
  assert.equal(config.plans.free?.monthlyRequests, 50000);
  assert.equal(config.plans.free?.mailboxLifetimeSeconds, 600);
  assert.deepEqual(config.plans.premium?.domainTypes, ['free', 'premium', 'all']);
});

test('flags override environment variables', () => {
  const config = loadConfig({ BURNBOX_SMTP_PORT: '2626' }, { BURNBOX_SMTP_PORT: '2727' });
  assert.equal(config.smtp.port, 2727);
  assert.equal(loadConfig({ BURNBOX_SMTP_PORT: '2626' }).smtp.port, 2626);
});

test('a wrong setting is refused with one line naming the setting and the reason', () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ BURNBOX_SMTP_PORT: '70000' }, /^Invalid setting BURNBOX_SMTP_PORT="70000": .+/],
    [{ BURNBOX_HTTP_PORT: 'eighty' }, /^Invalid setting BURNBOX_HTTP_PORT="eighty": .+/],
    [
      { BURNBOX_TIMEZONE: 'Mars/Base' },
      /^Invalid setting BURNBOX_TIMEZONE="Mars\/Base": must be an IANA time zone/,
    ],
    [{ BURNBOX_PUBLIC_URL: 'ftp://x' }, /^Invalid setting BURNBOX_PUBLIC_URL="ftp:\/\/x": must be an http/],
    [
      { BURNBOX_PLANS: '{"free":{"monthlyRequests":-1}}' },
      /^Invalid setting BURNBOX_PLANS: plan "free": monthlyRequests/,
    ],
    [{ BURNBOX_PLANS: 'nope' }, /^Invalid setting BURNBOX_PLANS: not valid JSON/],
    [{ BURNBOX_SYNC_WRITES: 'maybe' }, /^Invalid setting BURNBOX_SYNC_WRITES="maybe"/],
    [
      { BURNBOX_SMTP_MAX_BYTES_IN_FLIGHT: '1000', BURNBOX_MAX_MESSAGE_BYTES: '2000' },
      /^Invalid setting BURNBOX_SMTP_MAX_BYTES_IN_FLIGHT="1000": must be at least BURNBOX_MAX_MESSAGE_BYTES/,
    ],
  ];
  for (const [env, expected] of cases) {
    assert.throws(
      () => loadConfig(env),
      (err: unknown) =>
        err instanceof ConfigError && expected.test(err.message) && !err.message.includes('\n'),
    );
  }
  assert.throws(() => loadConfig({}, { BURNBOX_SMTP_PORT: 'x' }), /^Error: Invalid setting --smtp-port="x"/);
});

test('the public URL loses its trailing slash; plans merge over the defaults', () => {
  const config = loadConfig({
    BURNBOX_PUBLIC_URL: 'https://mail.example.com/',
    BURNBOX_PLANS:
      '{"free":{"monthlyRequests":10},"team":{"monthlyRequests":5,"mailboxLifetimeSeconds":60,"domainTypes":["free"]}}',
  });
  assert.equal(config.publicUrl, 'https://mail.example.com');
  assert.deepEqual(config.plans.free, {
    name: 'free',
    monthlyRequests: 10,
    mailboxLifetimeSeconds: 600,
    domainTypes: ['free'],
    maxMailboxes: 100,
    permanentMailboxes: false,
    customDomains: 0,
  });
  assert.equal(config.plans.team?.mailboxLifetimeSeconds, 60);
  assert.equal(config.plans.team?.customDomains, 0, 'a new plan links no domains unless it says so');
  assert.equal(config.plans.premium?.customDomains, 3);
  assert.equal(config.plans.team?.maxMailboxes, null);
  assert.equal(config.plans.team?.permanentMailboxes, false);
});

test('the README documents every setting with its flag', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  for (const name of Object.keys(settingDefinitions)) {
    assert.ok(readme.includes(`\`${name}\``), `${name} is missing from the README`);
    assert.ok(
      readme.includes(`\`${settingToFlag(name as keyof typeof settingDefinitions)}\``),
      `flag of ${name} missing`,
    );
  }
});

test('PostgreSQL is one setting, read as BURNBOX_DATABASE_URL or DATABASE_URL, and never printed with its password', () => {
  assert.equal(loadConfig({}).databaseUrl, undefined, 'SQLite by default');
  const url = 'postgres://burnbox:s3cret@db.internal:5432/mail';
  assert.equal(loadConfig({ DATABASE_URL: url }).databaseUrl, url);
  assert.equal(
    loadConfig({ BURNBOX_DATABASE_URL: url, DATABASE_URL: 'postgres://other/db' }).databaseUrl,
    url,
  );
  assert.equal(loadConfig({}, { BURNBOX_DATABASE_URL: url }).databaseUrl, url);
  assert.throws(() => loadConfig({ DATABASE_URL: 'mysql://x/y' }), ConfigError);
  const shown = JSON.stringify(printableConfig(loadConfig({ DATABASE_URL: url })));
  assert.doesNotMatch(shown, /s3cret/);
  assert.match(shown, /postgres:\/\/burnbox:\*\*\*@db\.internal:5432\/mail/);
});

test('the metrics token is never printed, and the TLS files are both or neither', () => {
  const token = 'scrape-me-0123456789abcdef';
  const config = loadConfig({ BURNBOX_METRICS_TOKEN: token });
  assert.equal(config.metricsToken, token);
  const shown = JSON.stringify(printableConfig(config));
  assert.doesNotMatch(shown, /scrape-me/);
  assert.match(shown, /"metricsToken":"\*\*\*"/);
  assert.equal(loadConfig({}).metricsToken, '');
  assert.throws(() => loadConfig({ BURNBOX_METRICS_TOKEN: 'short' }), /at least 16 characters/);

  assert.equal(loadConfig({}).smtp.tls, undefined);
  assert.deepEqual(loadConfig({ BURNBOX_TLS_CERT: '/etc/c.pem', BURNBOX_TLS_KEY: '/etc/k.pem' }).smtp.tls, {
    certFile: '/etc/c.pem',
    keyFile: '/etc/k.pem',
  });
  assert.throws(() => loadConfig({ BURNBOX_TLS_KEY: '/etc/k.pem' }), ConfigError);
});

test('sender checks: on by default; DNS time limit and servers (IP[:port], IPv6 in brackets with a port)', () => {
  const defaults = loadConfig({});
  assert.deepEqual(defaults.senderAuth, { enabled: true, dnsTimeoutMs: 2000, dnsServers: [] });
  const set = loadConfig({
    BURNBOX_SENDER_AUTH: 'false',
    BURNBOX_DNS_TIMEOUT_SECONDS: '0.5',
    BURNBOX_DNS_SERVERS: '127.0.0.1:5353, 2001:db8::53 ,[2001:db8::54]:53,192.0.2.1',
  });
  assert.deepEqual(set.senderAuth, {
    enabled: false,
    dnsTimeoutMs: 500,
    dnsServers: ['127.0.0.1:5353', '2001:db8::53', '[2001:db8::54]:53', '192.0.2.1'],
  });
  for (const bad of ['dns.example.com', '127.0.0.1:99999', '[::1', '1.2.3']) {
    assert.throws(
      () => loadConfig({ BURNBOX_DNS_SERVERS: bad }),
      (err: unknown) =>
        err instanceof ConfigError && /^Invalid setting BURNBOX_DNS_SERVERS=.*IP addresses/.test(err.message),
      bad,
    );
  }
  assert.throws(() => loadConfig({ BURNBOX_DNS_TIMEOUT_SECONDS: '0' }), ConfigError);
});
