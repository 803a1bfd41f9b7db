// The "Custom domains" card of the account page: the user's domains with their status, the DNS
// records to create, what the last lookup found, a "check now" button, the catch-all and
// removal; and the form that links another. Every form carries the page's CSRF token.
import type { FastifyRequest } from 'fastify';
import type { CustomDomainService } from '../../domain/custom-domains.ts';
import type { CustomDomainRecord, MailboxRecord } from '../../store/types.ts';
import { type FormError, formErrorNote, invalidField } from '../forms.ts';
import { html, ltr, type SafeHtml } from '../html.ts';

export interface DomainsCard {
  claims: CustomDomainRecord[];
  /** How many the plan allows (0: the card says the plan has none). */
  limit: number;
  /** The user's live mailboxes: the catch-all's choices. */
  mailboxes: MailboxRecord[];
  /** A refused domain form: why, and the name as typed. */
  error?: FormError;
  typed?: string;
}

const actionPath = (name: string, action: string) => `/account/domains/${encodeURIComponent(name)}/${action}`;

export function domainsCard(
  request: FastifyRequest,
  service: CustomDomainService,
  card: DomainsCard,
): SafeHtml {
  const { t } = request.web;
  const csrf = html`<input type="hidden" name="_csrf" value="${request.web.csrf}">`;
  const button = (name: string, action: string, label: string, kind = '') =>
    html`<form method="post" action="${actionPath(name, action)}" class="inline-form">${csrf}<button type="submit" class="button ${kind}">${label}</button></form>`;
  const row = (claim: CustomDomainRecord) => {
    const records = service.recordsOf(claim);
    const catchAll =
      claim.status === 'verified'
        ? html`<form method="post" action="${actionPath(claim.name, 'catch-all')}" class="inline-form">${csrf}
      <label>${t.t('account.domainCatchAll')} <select name="email" dir="ltr"><option value="">${t.t('account.domainCatchAllNone')}</option>${card.mailboxes.map(
        (m) =>
          html`<option value="${m.address}"${m.address === claim.catchAll ? html` selected` : ''}>${m.address}</option>`,
      )}</select></label>
      <button type="submit" class="button">${t.t('action.save')}</button></form>`
        : '';
    return html`<li class="custom-domain" data-domain="${claim.name}" data-status="${claim.status}">
  <h3>${ltr(claim.name)} <span class="domain-status domain-status-${claim.status}">${t.t(`account.domainStatus.${claim.status}`)}</span></h3>
  ${
    claim.status === 'verified'
      ? ''
      : html`<p class="muted">${t.t('account.domainRecordsIntro')}</p>
  <div class="table-wrap"><table>
    <thead><tr><th>${t.t('account.domainRecordType')}</th><th>${t.t('account.domainRecordName')}</th><th>${t.t('account.domainRecordValue')}</th></tr></thead>
    <tbody>${records.map(
      (r) =>
        html`<tr><td>${ltr(r.type)}</td><td>${ltr(r.name)}</td><td><code dir="ltr">${r.priority === undefined ? r.value : `${r.priority} ${r.value}`}</code></td></tr>`,
    )}</tbody></table></div>`
  }
  ${claim.lastProblem ? html`<p class="domain-problem">${ltr(claim.lastProblem)}</p>` : ''}
  ${claim.checkedAt === null ? '' : html`<p class="muted">${t.t('account.domainChecked', { date: t.dateTime(claim.checkedAt) })}</p>`}
  ${catchAll}
  <div class="actions">
    ${claim.status === 'verified' ? '' : button(claim.name, 'check', t.t('account.domainCheck'), 'button-primary')}
    ${button(claim.name, 'remove', t.t('account.domainRemove'))}
  </div>
</li>`;
  };
  const error = card.error;
  return html`<section class="card" id="domains" aria-labelledby="domains-title">
  <h2 id="domains-title">${t.t('account.domains')}</h2>
  <p class="muted">${t.t('account.domainsIntro')}</p>
  ${card.claims.length === 0 ? html`<p class="muted">${t.t('account.domainsEmpty')}</p>` : html`<ul class="custom-domains">${card.claims.map(row)}</ul>`}
  ${
    card.limit === 0
      ? html`<p class="muted">${t.t('account.domainsNotInPlan')}</p>`
      : html`<form method="post" action="/account/domains" class="stack">
    ${csrf}
    <label class="field">${t.t('account.domainName')}<input name="domain" dir="ltr" required value="${card.typed ?? ''}" placeholder="mail.example.com"${invalidField(error, 'domain-error')}></label>
    <button type="submit" class="button button-primary">${t.t('account.domainAdd')}</button>
    <p class="muted">${t.t('account.domainsLimit', { limit: card.limit })}</p>
  </form>`
  }
  ${formErrorNote(error, 'domain-error')}
</section>`;
}
