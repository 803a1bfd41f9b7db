// The OpenAPI document is generated from the routes themselves; this checks that it covers
// every endpoint of both seeds, with each dialect's tag and authentication.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../support/harness.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.close());

const userEndpoints = [
  ['get', '/api/domains'],
  ['post', '/api/emails'],
  ['post', '/api/emails/{current}/{username}/{domain}'],
  ['delete', '/api/emails/{email}'],
  ['get', '/api/messages'],
  ['get', '/api/messages/{id}'],
  ['delete', '/api/messages/{id}'],
  ['get', '/api/messages/{id}/attachments/{filename}'],
];
const keyEndpoints = [
  ['get', '/api/email/domains'],
  ['post', '/api/emails/generate'],
  ['get', '/api/emails'],
  ['delete', '/api/emails/{emailId}'],
  ['get', '/api/emails/{emailId}'],
  ['get', '/api/emails/{emailId}/{messageId}'],
  ['delete', '/api/emails/{emailId}/{messageId}'],
  ['get', '/api/webhook'],
  ['post', '/api/webhook'],
];

test('/openapi.json documents every endpoint of both dialects, no more', async () => {
  const res = await fetch(`${server.baseUrl}/openapi.json`);
  assert.equal(res.status, 200);
  const doc = (await res.json()) as {
    openapi: string;
    servers: { url: string }[];
    paths: Record<string, Record<string, { tags?: string[]; security?: object[]; responses?: object }>>;
  };
  assert.match(doc.openapi, /^3\./);
  assert.deepEqual(doc.servers, [{ url: 'https://mail.test' }]);
  const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops).map((m) => `${m} ${path}`),
  );
  for (const [method, path] of [...userEndpoints, ...keyEndpoints]) {
    assert.ok(documented.includes(`${method} ${path}`), `${method} ${path} is documented`);
  }
  for (const [method, path] of userEndpoints) {
    const op = doc.paths[path as string]?.[method as string];
    assert.deepEqual(op?.tags, ['user API'], `${method} ${path} tag`);
    assert.deepEqual(op?.security, [{ bearer: [] }, { apiKey: [] }]);
  }
  for (const [method, path] of keyEndpoints) {
    const op = doc.paths[path as string]?.[method as string];
    assert.deepEqual(op?.tags, ['key API'], `${method} ${path} tag`);
    assert.deepEqual(op?.security, [{ apiKey: [] }, { bearer: [] }]);
    assert.ok(op?.responses && '200' in op.responses, `${method} ${path} documents its 200 answer`);
  }
  for (const [path, operations] of Object.entries<any>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(operations)) {
      assert.ok(op.summary && op.description, `${method} ${path} says what it does (for /docs)`);
    }
  }
  // The codes and links of a message: under each dialect's tag, with their answer's schema.
  for (const [path, tag, data] of [
    ['/api/messages/{id}/extract', 'user API', (ok: any) => ok.properties.data],
    ['/api/emails/{emailId}/{messageId}/extract', 'key API', (ok: any) => ok],
  ] as const) {
    const op = doc.paths[path]?.get as any;
    assert.deepEqual(op?.tags, [tag], `${path} tag`);
    const ok = op?.responses?.['200']?.content?.['application/json']?.schema;
    assert.deepEqual(Object.keys(data(ok).properties).sort(), ['auth', 'codes', 'links'], `${path} answer`);
  }
  // Beyond the seeds: the key API's webhook extras, each dialect's codes and links, and waiting,
  // streams and upstream MoeMail's config.
  const extras = documented.filter(
    (e) => ![...userEndpoints, ...keyEndpoints].some(([m, p]) => e === `${m} ${p}`),
  );
  assert.deepEqual(extras.sort(), [
    'delete /api/custom-domains/{domain}',
    'delete /api/custom-domains/{domain}/catch-all',
    'get /api/config',
    'get /api/custom-domains',
    'get /api/custom-domains/{domain}',
    'get /api/emails/{emailId}/stream',
    'get /api/emails/{emailId}/wait',
    'get /api/emails/{emailId}/{messageId}/extract',
    'get /api/messages/stream',
    'get /api/messages/wait',
    'get /api/messages/{id}/extract',
    'get /api/webhook/deliveries',
    'get /api/webhook/secret',
    'post /api/custom-domains',
    'post /api/custom-domains/{domain}/verify',
    'post /api/webhook/secret',
    'post /api/webhook/test',
    'put /api/custom-domains/{domain}/catch-all',
  ]);
  // Custom domains: the user dialect's, with their answer's schema.
  for (const [method, path] of [
    ['get', '/api/custom-domains'],
    ['post', '/api/custom-domains'],
    ['post', '/api/custom-domains/{domain}/verify'],
    ['delete', '/api/custom-domains/{domain}'],
  ] as const) {
    const op = doc.paths[path]?.[method] as any;
    assert.deepEqual(op?.tags, ['user API'], `${method} ${path} tag`);
    assert.ok(op?.responses?.['200'], `${method} ${path} documents its 200 answer`);
  }
});
