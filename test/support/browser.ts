// A real browser for UI tests: Debian's chromium driven by playwright-core, against a real
// Burnbox whose public URL is its own loopback address (so cookies and links are real).
// Screenshots are kept in test-results/screenshots for people to look at.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Frame, type Page } from 'playwright-core';
import { startTestServer, type TestServer } from './harness.ts';
import { freePort } from './process.ts';

export const chromiumPath = process.env.BURNBOX_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Why browser tests cannot run here, or undefined when they can. In CI a missing browser is a
 * failure (`.ci/run` installs it), elsewhere the tests are skipped with this reason.
 */
export function browserUnavailable(): string | undefined {
  if (existsSync(chromiumPath)) return undefined;
  const reason = `no browser at ${chromiumPath}: install it with "apt-get install -y chromium" (or set BURNBOX_CHROMIUM)`;
  if (process.env.CI) throw new Error(`Browser tests must run in CI, but there is ${reason}.`);
  return reason;
}

const screenshotDir = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'test-results',
  'screenshots',
);

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** A test server whose public URL is the address the browser uses. */
export async function startBrowserServer(
  settings: Parameters<typeof startTestServer>[0] = {},
): Promise<TestServer> {
  const port = await freePort();
  return startTestServer({
    BURNBOX_HTTP_PORT: String(port),
    BURNBOX_PUBLIC_URL: `http://127.0.0.1:${port}`,
    ...settings,
  });
}

export async function newContext(
  browser: Browser,
  options: {
    locale?: string;
    colorScheme?: 'light' | 'dark';
    viewport?: { width: number; height: number };
  } = {},
): Promise<BrowserContext> {
  return browser.newContext({
    acceptDownloads: true,
    locale: options.locale ?? 'en-US',
    colorScheme: options.colorScheme,
    viewport: options.viewport ?? { width: 1280, height: 860 },
  });
}

export async function screenshot(
  page: Page,
  name: string,
  options: { fullPage?: boolean } = {},
): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({
    path: path.join(screenshotDir, `${name}.png`),
    fullPage: options.fullPage ?? true,
  });
}

export interface BrowserFixture {
  server: TestServer;
  browser: Browser;
}

/**
 * Registers the suite's before/after: a server (with example.com hosted, then `setup`) and a
 * browser, both closed after the suite. The returned object is filled in before the tests run.
 */
export function useBrowserFixture(
  setup: (server: TestServer) => Promise<void> = async () => {},
): BrowserFixture {
  const fixture = {} as BrowserFixture;
  before(async () => {
    fixture.server = await startBrowserServer();
    await fixture.server.burnbox.services.domains.add('example.com');
    await setup(fixture.server);
    fixture.browser = await launchBrowser();
  });
  after(async () => {
    await fixture.browser?.close();
    await fixture.server?.close();
  });
  return fixture;
}

/**
 * Resolves once everything the page (or frame) had queued has run: a task and two animation
 * frames inside it. A "nothing happened" check made after this is about what the page did with
 * the input, not about how long the test slept. A dialog still open would hold it back, so a
 * dialog that a click opened is always seen first.
 */
export async function pageSettled(target: Page | Frame): Promise<void> {
  await target.evaluate(
    () =>
      new Promise<void>((resolve) =>
        setTimeout(() => requestAnimationFrame(() => requestAnimationFrame(() => resolve())), 0),
      ),
  );
}
