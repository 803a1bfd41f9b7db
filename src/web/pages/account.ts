// The account page ("API management"): API key, plan and live quota, base URL, webhook with
// its secret, test event and delivery log, the user's mailboxes, and the password form.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { newSecret } from '../../domain/ids.ts';
import type { UserRecord } from '../../store/types.ts';
import { WebError } from '../errors.ts';
import { type FormError, formErrorNote, invalidField, withFormErrors } from '../forms.ts';
import { html, ltr, ltrCode, phrase, type SafeHtml } from '../html.ts';
import { clientStrings, type MessageKey, planLabel } from '../i18n/translator.ts';
import { inboxPath } from '../inbox/present.ts';
import { throttlePasswordCheck } from '../login-throttle.ts';
import { cookieOptions, sendPage, type WebDeps } from '../plugin.ts';
import { Sealer } from '../sealed.ts';
import { domainsCard } from './account-domains.ts';

const notices: Record<string, MessageKey> = {
  domainAdded: 'account.domainAdded',
  domainChecked: 'account.domainCheckedNotice',
  domainRemoved: 'account.domainRemoved',
  catchAll: 'account.domainCatchAllSaved',
  webhook: 'account.webhookSaved',
  rotated: 'account.rotated',
  test: 'account.testSent',
  password: 'auth.passwordChanged',
};

/** A form of the page that was refused, shown again with why (and the URL as typed). */
interface RefusedForm {
  form: 'webhook' | 'password' | 'domains';
  error: FormError;
  url?: string;
  /** The domain as typed in the domains form. */
  domain?: string;
}

/** How long a new key waits, sealed in a cookie, for the page the POST redirects to. */
const newKeyCookieMs = 60_000;
const newKeyCookie = 'bb_new_key';

