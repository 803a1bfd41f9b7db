// Linking and verifying a custom domain through the user API, with the DNS of a FakeDns.
import assert from 'node:assert/strict';
import type { FakeDns } from './fake-dns.ts';
import { api, type TestServer, type TestUser } from './harness.ts';

/** The host test servers greet with: what a custom domain's MX must point at. */
export const testMailHost = 'mx.burnbox.test';

/** POST /api/custom-domains, asserting success; the domain as the API shows it. */
export async function linkDomain(server: TestServer, user: TestUser, domain: string) {
  const res = await api(server, 'POST', '/api/custom-domains', { key: user.key, body: { domain } });
  assert.equal(res.status, 200, `link ${domain}: ${JSON.stringify(res.body)}`);
  return res.body.data;
}

/** The TXT token the API asks the owner of a linked domain to publish. */
export function tokenOf(view: { records: { type: string; value: string }[] }): string {
  const txt = view.records.find((r) => r.type === 'TXT');
  assert.ok(txt, 'a TXT record is asked for');
  return txt.value.replace(/^burnbox-verify=/, '');
}

/** Links `domain`, publishes its records in `dns` and checks it now: verified. */
export async function linkVerified(server: TestServer, dns: FakeDns, user: TestUser, domain: string) {
  const linked = await linkDomain(server, user, domain);
  dns.publish(domain, tokenOf(linked), testMailHost);
  const res = await api(server, 'POST', `/api/custom-domains/${domain}/verify`, { key: user.key });
  assert.equal(res.body.data?.status, 'verified', `verify ${domain}: ${JSON.stringify(res.body)}`);
  return res.body.data;
}
