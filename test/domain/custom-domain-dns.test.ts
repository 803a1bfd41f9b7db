// The DNS check of a custom domain, on its own: what counts as the records being right, and
// the sentence for each way they are not (no network: a stub resolver).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkDomainRecords, type DnsResolver } from '../../src/net/dns-records.ts';

const failing = (code: string) => () => Promise.reject(Object.assign(new Error(code), { code }));

function resolver(txt: DnsResolver['resolveTxt'], mx: DnsResolver['resolveMx']): DnsResolver {
  return { resolveTxt: txt, resolveMx: mx };
}

const check = (r: DnsResolver, timeoutMs = 1000) =>
  checkDomainRecords(r, 'own.example', 'tok', 'MX.Host.Test.', timeoutMs);

test('right: the token split over TXT strings, and an MX naming the host in any case, with or without the dot', async () => {
  const r = resolver(
    async () => [['unrelated'], ['burnbox-', 'verify=tok']],
    async () => [
      { exchange: 'backup.example', priority: 20 },
      { exchange: 'mx.host.test', priority: 10 },
    ],
  );
  assert.deepEqual(await check(r), { ok: true });
});

test('each way of being wrong is told in a sentence', async () => {
  const mx = async () => [{ exchange: 'mx.host.test.', priority: 10 }];
  const txt = async () => [['burnbox-verify=tok']];
  const cases: [DnsResolver, RegExp][] = [
    [resolver(failing('ENOTFOUND'), mx), /has no TXT record "burnbox-verify=tok"/],
    [resolver(async () => [['burnbox-verify=tok2']], mx), /has no TXT record/],
    [resolver(failing('ESERVFAIL'), mx), /The TXT lookup of own\.example failed \(ESERVFAIL\)/],
    [resolver(txt, failing('ENODATA')), /has no MX record \(it must point at mx\.host\.test\)/],
    [
      resolver(txt, async () => [{ exchange: 'mx.other.test', priority: 1 }]),
      /point at mx\.other\.test, not at mx\.host\.test/,
    ],
    [resolver(txt, failing('ECONNREFUSED')), /The MX lookup of own\.example failed \(ECONNREFUSED\)/],
  ];
  for (const [r, problem] of cases) {
    const verdict = await check(r);
    assert.equal(verdict.ok, false);
    assert.match(verdict.ok ? '' : verdict.problem, problem);
  }
});

test('a lookup that never answers ends at the timeout', async () => {
  const never = () => new Promise<never>(() => {});
  const verdict = await check(resolver(never, never), 50);
  assert.deepEqual(verdict, { ok: false, problem: 'The TXT lookup of own.example timed out.' });
});
