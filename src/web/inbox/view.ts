// The inbox page's markup: the address card with its actions, and the frame the script fills
// with messages. Messages themselves are rendered by the script from the page data.
import type { UsableDomain } from '../../domain/domains.ts';
import type { WebContext } from '../context.ts';
import { localPartRule, ruleAttributes } from '../form-rules.ts';
import { type FormError, formErrorNote, invalidField } from '../forms.ts';
import { html, type SafeHtml } from '../html.ts';
import { formatTimeLeft } from '../shared/duration.ts';
import { inboxPath, type MailboxView } from './present.ts';

function csrfField(web: WebContext): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${web.csrf}">`;
}

function expiryText(web: WebContext, expiresAt: number | null, now: number): string {
  if (expiresAt === null) return web.t.t('inbox.never');
  if (expiresAt <= now) return web.t.t('inbox.expired');
  return web.t.t('inbox.expiresIn', { time: formatTimeLeft(expiresAt - now, web.t.lang) });
}

/** What was typed into the "choose name" form when it was refused, and why. */
export interface ChangeAttempt {
  name: string;
  domain: string;
  error: FormError;
}

function actions(
  web: WebContext,
  mailbox: MailboxView,
  domains: UsableDomain[],
  localPart: string,
  attempt: ChangeAttempt | undefined,
): SafeHtml {
  const { t } = web;
  const base = inboxPath(mailbox.token);
  const error = attempt?.error;
  const chosenDomain = attempt?.domain ?? mailbox.address.slice(mailbox.address.lastIndexOf('@') + 1);
  // Which field the refusal is about: the domain when it is unknown or not allowed, else the name.
  const aboutDomain = error?.kind === 'not_found' || error?.kind === 'forbidden';
  return html`<div class="actions">
  <form method="post" action="${base}/extend">${csrfField(web)}<button type="submit" class="button">${t.t('inbox.extend')}</button></form>
  <form method="post" action="/mailbox/new">${csrfField(web)}<button type="submit" class="button">${t.t('inbox.newAddress')}</button></form>
  <form method="post" action="${base}/delete" data-confirm="${t.t('inbox.deleteConfirm')}">${csrfField(web)}<button type="submit" class="button button-danger">${t.t('inbox.deleteMailbox')}</button></form>
</div>
<details class="change"${error ? html` open` : ''}>
  <summary>${t.t('inbox.change')}</summary>
  <form method="post" action="${base}/change" class="change-form">
    ${csrfField(web)}
    <h2 class="visually-hidden">${t.t('inbox.changeTitle')}</h2>
    <label>${t.t('inbox.name')} <input name="name" ${ruleAttributes(t, localPartRule)} autocomplete="off" spellcheck="false" dir="ltr" value="${attempt?.name ?? localPart}"${invalidField(error, 'change-error', !aboutDomain)}></label>
    <span class="at" aria-hidden="true">@</span>
    <label>${t.t('inbox.domain')} <select name="domain" dir="ltr"${invalidField(error, 'change-error', aboutDomain)}>${domains.map(
      (d) =>
        html`<option value="${d.name}"${d.name === chosenDomain ? html` selected` : ''}>${d.name}</option>`,
    )}</select></label>
    <button type="submit" class="button button-primary">${t.t('inbox.changeButton')}</button>
    ${formErrorNote(error, 'change-error')}
  </form>
</details>`;
}

export function inboxMain(
  web: WebContext,
  mailbox: MailboxView,
  options: { domains: UsableDomain[]; now: number; change?: ChangeAttempt },
): SafeHtml {
  const { t } = web;
  const [localPart = ''] = mailbox.address.split('@');
  return html`<section class="card mailbox" aria-labelledby="mailbox-title">
  <h1 id="mailbox-title" class="eyebrow">${t.t(mailbox.canWrite ? 'inbox.yourAddress' : 'inbox.sharedAddress')}</h1>
  <div class="address-row">
    <output class="address" id="address" dir="ltr">${mailbox.address}</output>
    <button type="button" class="button button-primary copy-button" data-copy="${mailbox.address}" data-copied="${t.t('action.copied')}">${t.t('action.copy')}</button>
  </div>
  <p class="meta">
    <span id="expiry" data-expires-at="${mailbox.expiresAt ?? ''}">${expiryText(web, mailbox.expiresAt, options.now)}</span>
    <span id="live-status" class="live-status" data-state="connecting" role="status">${t.t('inbox.connecting')}</span>
  </p>
  ${mailbox.canWrite ? '' : html`<p class="notice">${t.t('inbox.readOnly')}</p>`}
  ${mailbox.canWrite ? actions(web, mailbox, options.domains, localPart, options.change) : ''}
  <details class="share">
    <summary>${t.t('inbox.share')}</summary>
    <p class="muted">${t.t('inbox.shareHint')}</p>
    <div class="address-row">
      <input class="share-url" readonly value="${mailbox.shareUrl}" dir="ltr" aria-label="${t.t('inbox.share')}">
      <button type="button" class="button copy-button" data-copy="${mailbox.shareUrl}" data-copied="${t.t('action.copied')}">${t.t('action.copy')}</button>
    </div>
  </details>
</section>
<section class="inbox-layout">
  <div class="card message-list" aria-labelledby="messages-title">
    <h2 id="messages-title">${t.t('inbox.messages')} <span id="message-count" class="count"></span></h2>
    <ul id="messages" class="messages"></ul>
    <p id="empty" class="empty">${t.t('inbox.empty')}</p>
    <noscript><p class="notice">${t.t('inbox.noscript')}</p></noscript>
  </div>
  <article id="reader" class="card reader" tabindex="-1"><p class="muted">${t.t('message.select')}</p></article>
</section>`;
}
