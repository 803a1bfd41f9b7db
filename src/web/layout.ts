// The frame of every page: header with navigation and language switch, main content, footer.
// Pages pass their content as SafeHtml; scripts are our own hashed bundles only.
import type { ScriptName, WebAssets } from './assets.ts';
import type { WebContext } from './context.ts';
import { faviconPath } from './favicon.ts';
import { html, jsonData, type SafeHtml } from './html.ts';
import { languages } from './i18n/define.ts';
import type { MessageKey } from './i18n/translator.ts';

export interface PageOptions {
  title: string;
  main: SafeHtml;
  /** The path of this page, for the language switch to come back to. */
  path: string;
  scripts?: ScriptName[];
  /** Data for the page's script, as a JSON block `#page-data`. */
  data?: unknown;
  /** A notice shown above the content (e.g. "saved"). */
  flash?: { kind: 'ok' | 'error'; text: string };
  active?: 'inbox' | 'docs' | 'account' | 'admin' | 'login' | 'register';
  /**
   * Set when a refused form is shown again (answering its POST): the page's own address, which
   * the browser then shows, so that a reload opens the page instead of sending the form again.
   */
  addressAfter?: string;
}

function navLink(web: WebContext, href: string, key: MessageKey, active: boolean): SafeHtml {
  return html`<a href="${href}"${active ? html` aria-current="page"` : ''}>${web.t.t(key)}</a>`;
}

export function renderPage(web: WebContext, assets: WebAssets, page: PageOptions): string {
  const { t } = web;
  const is = (name: PageOptions['active']) => page.active === name;
  const userLinks = web.user
    ? html`${navLink(web, '/account', 'nav.account', is('account'))}
        ${web.user.isAdmin ? navLink(web, '/admin', 'nav.admin', is('admin')) : ''}
        <form method="post" action="/logout" class="inline-form">
          <input type="hidden" name="_csrf" value="${web.csrf}">
          <button type="submit" class="link-button">${t.t('nav.logout')}</button>
        </form>`
    : html`${navLink(web, '/login', 'nav.login', is('login'))} ${navLink(web, '/register', 'nav.register', is('register'))}`;
  const languageLinks = languages.map(
    (lang) =>
      html`<a href="/lang/${lang}?next=${encodeURIComponent(page.path)}" lang="${lang}" hreflang="${lang}"${
        lang === t.lang ? html` aria-current="true"` : ''
      }>${t.t(`lang.${lang}`)}</a>`,
  );
  const scripts = ['page' as const, ...(page.scripts ?? [])].map(
    (name) => html`<script type="module" src="${assets.scriptUrl(name)}"></script>`,
  );
  return html`<!doctype html>
<html lang="${t.lang}" dir="${t.dir}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="csrf-token" content="${web.csrf}">
${page.addressAfter ? html`<meta name="page-address" content="${page.addressAfter}">` : ''}
<title>${page.title} · Burnbox</title>
<link rel="icon" href="${faviconPath}" type="image/svg+xml">
<link rel="stylesheet" href="${assets.styleUrl}">
${scripts}
</head>
<body>
<a class="skip" href="#main">${t.t('skip.main')}</a>
<header class="site-header">
  <a class="brand" href="/"><span class="brand-mark" aria-hidden="true">✉</span> Burnbox</a>
  <nav aria-label="${t.t('nav.main')}" class="site-nav">
    ${navLink(web, '/', 'nav.inbox', is('inbox'))}
    ${navLink(web, '/docs', 'nav.docs', is('docs'))}
    ${userLinks}
  </nav>
  <nav aria-label="${t.t('lang.switch')}" class="lang-switch">${languageLinks}</nav>
</header>
<main id="main" tabindex="-1">
${page.flash ? html`<p class="flash flash-${page.flash.kind}" role="${page.flash.kind === 'error' ? 'alert' : 'status'}">${page.flash.text}</p>` : ''}
${page.main}
</main>
<footer class="site-footer"><p>${t.t('brand.tagline')} · ${t.t('footer.text')}</p></footer>
${page.data === undefined ? '' : html`<script type="application/json" id="page-data">${jsonData(page.data)}</script>`}
</body>
</html>`.value;
}
