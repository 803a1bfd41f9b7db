// The API docs page: generated from /openapi.json, so every documented operation appears with
// ready-to-run samples for this deployment; the samples really run; Arabic is right-to-left.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { exampleOf } from '../../src/web/docs/example.ts';
import { type DocOperation, extractOperations, type OpenApiDocument } from '../../src/web/docs/operations.ts';
import { buildSamples } from '../../src/web/docs/samples.ts';
import { addDomain, api, createUser, startTestServer, type TestServer } from '../support/harness.ts';

const AsyncFunction = (async () => {}).constructor as new (
  ...args: string[]
) => (...a: unknown[]) => Promise<void>;
const languages = ['curl', 'javascript', 'python', 'php'] as const;

function decodeEntities(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/** The `<article>` of one operation on the page. */
function article(page: string, method: string, path: string): string {
  const start = page.indexOf(`data-method="${method.toUpperCase()}" data-path="${path}"`);
  assert.ok(start > 0, `${method} ${path} is on the page`);
  return page.slice(start, page.indexOf('</article>', start));
}

/** The code of one sample in an operation's article. */
function sample(section: string, lang: string): string {
  const match = new RegExp(`<code id="[^"]+-${lang}-code">([\\s\\S]*?)</code>`).exec(section);
  assert.ok(match, `${lang} sample present`);
  return decodeEntities(match[1] as string);
}

/** The JSON of a curl sample's `--data '…'`. */
function curlBody(curl: string): unknown {
  const match = /--data '((?:[^']|'\\'')*)'/.exec(curl);
  assert.ok(match, 'curl sends a body');
  return JSON.parse((match[1] as string).replace(/'\\''/g, "'"));
}

describe('API docs page', () => {
  let server: TestServer;
  let doc: OpenApiDocument & { paths: Record<string, Record<string, any>> };
  let page: string;

  before(async () => {
    server = await startTestServer();
    await addDomain(server, 'example.com');
    doc = (await api(server, 'GET', '/openapi.json')).body;
    const response = await fetch(`${server.baseUrl}/docs`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    page = await response.text();
  });
  after(() => server.close());

  test('is a page of its own, with no inline script or style', () => {
    assert.match(page, /<h1>API documentation<\/h1>/);
    assert.match(page, /<code dir="ltr">https:\/\/mail\.test<\/code>/);
    assert.match(page, /X-RateLimit-Remaining/);
    assert.doesNotMatch(page, /<script(?![^>]*\bsrc=)(?![^>]*type="application\/json")/);
    assert.doesNotMatch(page, /\sstyle=/);
    assert.match(page, /<script type="module" src="\/assets\/docs\.[0-9a-f]+\.js"><\/script>/);
  });

  test('every operation of /openapi.json has its method, path and four samples with the right auth', () => {
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ path, method, op })),
    );
    assert.ok(operations.length >= 17);
    for (const { path, method, op } of operations) {
      const section = article(page, method, path);
      assert.match(
        section,
        new RegExp(`>${method.toUpperCase()}</span> <code dir="ltr">${path}</code></h3>`),
      );
      const keyDialect = Object.keys(op.security?.[0] ?? {})[0] === 'apiKey';
      const auth = keyDialect
        ? /['"]?X-API-Key['"]?: ['"]?YOUR_API_KEY/
        : /['"]?Authorization['"]?: ['"]?Bearer YOUR_API_KEY/;
      const otherAuth = keyDialect ? /Bearer YOUR_API_KEY/ : /X-API-Key/;
      for (const lang of languages) {
        const code = sample(section, lang);
        const where = `${lang} sample of ${method} ${path}`;
        assert.ok(code.includes('https://mail.test/api/'), `${where} uses the base URL`);
        assert.match(code, auth, `${where} authenticates`);
        assert.doesNotMatch(code, otherAuth, `${where} sends one auth header`);
        assert.ok(
          !/\{\w+\}/.test(code.split('\n').find((l) => l.includes('https://mail.test')) ?? ''),
          where,
        );
      }
    }
  });

  test("POST samples with a body send valid JSON with the body's required fields", () => {
    let withBody = 0;
    for (const [path, ops] of Object.entries(doc.paths)) {
      const schema = ops.post?.requestBody?.content?.['application/json']?.schema;
      if (!schema) continue;
      withBody++;
      const section = article(page, 'post', path);
      const body = curlBody(sample(section, 'curl')) as Record<string, unknown>;
      for (const field of schema.required ?? []) assert.ok(field in body, `${path} body has ${field}`);
      assert.match(sample(section, 'curl'), /--header 'Content-Type: application\/json'/);
      assert.match(sample(section, 'javascript'), /body: JSON\.stringify\(\{/);
      assert.match(sample(section, 'python'), /json=payload/);
      assert.match(sample(section, 'php'), /CURLOPT_POSTFIELDS => json_encode\(\[/);
    }
    assert.ok(withBody >= 2);
  });

  test('the JavaScript samples are valid JavaScript', () => {
    for (const match of page.matchAll(/<code id="[^"]+-javascript-code">([\s\S]*?)<\/code>/g)) {
      assert.doesNotThrow(() => new AsyncFunction(decodeEntities(match[1] as string)), match[1]);
    }
  });

  test('the samples run unchanged against the server, given a real key and URL', async () => {
    const user = await createUser(server, 'docs-reader@example.org');
    const operations = extractOperations(doc, 'https://mail.test');
    const run = async (method: string, path: string) => {
      const op = operations.find((o) => o.method === method && o.path === path) as DocOperation;
      const code = (buildSamples(op, { baseUrl: server.baseUrl, apiKey: user.key })[1] as { code: string })
        .code;
      const logged: unknown[] = [];
      await new AsyncFunction('console', code)({ log: (value: unknown) => logged.push(value) });
      return logged[0] as any;
    };
    assert.deepEqual((await run('GET', '/api/email/domains')).domains, ['example.com']);
    assert.equal((await run('GET', '/api/domains')).status, true);
    assert.match((await run('POST', '/api/emails')).data.email, /@example\.com$/);
    assert.deepEqual(await run('POST', '/api/webhook'), { success: true });
    const made = await run('POST', '/api/emails/generate');
    assert.equal(made.email, 'demo123@example.com');
    assert.equal((await run('GET', '/api/emails')).total, 2);
  });

  test('in Arabic the page is right-to-left, by header or by cookie, with code left-to-right', async () => {
    const variants: Record<string, string>[] = [{ 'accept-language': 'ar' }, { cookie: 'bb_lang=ar' }];
    for (const headers of variants) {
      const response = await fetch(`${server.baseUrl}/docs`, { headers });
      assert.equal(response.status, 200);
      const text = await response.text();
      assert.match(text, /<html lang="ar" dir="rtl">/);
      assert.match(text, /توثيق الواجهة البرمجية/);
      assert.match(text, /<pre class="code" dir="ltr"><code id="op-get-api-domains-curl-code">/);
      // The reference itself is Arabic too: no text is left in English.
      assert.doesNotMatch(text, /\slang="en"(?! hreflang)/, 'nothing marked as untranslated English');
      assert.match(text, /إنشاء صندوق بريد عشوائي/);
    }
  });
});

describe('docs generators', () => {
  test('examples come from the schema when it has them, else from its types and names', () => {
    assert.equal(exampleOf({ type: 'string', examples: ['given'] }), 'given');
    assert.deepEqual(
      exampleOf({
        type: 'object',
        properties: {
          id: { type: 'string', description: 'UUID' },
          expiryTime: { enum: [3600000, 0] },
          enabled: { jsonType: 'boolean' },
          received_at: { type: 'integer' },
          domains: { type: 'array', items: { type: 'string' } },
          nextCursor: { type: ['string', 'null'] },
        },
      }),
      {
        id: 'c2c4f894-c672-4d5b-a918-abca95aff1f7',
        expiryTime: 3600000,
        enabled: true,
        received_at: 1745224245084,
        domains: ['example.com'],
        nextCursor: exampleOf({ type: 'string' }, { name: 'cursor' }),
      },
    );
  });

  test('samples quote values safely in every language', () => {
    const op: DocOperation = {
      id: 'op-post-x',
      method: 'POST',
      path: '/api/things/{name}',
      tag: 't',
      auth: [{ kind: 'apiKey', header: 'X-API-Key', prefix: '' }],
      params: [{ name: 'name', in: 'path', required: true, type: 'string', example: "o'brien@example.com" }],
      body: { text: 'it\'s \\ "quoted"\nnew line', list: [1, true, null], nested: {} },
      download: false,
    };
    const [curl, js, python, php] = buildSamples(op, { baseUrl: 'https://h.test/' }).map((s) => s.code);
    assert.match(curl as string, /--url 'https:\/\/h\.test\/api\/things\/o'\\''brien@example\.com'/);
    assert.deepEqual(curlBody(curl as string), op.body);
    assert.doesNotThrow(() => new AsyncFunction(js as string));
    assert.match(python as string, /'list': \[\n {8}1,\n {8}True,\n {8}None,\n {4}\],/);
    assert.match(python as string, /'text': "it's \\\\ \\"quoted\\"\\nnew line",/);
    assert.match(php as string, /'text' => 'it\\'s \\\\ "quoted"\nnew line',/);
    assert.match(php as string, /'nested' => \(object\) \[\],/);
  });
});

describe('API docs samples on a server hosting its own domains', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
    await addDomain(server, 'vip.burnbox.test', 'premium');
    await addDomain(server, 'mail.burnbox.test');
  });
  after(() => server.close());

  /** Every sample's code on the page, decoded. */
  async function samplesOf(headers: Record<string, string> = {}): Promise<string[]> {
    const page = await (await fetch(`${server.baseUrl}/docs`, { headers })).text();
    return [...page.matchAll(/<code id="[^"]+-code">([\s\S]*?)<\/code>/g)].map((m) =>
      decodeEntities(m[1] as string),
    );
  }

  test('name a domain this server hosts (its first free one), never example.com', async () => {
    const samples = await samplesOf();
    assert.ok(samples.length >= 68);
    for (const code of samples) assert.doesNotMatch(code, /example\.com/, code);
    const generate = samples.find((code) => code.includes('/api/emails/generate')) ?? '';
    assert.match(generate, /"domain": "mail\.burnbox\.test"/);
    const user = await createUser(server, 'paste@example.org');
    const pasted = generate.replace('YOUR_API_KEY', user.key).replace('https://mail.test', server.baseUrl);
    const body = JSON.parse(/--data '([\s\S]*?)'/.exec(pasted)?.[1] ?? '{}');
    const made = await api(server, 'POST', '/api/emails/generate', {
      key: user.key,
      scheme: 'x-api-key',
      body,
    });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    assert.equal(made.body.email, 'demo123@mail.burnbox.test');
  });

  test('follow the hosted domains as they change, with a placeholder only when none is hosted', async () => {
    await server.burnbox.services.domains.remove('mail.burnbox.test');
    const premiumOnly = (await samplesOf()).join('\n');
    assert.match(premiumOnly, /vip\.burnbox\.test/);
    await server.burnbox.services.domains.remove('vip.burnbox.test');
    assert.match((await samplesOf()).join('\n'), /"domain": "example\.com"/);
    await addDomain(server, 'mail.burnbox.test');
    assert.doesNotMatch((await samplesOf()).join('\n'), /example\.com/);
  });

  test('descriptions show code spans as code, not raw backticks, in English and Arabic', async () => {
    for (const headers of [{}, { 'accept-language': 'ar' }] as Record<string, string>[]) {
      const page = await (await fetch(`${server.baseUrl}/docs`, { headers })).text();
      const prose = page.replace(/<pre[\s\S]*?<\/pre>/g, '').replace(/<script[\s\S]*?<\/script>/g, '');
      assert.doesNotMatch(prose, /`/, `no backtick outside code blocks (${JSON.stringify(headers)})`);
      assert.match(prose, /<code dir="ltr">username@domain<\/code>/);
    }
  });
});
