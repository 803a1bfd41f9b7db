// Register → log in → generate a key → use it with both API dialects → the quota on the page
// goes up. Also: the key is shown once, sessions end at logout, the admin area is for admins.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { browserUnavailable, newContext, screenshot, useBrowserFixture } from '../support/browser.ts';
import { api, sendMail } from '../support/harness.ts';

async function quotaUsed(page: Page): Promise<number> {
  return Number(await page.locator('#quota-used').getAttribute('data-used'));
}

describe('accounts in a browser', { skip: browserUnavailable() }, () => {
  const env = useBrowserFixture();

  test('register, log in, make a key, use it with both dialects, and watch the quota go up', async () => {
    const context = await newContext(env.browser);
    const page = await context.newPage();
    await page.goto(env.server.baseUrl);
    await page.getByRole('link', { name: 'Register' }).click();
    await page.getByLabel('Email').fill('dana@people.test');
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(/\/account$/);
    // A new account has no key yet, and says so.
    assert.equal(
      await page.locator('#key-state').textContent(),
      'You have no API key yet. Create one to use the APIs; it is shown once.',
    );
    assert.equal(await page.getByRole('button', { name: 'Regenerate API key' }).count(), 0);

    // Log out and back in with the password.
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(`${env.server.baseUrl}/`);
    await page.goto(`${env.server.baseUrl}/account`);
    await page.waitForURL(/\/login\?next=/);
    await page.getByLabel('Email').fill('dana@people.test');
    await page.getByLabel('Password').fill('wrong password!');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('.flash-error', { hasText: 'The email or password is wrong.' }).waitFor();
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/account$/);

    await page.getByRole('button', { name: 'Create API key' }).click();
    const key = ((await page.locator('#new-key').textContent()) ?? '').trim();
    assert.ok(key.length >= 32, 'a key is shown');
    assert.equal(await page.locator('#api-base').textContent(), `${env.server.baseUrl}/api`);
    const before = await quotaUsed(page);
    await screenshot(page, 'account');

    const userApi = await api(env.server, 'GET', '/api/domains', { key });
    assert.equal(userApi.status, 200);
    const keyApi = await api(env.server, 'GET', '/api/email/domains', { key, scheme: 'x-api-key' });
    assert.equal(keyApi.status, 200);

    // The page polls the quota: it shows both requests without a reload.
    await page.waitForFunction(
      (expected) => Number(document.getElementById('quota-used')?.dataset.used) >= expected,
      before + 2,
      { timeout: 10_000 },
    );
    assert.equal(await quotaUsed(page), before + 2);
    assert.match((await page.locator('#quota-used').textContent()) ?? '', new RegExp(`${before + 2} of`));

    // Reloading neither shows the key again nor makes another one.
    await page.reload();
    await page.locator('#quota-used').waitFor();
    assert.equal(await page.locator('#new-key').count(), 0);
    assert.match((await page.locator('#key-state').textContent()) ?? '', /^You have an API key, made /);
    await page.getByRole('button', { name: 'Regenerate API key' }).waitFor();
    assert.equal(
      (await api(env.server, 'GET', '/api/domains', { key })).status,
      200,
      'the shown key still works',
    );
    await context.close();
  });

  test('the admin area is only for admins, and shows live figures', async () => {
    const { accounts, mailboxes } = env.server.burnbox.services;
    // Some mail for the chart and the figures.
    const guest = await mailboxes.createGuest();
    for (let i = 0; i < 3; i++)
      await sendMail(env.server, { from: 'a@sender.test', to: guest.address, subject: `m${i}`, text: 'x' });
    await accounts.createUser({ email: 'op@people.test', password: 'operator-password' });
    await accounts.createUser({ email: 'plain@people.test', password: 'plain-password' });
    await accounts.setAdmin('op@people.test', true);

    const login = async (page: Page, email: string, password: string) => {
      await page.goto(`${env.server.baseUrl}/login`);
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.waitForURL(/\/account$/);
    };

    const plainContext = await newContext(env.browser);
    const plain = await plainContext.newPage();
    await login(plain, 'plain@people.test', 'plain-password');
    assert.equal(await plain.getByRole('link', { name: 'Admin' }).count(), 0);
    const refused = await plain.goto(`${env.server.baseUrl}/admin`);
    assert.equal(refused?.status(), 403);
    await plainContext.close();

    const context = await newContext(env.browser);
    const page = await context.newPage();
    await login(page, 'op@people.test', 'operator-password');
    await page.getByRole('link', { name: 'Admin' }).click();
    await page.locator('.chart').waitFor();
    assert.equal(await page.locator('#figure-received').textContent(), '3');
    assert.equal(await page.locator('.chart rect.bar').count(), 24);
    await page.getByLabel('Domain', { exact: true }).fill('second.test');
    await page.getByRole('button', { name: 'Add domain' }).click();
    await page.locator('td', { hasText: 'second.test' }).waitFor();
    assert.ok((await env.server.burnbox.services.domains.list()).some((d) => d.name === 'second.test'));
    await screenshot(page, 'admin');
    await context.close();
  });
});
