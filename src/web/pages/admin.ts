// The operator's admin area: live figures with a chart of mail per hour, domains, users.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { UserRecord } from '../../store/types.ts';
import { WebError } from '../errors.ts';
import { domainRule, ruleAttributes } from '../form-rules.ts';
import { type FormError, formErrorNote, invalidField, withFormErrors } from '../forms.ts';
import { html, ltr, type SafeHtml } from '../html.ts';
import { planLabel, type Translator } from '../i18n/translator.ts';
import { inboxPath } from '../inbox/present.ts';
import { sendPage, type WebDeps } from '../plugin.ts';

const usersPerPage = 50;

/** Bar chart of messages per hour as inline SVG (no script, no external library). */
function hourlyChart(t: Translator, buckets: { hourStart: number; count: number }[]): SafeHtml {
  const width = 480;
  const height = 160;
  const top = 10;
  const bottom = 20;
  const left = 28; // room for the scale's label
  const max = Math.max(1, ...buckets.map((b) => b.count));
  const slot = (width - left) / Math.max(1, buckets.length);
  const hours = new Intl.DateTimeFormat(t.lang, { hour: 'numeric' });
  const bars = buckets.map((b, i) => {
    const h = ((height - top - bottom) * b.count) / max;
    const x = left + i * slot + 2;
    const label = t.t('admin.chartLabel', { count: t.number(b.count), time: t.dateTime(b.hourStart) });
    return html`<rect class="bar" x="${x.toFixed(1)}" y="${(height - bottom - h).toFixed(1)}" width="${(slot - 4).toFixed(1)}" height="${h.toFixed(1)}"><title>${label}</title></rect>${
      i % 4 === 0 ? html`<text x="${x.toFixed(1)}" y="${height - 5}">${hours.format(b.hourStart)}</text>` : ''
    }`;
  });
  return html`<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="${t.t('admin.perHour')}">
  <line class="axis" x1="${left}" x2="${width}" y1="${height - bottom}" y2="${height - bottom}"/>
  <line class="axis" x1="${left}" x2="${left}" y1="${top}" y2="${height - bottom}"/>${bars}
  <text x="${left - 4}" y="${top + 8}" text-anchor="end">${t.number(max)}</text>
  <text x="${left - 4}" y="${height - bottom}" text-anchor="end">${t.number(0)}</text></svg>`;
}

