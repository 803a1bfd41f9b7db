// A mistake in a form is told on the form itself, with what was typed still there, in the
// reader's language, and the browser knows the rule before sending: never the generic
// "Something went wrong" page.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { browserUnavailable, newContext, screenshot, useBrowserFixture } from '../support/browser.ts';

describe('form mistakes in a browser', { skip: browserUnavailable() }, () => {
  const env = useBrowserFixture(async (server) => {
    const { accounts, mailboxes } = server.burnbox.services;
    await accounts.createUser({ email: 'op@people.test', password: 'operator-password' });
    await accounts.setAdmin('op@people.test', true);
    await accounts.createUser({ email: 'hooks@people.test', password: 'hooks-password' });
    const owner = await accounts.createUser({ email: 'owner@people.test' });
    await mailboxes.createNamed(owner, 'taken', 'example.com', 3_600_000);
  });

  /** Sends a form as typed, past the browser's own checks (as an older browser would). */
  async function submitUnchecked(page: Page, form: string): Promise<number> {
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.locator(form).evaluate((el: HTMLFormElement) => {
        el.noValidate = true;
        el.requestSubmit();
      }),
    ]);
    await page.waitForLoadState();
    return response.status();
  }

  async function expectNoErrorPage(page: Page): Promise<void> {
    assert.equal(await page.getByRole('heading', { name: 'Something went wrong' }).count(), 0);
    assert.equal(await page.getByRole('heading', { name: 'حدث خطأ' }).count(), 0);
  }

  test('choosing a guest name: the browser knows the rule, the server says why on the form', async () => {
    const context = await newContext(env.browser);
    const page = await context.newPage();
    await page.goto(env.server.baseUrl);
    await page.getByText('Choose name').click();
    const name = page.locator('form.change-form input[name="name"]');

    // The rule is in the page: the browser refuses a bad name before sending it.
    assert.equal(await name.getAttribute('required'), '');
    assert.equal(await name.getAttribute('maxlength'), '64');
    assert.match((await name.getAttribute('title')) ?? '', /letters, digits/i);
    for (const [value, valid] of [
      ['good.name-1', true],
      ['Mixed_Case', true],
      ['-starts-with-hyphen', false],
      ['two..dots', false],
      ['has space', false],
      ['ends.', false],
    ] as const) {
      await name.fill(value);
      assert.equal(await name.evaluate((el: HTMLInputElement) => el.validity.valid), valid, value);
    }

    // Sent anyway, a bad name comes back on the form, as typed, with the domain's sentence.
    await name.fill('-bad-');
    assert.equal(await submitUnchecked(page, 'form.change-form'), 422);
    await expectNoErrorPage(page);
    const error = page.locator('form.change-form [role="alert"]');
    assert.match((await error.textContent()) ?? '', /may contain only letters, digits/);
    assert.equal(await name.inputValue(), '-bad-', 'what was typed is kept');
    assert.equal(await name.getAttribute('aria-invalid'), 'true');
    assert.equal(await page.locator('details.change').getAttribute('open'), '', 'the form is open');
    assert.equal(new URL(page.url()).pathname, '/', 'the page keeps its own address');
    await screenshot(page, 'form-error-name');

    // A taken name, likewise; the address did not change.
    const address = await page.locator('#address').textContent();
    await name.fill('taken');
    assert.equal(await submitUnchecked(page, 'form.change-form'), 409);
    assert.match((await error.textContent()) ?? '', /taken@example\.com is not available/);
    assert.equal(await name.inputValue(), 'taken');
    assert.equal(await page.locator('#address').textContent(), address);

    // A good name still works.
    await name.fill('my-own-name');
    await page.getByRole('button', { name: 'Use this address' }).click();
    await page.locator('#address', { hasText: 'my-own-name@example.com' }).waitFor();
    await context.close();
  });

  test('in Arabic the refusal is told in Arabic, on the form', async () => {
    const context = await newContext(env.browser, { locale: 'ar' });
    const page = await context.newPage();
    await page.goto(env.server.baseUrl);
    await page.locator('details.change summary').click();
    const name = page.locator('form.change-form input[name="name"]');
    assert.match((await name.getAttribute('title')) ?? '', /[\u0600-\u06FF]/);
    await name.fill('taken');
    assert.equal(await submitUnchecked(page, 'form.change-form'), 409);
    await expectNoErrorPage(page);
    assert.equal(
      await page.locator('form.change-form [role="alert"]').textContent(),
      'هذا العنوان غير متاح. اختر اسماً آخر.',
    );
    assert.equal(await name.inputValue(), 'taken');
    await name.fill('admin');
    assert.equal(await submitUnchecked(page, 'form.change-form'), 422);
    assert.match((await page.locator('form.change-form [role="alert"]').textContent()) ?? '', /محجوزة/);
    await screenshot(page, 'ar-form-error-name');
    await context.close();
  });

  test('adding a bad domain on the admin page: refused on the form, in English and Arabic', async () => {
    for (const locale of ['en-US', 'ar']) {
      const context = await newContext(env.browser, { locale });
      const page = await context.newPage();
      await page.goto(`${env.server.baseUrl}/login`);
      await page.locator('input[name="email"]').fill('op@people.test');
      await page.locator('input[name="password"]').fill('operator-password');
      await page.locator('form[action="/login"] button').click();
      await page.waitForURL(/\/account$/);
      await page.goto(`${env.server.baseUrl}/admin`);
      const domain = page.locator('form[action="/admin/domains"] input[name="name"]');
      assert.ok(await domain.getAttribute('pattern'), 'the browser knows the rule');
      assert.equal(await domain.getAttribute('maxlength'), '254');
      for (const [value, valid] of [
        ['mail.example.org', true],
        ['Mail.Example.ORG.', true],
        ['no_underscore.test', false],
        ['nodot', false],
        ['-lead.test', false],
      ] as const) {
        await domain.fill(value);
        assert.equal(await domain.evaluate((el: HTMLInputElement) => el.validity.valid), valid, value);
      }
      await domain.fill('not a domain');
      assert.equal(await submitUnchecked(page, 'form[action="/admin/domains"]'), 422);
      await expectNoErrorPage(page);
      const error = (await page.locator('form[action="/admin/domains"] [role="alert"]').textContent()) ?? '';
      if (locale === 'ar') assert.match(error, /ليس اسم نطاق صالحاً/);
      else assert.match(error, /"not a domain" is not a valid domain name/);
      assert.equal(await domain.inputValue(), 'not a domain');
      assert.equal(new URL(page.url()).pathname, '/admin');
      await screenshot(page, `${locale === 'ar' ? 'ar-' : ''}form-error-domain`);
      await context.close();
    }
  });

  test('registering with a taken email: told on the form, the email kept', async () => {
    const context = await newContext(env.browser);
    const page = await context.newPage();
    await page.goto(`${env.server.baseUrl}/register`);
    const email = page.locator('input[name="email"]');
    assert.equal(await email.getAttribute('maxlength'), '318');
    await email.fill('owner@people.test');
    await page.locator('input[name="password"]').fill('long enough password');
    await page.getByRole('button', { name: 'Create account' }).click();
    const error = page.locator('form[action="/register"] [role="alert"]');
    await error.waitFor();
    assert.match((await error.textContent()) ?? '', /already exists/);
    assert.equal(await email.inputValue(), 'owner@people.test');
    assert.equal(await email.getAttribute('aria-invalid'), 'true');
    await context.close();
  });

  test('a refused webhook URL on the account page: told on its form, the URL kept', async () => {
    const context = await newContext(env.browser);
    const page = await context.newPage();
    await page.goto(`${env.server.baseUrl}/login`);
    await page.getByLabel('Email').fill('hooks@people.test');
    await page.getByLabel('Password').fill('hooks-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/account$/);
    const url = page.locator('form[action="/account/webhook"] input[name="url"]');
    await url.fill('ftp://example.org/hook');
    assert.equal(await submitUnchecked(page, 'form[action="/account/webhook"]'), 422);
    await expectNoErrorPage(page);
    await page.locator('form[action="/account/webhook"] [role="alert"]').waitFor();
    assert.equal(await url.inputValue(), 'ftp://example.org/hook', 'what was typed is kept');
    assert.equal(await url.getAttribute('aria-invalid'), 'true');
    assert.equal(new URL(page.url()).pathname, '/account');
    await context.close();
  });
});
