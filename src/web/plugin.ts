// The web UI: pages for people, served by the same process as the APIs. This plugin resolves
// who is asking (language, session, guest mailbox), guards every state-changing request with
// a CSRF token, sets security headers, and renders errors as pages or JSON.
import { randomBytes } from 'node:crypto';
import cookie from '@fastify/cookie';
import formBody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../services.ts';
import { type WebAssets, webAssets } from './assets.ts';
import { cookieNames } from './context.ts';
import { pageCsp } from './csp.ts';
import { WebError, webErrorView } from './errors.ts';
import { faviconRoutes } from './favicon.ts';
import { html } from './html.ts';
import { isLang, pickLanguage, translator } from './i18n/translator.ts';
import { renderPage } from './layout.ts';
import { localPath } from './local-path.ts';
import { accountPages } from './pages/account.ts';
import { adminPages } from './pages/admin.ts';
import { authPages } from './pages/auth.ts';
import { docsPages } from './pages/docs.ts';
import { inboxPages } from './pages/inbox.ts';

export interface WebDeps {
  services: Services;
  assets: WebAssets;
}

const unsafeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Cookie attributes: HttpOnly and SameSite always; Secure when the public URL is https. */
export function cookieOptions(services: Services, maxAgeSeconds?: number) {
  return {
    path: '/',
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: services.config.publicUrl.startsWith('https:'),
    ...(maxAgeSeconds === undefined ? {} : { maxAge: maxAgeSeconds }),
  };
}

export { localPath } from './local-path.ts';

function wantsJson(request: FastifyRequest): boolean {
  const path = request.url.split('?')[0] ?? '';
  return (
    path.endsWith('.json') ||
    path.endsWith('/events') ||
    request.method === 'DELETE' ||
    (request.headers.accept ?? '').startsWith('application/json')
  );
}

function checkCsrf(request: FastifyRequest): void {
  const body = request.body as Record<string, unknown> | undefined;
  const header = request.headers['x-csrf-token'];
  const sent =
    (typeof body?._csrf === 'string' ? body._csrf : undefined) ??
    (typeof header === 'string' ? header : undefined);
  const origin = request.headers.origin;
  const sameOrigin =
    origin === undefined || origin === 'null'
      ? origin === undefined
      : new URL(origin).host === request.headers.host;
  if (!sent || sent !== request.web.csrf || !sameOrigin) {
    throw new WebError(403, request.web.t.t('error.csrf'));
  }
}

export async function webUi(app: FastifyInstance, options: { services: Services }): Promise<void> {
  const { services } = options;
  const assets = await webAssets();
  const deps: WebDeps = { services, assets };
  await app.register(cookie);
  await app.register(formBody, { bodyLimit: 64 * 1024 });

  app.decorateRequest('web');
  app.addHook('onRequest', async (request, reply) => {
    const cookies = request.cookies;
    const lang = pickLanguage(cookies[cookieNames.lang], request.headers['accept-language']);
    let csrf = cookies[cookieNames.csrf];
    if (!csrf || !/^[A-Za-z0-9_-]{32,64}$/.test(csrf)) {
      csrf = randomBytes(24).toString('base64url');
      reply.setCookie(cookieNames.csrf, csrf, { ...cookieOptions(services), sameSite: 'strict' });
    }
    const sessionToken = cookies[cookieNames.session];
    const user = await services.sessions.resolve(sessionToken);
    request.web = {
      t: translator(lang, services.config.timeZone),
      csrf,
      user,
      sessionToken: user ? sessionToken : undefined,
    };
  });
  app.addHook('preHandler', async (request) => {
    if (unsafeMethods.has(request.method)) checkCsrf(request);
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (!reply.hasHeader('content-security-policy')) reply.header('Content-Security-Policy', pageCsp);
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Referrer-Policy', 'same-origin');
    if (!reply.hasHeader('cache-control')) reply.header('Cache-Control', 'no-store');
    return payload;
  });
  app.setErrorHandler((err, request, reply) => {
    const t = request.web?.t ?? translator('en', services.config.timeZone);
    const view = webErrorView(t, err);
    if (view.internal) request.log.error({ err }, 'web request failed');
    reply.code(view.status);
    if (!request.web || wantsJson(request)) return reply.send({ error: view.text });
    return sendPage(reply, deps, request, {
      title: t.t('error.title'),
      path: '/',
      main: html`<section class="card"><h1>${t.t('error.title')}</h1><p role="alert">${view.text}</p>
        <p><a href="/">${t.t('error.back')}</a></p></section>`,
    });
  });

  app.get<{ Params: { file: string } }>('/assets/:file', async (request, reply) => {
    const asset = assets.byFileName(request.params.file);
    if (!asset) throw new WebError(404, request.web.t.t('error.notFound'));
    return reply
      .header('Cache-Control', 'public, max-age=31536000, immutable')
      .type(asset.contentType)
      .send(asset.body);
  });

  app.get<{ Params: { lang: string }; Querystring: { next?: string } }>(
    '/lang/:lang',
    async (request, reply) => {
      if (!isLang(request.params.lang)) throw new WebError(404, request.web.t.t('error.notFound'));
      reply.setCookie(cookieNames.lang, request.params.lang, {
        ...cookieOptions(services, 365 * 86400),
        httpOnly: false,
      });
      return reply.redirect(localPath(request.query.next), 303);
    },
  );

  await app.register(faviconRoutes);
  await app.register(inboxPages, deps);
  await app.register(authPages, deps);
  await app.register(accountPages, deps);
  await app.register(adminPages, deps);
  await app.register(docsPages, deps);
}

/** Renders a page in the reader's frame and sends it. */
export function sendPage(
  reply: FastifyReply,
  deps: WebDeps,
  request: FastifyRequest,
  page: Parameters<typeof renderPage>[2],
): FastifyReply {
  return reply.type('text/html; charset=utf-8').send(renderPage(request.web, deps.assets, page));
}
