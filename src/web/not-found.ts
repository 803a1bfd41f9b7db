// The page for an unknown address outside the API, in the reader's language. Unknown paths
// never reach the web plugin's hooks, so the language is read from the request here.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../services.ts';
import { webAssets } from './assets.ts';
import { cookieNames } from './context.ts';
import { pageCsp } from './csp.ts';
import { html } from './html.ts';
import { pickLanguage, translator } from './i18n/translator.ts';
import { renderPage } from './layout.ts';

/** True when a browser (not an API client) asked for a page. */
export function wantsPage(request: FastifyRequest): boolean {
  return request.method === 'GET' && (request.headers.accept ?? '').includes('text/html');
}

function cookie(request: FastifyRequest, name: string): string | undefined {
  const match = new RegExp(`(?:^|;\\s*)${name}=([^;]*)`).exec(request.headers.cookie ?? '');
  return match?.[1];
}

export async function sendNotFoundPage(request: FastifyRequest, reply: FastifyReply, services: Services) {
  const lang = pickLanguage(cookie(request, cookieNames.lang), request.headers['accept-language']);
  const t = translator(lang, services.config.timeZone);
  const web = { t, csrf: '', user: undefined, sessionToken: undefined };
  const page = renderPage(web, await webAssets(), {
    title: t.t('error.title'),
    path: '/',
    main: html`<section class="card"><h1>${t.t('error.title')}</h1><p role="alert">${t.t('error.notFound')}</p>
      <p><a href="/">${t.t('error.back')}</a></p></section>`,
  });
  return reply
    .code(404)
    .type('text/html; charset=utf-8')
    .header('Content-Security-Policy', pageCsp)
    .header('X-Content-Type-Options', 'nosniff')
    .send(page);
}