export async function accountPages(app: FastifyInstance, deps: WebDeps): Promise<void> {
  const { services } = deps;
  const { config } = services;
  const sealer = new Sealer(await services.store.getOrCreateSecret('web-seal', newSecret));

  /** The signed-in user; others are sent to the login page (pages) or refused (JSON). */
  function requireUser(request: FastifyRequest, reply: FastifyReply): UserRecord | undefined {
    const { user } = request.web;
    if (user) return user;
    if (request.method === 'GET' && !request.url.endsWith('/quota')) {
      void reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 303);
      return undefined;
    }
    throw new WebError(401, request.web.t.t('error.unauthenticated'));
  }

  const csrfField = (request: FastifyRequest) =>
    html`<input type="hidden" name="_csrf" value="${request.web.csrf}">`;

  function postButton(request: FastifyRequest, action: string, label: string, kind = ''): SafeHtml {
    return html`<form method="post" action="${action}" class="inline-form">${csrfField(request)}<button type="submit" class="button ${kind}">${label}</button></form>`;
  }

  async function render(
    request: FastifyRequest,
    reply: FastifyReply,
    user: UserRecord,
    extra: { newKey?: string; refused?: RefusedForm } = {},
  ) {
    const refused = extra.refused;
    const webhookError = refused?.form === 'webhook' ? refused.error : undefined;
    const passwordError = refused?.form === 'password' ? refused.error : undefined;
    const { t } = request.web;
    const [keyCreatedAt, quota, hook, secret, log, mailboxes, claims] = await Promise.all([
      services.accounts.apiKeyCreatedAt(user.id),
      services.quota.current(user),
      services.webhooks.get(user),
      services.webhooks.secret(user),
      services.webhooks.log(user, 20),
      services.mailboxes.listOfUser(user),
      services.customDomains.listOf(user),
    ]);
    const domainLimit = config.plans[user.plan]?.customDomains ?? 0;
    const counts = await services.store.countMessagesOfMailboxes(mailboxes.map((m) => m.id));
    const notice = notices[(request.query as { notice?: string }).notice ?? ''];
    const flash = refused
      ? undefined
      : notice
        ? { kind: 'ok' as const, text: t.t(notice) }
        : extra.newKey
          ? { kind: 'ok' as const, text: t.t('account.keyMade') }
          : undefined;
    const apiBase = `${config.publicUrl.replace(/\/$/, '')}/api`;
    reply.code(refused?.error.status ?? 200);
    return sendPage(reply, deps, request, {
      title: t.t('account.title'),
      path: '/account',
      addressAfter: refused ? '/account' : undefined,
      active: 'account',
      scripts: ['account'],
      flash,
      data: {
        quotaUrl: '/account/quota',
        lang: t.lang,
        strings: clientStrings(t.lang, ['account.quotaUsed']),
      },
      main: html`<h1>${t.t('account.title')}</h1>
<p class="muted">${phrase(t.t('account.signedInAs'), { email: ltr(user.email) })}</p>
<div class="grid">
<section class="card" aria-labelledby="key-title">
  <h2 id="key-title">${t.t('account.key')}</h2>
  ${
    extra.newKey
      ? html`<p class="notice">${t.t('account.keyShown')}</p>
  <div class="address-row"><output class="secret" id="new-key" dir="ltr">${extra.newKey}</output>
  <button type="button" class="button button-primary copy-button" data-copy="${extra.newKey}" data-copied="${t.t('action.copied')}">${t.t('action.copy')}</button></div>`
      : keyCreatedAt === undefined
        ? html`<p id="key-state">${t.t('account.keyNone')}</p>`
        : html`<p id="key-state">${t.t('account.keyExists', { date: t.dateTime(keyCreatedAt) })}</p>`
  }
  <p class="muted">${phrase(t.t('account.keyIntro'), { bearer: ltrCode('Authorization: Bearer <key>'), apiKey: ltrCode('X-API-Key: <key>') })}</p>
  ${postButton(request, '/account/key', t.t(keyCreatedAt === undefined ? 'account.keyCreate' : 'account.keyRegenerate'), 'button-primary')}
</section>
<section class="card" aria-labelledby="quota-title">
  <h2 id="quota-title">${t.t('account.quota')}</h2>
  <p>${t.t('account.planName', { plan: planLabel(t, user.plan) })}</p>
  <meter id="quota-meter" min="0" max="${quota.limit}" value="${quota.used}" low="${Math.floor(quota.limit * 0.7)}" high="${Math.floor(quota.limit * 0.9)}" optimum="0"></meter>
  <p><span id="quota-used" data-used="${quota.used}" data-limit="${quota.limit}">${t.t('account.quotaUsed', { used: t.number(quota.used), limit: t.number(quota.limit) })}</span></p>
  <p class="muted" id="quota-reset">${t.t('account.quotaReset', { date: t.dateTime(quota.resetsAt) })}</p>
  <h3>${t.t('account.baseUrl')}</h3>
  <div class="address-row"><code id="api-base" dir="ltr">${apiBase}</code>
  <button type="button" class="button copy-button" data-copy="${apiBase}" data-copied="${t.t('action.copied')}">${t.t('action.copy')}</button></div>
</section>
</div>
<section class="card" aria-labelledby="webhook-title">
  <h2 id="webhook-title">${t.t('account.webhook')}</h2>
  <form method="post" action="/account/webhook" class="stack">
    ${csrfField(request)}
    <label class="field">${t.t('account.webhookUrl')}<input name="url" type="url" dir="ltr" value="${refused?.url ?? hook.url}" placeholder="https://example.com/hooks/burnbox"${invalidField(webhookError, 'webhook-error')}></label>
    <label class="check"><input type="checkbox" name="enabled" value="on"${hook.enabled ? html` checked` : ''}> ${t.t('account.webhookEnabled')}</label>
    <button type="submit" class="button button-primary">${t.t('action.save')}</button>
    ${formErrorNote(webhookError, 'webhook-error')}
  </form>
  <h3>${t.t('account.secret')}</h3>
  <div class="address-row"><code class="secret" id="webhook-secret" dir="ltr">${secret}</code>
  <button type="button" class="button copy-button" data-copy="${secret}" data-copied="${t.t('action.copied')}">${t.t('action.copy')}</button></div>
  <div class="actions">
    ${postButton(request, '/account/webhook/rotate', t.t('account.rotate'))}
    ${postButton(request, '/account/webhook/test', t.t('account.testEvent'))}
  </div>
  <h3>${t.t('account.log')}</h3>
  ${
    log.length === 0
      ? html`<p class="muted">${t.t('account.logEmpty')}</p>`
      : html`<div class="table-wrap"><table>
    <thead><tr><th>${t.t('account.logWhen')}</th><th>${t.t('account.logEvent')}</th><th>${t.t('account.logStatus')}</th><th>${t.t('account.logOutcome')}</th></tr></thead>
    <tbody>${log.map(
      (a) =>
        html`<tr><td>${t.dateTime(a.attemptedAt)}</td><td>${ltr(a.event)}</td><td>${ltr(a.statusCode ?? a.error ?? '')}</td><td>${t.t(`account.outcome.${a.outcome}`)}</td></tr>`,
    )}</tbody></table></div>`
  }
</section>
<section class="card" aria-labelledby="mailboxes-title">
  <h2 id="mailboxes-title">${t.t('account.mailboxes')}</h2>
  ${
    mailboxes.length === 0
      ? html`<p class="muted">${t.t('account.mailboxesEmpty')}</p>`
      : html`<div class="table-wrap"><table>
    <thead><tr><th>${t.t('account.mailboxAddress')}</th><th>${t.t('account.mailboxExpires')}</th><th>${t.t('account.mailboxMessages')}</th><th><span class="visually-hidden">${t.t('account.open')}</span></th></tr></thead>
    <tbody>${mailboxes.map(
      (m) =>
        html`<tr><td>${ltr(m.address)}</td><td>${m.expiresAt === null ? t.t('inbox.never') : t.dateTime(m.expiresAt)}</td><td>${t.number(counts.get(m.id) ?? 0)}</td><td><a href="${inboxPath(services.mailboxes.token(m))}">${t.t('account.open')}</a></td></tr>`,
    )}</tbody></table></div>`
  }
</section>
${
  domainLimit > 0 || claims.length > 0
    ? domainsCard(request, services.customDomains, {
        claims,
        limit: domainLimit,
        mailboxes,
        error: refused?.form === 'domains' ? refused.error : undefined,
        typed: refused?.form === 'domains' ? refused.domain : undefined,
      })
    : ''
}
<section class="card narrow" aria-labelledby="password-title">
  <h2 id="password-title">${t.t('auth.passwordTitle')}</h2>
  <form method="post" action="/account/password" class="stack">
    ${csrfField(request)}
    <label class="field">${t.t('auth.currentPassword')}<input name="current" type="password" autocomplete="current-password" required${invalidField(passwordError, 'password-error')}></label>
    <label class="field">${t.t('auth.newPassword')}<input name="password" type="password" autocomplete="new-password" minlength="8" required></label>
    <button type="submit" class="button">${t.t('action.save')}</button>
    ${formErrorNote(passwordError, 'password-error')}
  </form>
</section>`,
    });
  }

  /** Runs a form's action; a refusal (bad URL, wrong password) shows the page again with why, in that form. */
  function orShowError(
    request: FastifyRequest,
    reply: FastifyReply,
    user: UserRecord,
    action: () => Promise<FastifyReply>,
    form: Omit<RefusedForm, 'error'>,
  ): Promise<FastifyReply> {
    return withFormErrors(request.web.t, action, (error) =>
      render(request, reply, user, { refused: { ...form, error } }),
    );
  }

  app.get('/account', async (request, reply) => {
    const user = requireUser(request, reply);
    if (!user) return reply;
    // A key made by the POST below is shown once, here, to the user who made it.
    const sealed = sealer.open(request.cookies[newKeyCookie], services.context.now());
    if (sealed !== undefined) reply.clearCookie(newKeyCookie, { path: '/account' });
    const [ownerId, newKey] = sealed?.split(':') ?? [];
    return render(request, reply, user, ownerId === String(user.id) ? { newKey } : {});
  });

  app.get('/account/quota', async (request, reply) => {
    const user = requireUser(request, reply) as UserRecord;
    return services.quota.current(user);
  });

  // Post/redirect/get: the new key travels sealed in a short-lived cookie to the page the
  // redirect opens, so reloading that page neither shows it again nor makes another key.
  app.post('/account/key', async (request, reply) => {
    const user = requireUser(request, reply) as UserRecord;
    const newKey = await services.accounts.issueApiKey(user.id);
    const sealed = sealer.seal(`${user.id}:${newKey}`, services.context.now() + newKeyCookieMs);
    reply.setCookie(newKeyCookie, sealed, {
      ...cookieOptions(services, newKeyCookieMs / 1000),
      path: '/account',
      sameSite: 'strict',
    });
    return reply.redirect('/account', 303);
  });

  app.post<{ Body: { url?: string; enabled?: string } }>('/account/webhook', async (request, reply) => {
    const user = requireUser(request, reply) as UserRecord;
    const url = String(request.body?.url ?? '').trim();
    return orShowError(
      request,
      reply,
      user,
      async () => {
        await services.webhooks.set(user, { url, enabled: request.body?.enabled === 'on' && url !== '' });
        return reply.redirect('/account?notice=webhook', 303);
      },
      { form: 'webhook', url },
    );
  });

  // --- custom domains (a refusal shows the page again with why, in the domains card) ---

  app.post<{ Body: { domain?: string } }>('/account/domains', async (request, reply) => {
    const user = requireUser(request, reply) as UserRecord;
    const domain = String(request.body?.domain ?? '');
    return orShowError(
      request,
      reply,
      user,
      async () => {
        await services.customDomains.link(user, domain);
        return reply.redirect('/account?notice=domainAdded#domains', 303);
      },
      { form: 'domains', domain },
    );
  });

  type DomainAction = { Params: { domain: string }; Body: { email?: string } };

  /** A form about one of the user's domains: done, then back to the page with its notice. */
  function domainAction(
    action: string,
    notice: string,
    run: (user: UserRecord, domain: string, body: DomainAction['Body']) => Promise<unknown>,
  ) {
    app.post<DomainAction>(`/account/domains/:domain/${action}`, async (request, reply) => {
      const user = requireUser(request, reply) as UserRecord;
      return orShowError(
        request,
        reply,
        user,
        async () => {
          await run(user, request.params.domain, request.body ?? {});
          return reply.redirect(`/account?notice=${notice}#domains`, 303);
        },
        { form: 'domains' },
      );
    });
  }
  domainAction('check', 'domainChecked', (user, domain) => services.customDomains.checkNow(user, domain));
  domainAction('catch-all', 'catchAll', (user, domain, body) => {
    const email = String(body.email ?? '').trim();
    return services.customDomains.setCatchAll(user, domain, email || null);
  });
  domainAction('remove', 'domainRemoved', (user, domain) => services.customDomains.remove(user, domain));

  app.post('/account/webhook/rotate', async (request, reply) => {
    await services.webhooks.rotateSecret(requireUser(request, reply) as UserRecord);
    return reply.redirect('/account?notice=rotated', 303);
  });

  app.post('/account/webhook/test', async (request, reply) => {
    await services.webhooks.sendTestEvent(requireUser(request, reply) as UserRecord);
    return reply.redirect('/account?notice=test', 303);
  });

  app.post<{ Body: { current?: string; password?: string } }>('/account/password', async (request, reply) => {
    const user = requireUser(request, reply) as UserRecord;
    return orShowError(
      request,
      reply,
      user,
      async () => {
        await throttlePasswordCheck(services, request, user.email);
        await services.accounts.changePassword(
          user,
          String(request.body?.current ?? ''),
          String(request.body?.password ?? ''),
        );
        if (request.web.sessionToken) await services.sessions.endOthers(user.id, request.web.sessionToken);
        return reply.redirect('/account?notice=password', 303);
      },
      { form: 'password' },
    );
  });
}