export async function adminPages(app: FastifyInstance, deps: WebDeps): Promise<void> {
  const { services } = deps;

  function requireAdmin(request: FastifyRequest, reply: FastifyReply): UserRecord | undefined {
    const { user, t } = request.web;
    if (!user) {
      void reply.redirect(`/login?next=${encodeURIComponent('/admin')}`, 303);
      return undefined;
    }
    if (!user.isAdmin) throw new WebError(403, t.t('admin.onlyAdmins'));
    return user;
  }

  const csrfField = (request: FastifyRequest) =>
    html`<input type="hidden" name="_csrf" value="${request.web.csrf}">`;

  app.get<{ Querystring: { page?: string; notice?: string } }>('/admin', async (request, reply) => {
    if (!requireAdmin(request, reply)) return reply;
    const asked = /^\d+$/.test(request.query.page ?? '') ? Number(request.query.page) : 0;
    return renderAdmin(request, reply, asked);
  });

  /**
   * The admin page at user page `asked` (past the last, or a number too big for the database,
   * shows the last page); `attempt` is a refused form shown again (its fields as typed, and
   * why): the domain form, or (no field) an action on a row, whose error shows above the page.
   */
  async function renderAdmin(
    request: FastifyRequest,
    reply: FastifyReply,
    asked: number,
    attempt?: { form: 'domain' | 'row'; name?: string; type?: string; error: FormError },
  ) {
    const { t } = request.web;
    const domainError = attempt?.form === 'domain' ? attempt.error : undefined;
    if (attempt) reply.code(attempt.error.status);
    const [stats, domains, operatorMailboxes, customDomains] = await Promise.all([
      services.stats.overview(),
      services.domains.list(),
      services.operatorMailboxes.list(),
      services.customDomains.listAll(),
    ]);
    const owners = new Map(
      await Promise.all(
        [...new Set(customDomains.map((d) => d.userId))].map(
          async (id) => [id, (await services.store.getUserById(id))?.email ?? String(id)] as const,
        ),
      ),
    );
    const lastPage = Math.max(0, Math.ceil(stats.users / usersPerPage) - 1);
    const pageNumber = Math.min(asked, lastPage);
    const users = await services.accounts.listUsers(usersPerPage, pageNumber * usersPerPage);
    const received = stats.messagesPerHour.reduce((sum, b) => sum + b.count, 0);
    const planNames = Object.keys(services.config.plans);
    const figure = (label: string, value: number, id: string) =>
      html`<div class="figure"><strong id="${id}">${t.number(value)}</strong>${label}</div>`;
    return sendPage(reply, deps, request, {
      title: t.t('admin.title'),
      path: '/admin',
      active: 'admin',
      addressAfter: attempt ? '/admin' : undefined,
      flash:
        attempt?.form === 'row'
          ? { kind: 'error', text: attempt.error.text }
          : (request.query as { notice?: string }).notice === 'saved'
            ? { kind: 'ok', text: t.t('admin.saved') }
            : undefined,
      main: html`<h1>${t.t('admin.title')}</h1>
<section class="card" aria-labelledby="figures-title">
  <h2 id="figures-title">${t.t('admin.figures')}</h2>
  <div class="figures">
    ${figure(t.t('admin.received24h'), received, 'figure-received')}
    ${figure(t.t('admin.liveMailboxes'), stats.liveMailboxes, 'figure-mailboxes')}
    ${figure(t.t('admin.users'), stats.users, 'figure-users')}
    ${figure(t.t('admin.webhookFailures'), stats.webhookFailures24h, 'figure-webhook-failures')}
    ${figure(t.t('admin.pendingWebhooks'), stats.pendingWebhooks, 'figure-webhook-pending')}
  </div>
  <h3>${t.t('admin.perHour')}</h3>
  ${hourlyChart(t, stats.messagesPerHour)}
</section>
<section class="card" aria-labelledby="domains-title">
  <h2 id="domains-title">${t.t('admin.domains')}</h2>
  ${
    domains.length === 0
      ? html`<p class="notice">${t.t('admin.domainsEmpty')}</p>`
      : html`<div class="table-wrap"><table><thead><tr><th>${t.t('admin.domainName')}</th><th>${t.t('admin.domainType')}</th><th><span class="visually-hidden">${t.t('admin.remove')}</span></th></tr></thead><tbody>${domains.map(
          (
            d,
          ) => html`<tr><td>${ltr(d.name)}</td><td>${t.t(d.type === 'free' ? 'admin.typeFree' : 'admin.typePremium')}</td><td>
          <form method="post" action="/admin/domains/remove" class="inline-form" data-confirm="${t.t('admin.removeConfirm')}">${csrfField(request)}<input type="hidden" name="name" value="${d.name}"><button type="submit" class="button button-danger">${t.t('admin.remove')}</button></form></td></tr>`,
        )}</tbody></table></div>`
  }
  <form method="post" action="/admin/domains" class="change-form">
    ${csrfField(request)}
    <label>${t.t('admin.domainName')} <input name="name" ${ruleAttributes(t, domainRule)} dir="ltr" placeholder="mail.example.com" value="${domainError ? attempt?.name : ''}"${invalidField(domainError, 'domain-error')}></label>
    <label>${t.t('admin.domainType')} <select name="type"><option value="free">${t.t('admin.typeFree')}</option><option value="premium"${domainError && attempt?.type === 'premium' ? html` selected` : ''}>${t.t('admin.typePremium')}</option></select></label>
    <button type="submit" class="button button-primary">${t.t('admin.addDomain')}</button>
    ${formErrorNote(domainError, 'domain-error')}
  </form>
</section>
${
  customDomains.length === 0
    ? ''
    : html`<section class="card" aria-labelledby="custom-domains-title">
  <h2 id="custom-domains-title">${t.t('admin.customDomains')}</h2>
  <div class="table-wrap"><table><thead><tr><th>${t.t('admin.domainName')}</th><th>${t.t('admin.customOwner')}</th><th>${t.t('admin.customStatus')}</th><th><span class="visually-hidden">${t.t('admin.remove')}</span></th></tr></thead><tbody>${customDomains.map(
    (
      d,
    ) => html`<tr><td>${ltr(d.name)}</td><td>${ltr(owners.get(d.userId) ?? '')}</td><td>${t.t(`account.domainStatus.${d.status}`)}</td><td>
    <form method="post" action="/admin/custom-domains/remove" class="inline-form" data-confirm="${t.t('admin.customRemoveConfirm')}">${csrfField(request)}<input type="hidden" name="name" value="${d.name}"><button type="submit" class="button button-danger">${t.t('admin.remove')}</button></form></td></tr>`,
  )}</tbody></table></div>
</section>`
}
<section class="card" aria-labelledby="operator-mail-title">
  <h2 id="operator-mail-title">${t.t('admin.operatorMail')}</h2>
  ${
    operatorMailboxes.length === 0
      ? html`<p class="notice">${t.t('admin.operatorMailEmpty')}</p>`
      : html`<ul class="operator-mailboxes">${operatorMailboxes.map(
          (m) => html`<li><a href="${inboxPath(services.mailboxes.token(m))}">${ltr(m.address)}</a></li>`,
        )}</ul>`
  }
</section>
<section class="card" aria-labelledby="users-title">
  <h2 id="users-title">${t.t('admin.usersTitle')} <span class="count">${t.number(users.total)}</span></h2>
  <div class="table-wrap"><table><thead><tr><th>${t.t('admin.email')}</th><th>${t.t('admin.plan')}</th><th>${t.t('admin.status')}</th><th>${t.t('admin.created')}</th></tr></thead><tbody>${users.items.map(
    (u) => html`<tr><td>${ltr(u.email)}</td><td>
      <form method="post" action="/admin/users/plan" class="inline-form">${csrfField(request)}<input type="hidden" name="email" value="${u.email}">
      <select name="plan" aria-label="${t.t('admin.plan')}">${planNames.map((p) => html`<option value="${p}"${p === u.plan ? html` selected` : ''}>${planLabel(t, p)}</option>`)}</select>
      <button type="submit" class="button">${t.t('admin.setPlan')}</button></form></td>
      <td>${t.t(u.disabled ? 'admin.disabled' : 'admin.active')}
      <form method="post" action="/admin/users/${u.disabled ? 'enable' : 'disable'}" class="inline-form">${csrfField(request)}<input type="hidden" name="email" value="${u.email}"><button type="submit" class="button">${t.t(u.disabled ? 'admin.enable' : 'admin.disable')}</button></form></td>
      <td>${t.dateTime(u.createdAt)}</td></tr>`,
  )}</tbody></table></div>
  <p class="actions">
    ${pageNumber > 0 ? html`<a class="button" href="/admin?page=${pageNumber - 1}">${t.t('admin.previous')}</a>` : ''}
    ${(pageNumber + 1) * usersPerPage < users.total ? html`<a class="button" href="/admin?page=${pageNumber + 1}">${t.t('admin.next')}</a>` : ''}
  </p>
</section>`,
    });
  }

  type Form = { Body: Record<string, string | undefined> };
  const field = (request: FastifyRequest, name: string) =>
    String((request.body as Record<string, unknown>)?.[name] ?? '');

  /** Runs an admin form's action; a refusal shows the admin page again with why. */
  function adminAction(
    request: FastifyRequest,
    reply: FastifyReply,
    action: () => Promise<unknown>,
    form: 'domain' | 'row' = 'row',
  ) {
    return withFormErrors(
      request.web.t,
      async () => {
        await action();
        return reply.redirect('/admin?notice=saved', 303);
      },
      (error) =>
        renderAdmin(request, reply, 0, {
          form,
          name: field(request, 'name'),
          type: field(request, 'type'),
          error,
        }),
      form === 'domain' ? { invalid: 'form.domainInvalid' } : {},
    );
  }

  app.post<Form>('/admin/domains', async (request, reply) => {
    if (!requireAdmin(request, reply)) return reply;
    return adminAction(
      request,
      reply,
      () =>
        services.domains.add(
          field(request, 'name'),
          field(request, 'type') === 'premium' ? 'premium' : 'free',
        ),
      'domain',
    );
  });

  app.post<Form>('/admin/domains/remove', async (request, reply) => {
    if (!requireAdmin(request, reply)) return reply;
    return adminAction(request, reply, () => services.domains.remove(field(request, 'name')));
  });

  // Unlinks a user's domain from whoever holds it (every claim on the name), as `domain remove` does.
  app.post<Form>('/admin/custom-domains/remove', async (request, reply) => {
    if (!requireAdmin(request, reply)) return reply;
    return adminAction(request, reply, () => services.customDomains.removeByOperator(field(request, 'name')));
  });

  app.post<Form>('/admin/users/plan', async (request, reply) => {
    if (!requireAdmin(request, reply)) return reply;
    return adminAction(request, reply, () =>
      services.accounts.setPlan(field(request, 'email'), field(request, 'plan')),
    );
  });

  for (const action of ['disable', 'enable'] as const) {
    app.post<Form>(`/admin/users/${action}`, async (request, reply) => {
      if (!requireAdmin(request, reply)) return reply;
      return adminAction(request, reply, () =>
        services.accounts.setDisabled(field(request, 'email'), action === 'disable'),
      );
    });
  }
}
