// Register, log in, log out, change password. Sessions live in HttpOnly SameSite cookies that
// hold a random token (the store keeps only its hash); login attempts are throttled per client
// address and email.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../../domain/errors.ts';
import { cookieNames } from '../context.ts';
import { WebError } from '../errors.ts';
import { formError, formErrorNote, invalidField } from '../forms.ts';
import { html, type SafeHtml } from '../html.ts';
import { throttle, throttlePasswordCheck } from '../login-throttle.ts';
import { cookieOptions, localPath, sendPage, type WebDeps } from '../plugin.ts';

/** The longest address accounts accept: 64 before the @, 253 after (src/domain/accounts.ts). */
const maxEmailLength = 318;
const hourMs = 3_600_000;

type Credentials = { Body: { email?: string; password?: string; next?: string } };

export async function authPages(app: FastifyInstance, deps: WebDeps): Promise<void> {
  const { services } = deps;
  const { config } = services;

  function field(name: string, label: string, type: string, extra: SafeHtml | string = ''): SafeHtml {
    return html`<label class="field">${label}<input name="${name}" type="${type}" required ${extra}></label>`;
  }

  function form(
    request: FastifyRequest,
    reply: FastifyReply,
    kind: 'login' | 'register',
    options: { error?: string; email?: string; status?: number } = {},
  ) {
    const { t, csrf } = request.web;
    const next = localPath(
      (request.query as { next?: string }).next ?? (request.body as { next?: string } | undefined)?.next,
      '/account',
    );
    const isLogin = kind === 'login';
    const error = options.error ? { text: options.error, status: options.status ?? 400 } : undefined;
    const title = t.t(isLogin ? 'auth.loginTitle' : 'auth.registerTitle');
    reply.code(options.status ?? 200);
    return sendPage(reply, deps, request, {
      title,
      path: `/${kind}`,
      active: kind,
      addressAfter: error
        ? `/${kind}${next === '/account' ? '' : `?next=${encodeURIComponent(next)}`}`
        : undefined,
      main: html`<section class="card narrow">
  <h1>${title}</h1>
  ${isLogin ? '' : html`<p class="muted">${t.t('auth.registerIntro')}</p>`}
  <form method="post" action="/${kind}" class="stack">
    <input type="hidden" name="_csrf" value="${csrf}">
    <input type="hidden" name="next" value="${next}">
    ${formErrorNote(error, 'form-error')}
    ${field('email', t.t('auth.email'), 'email', html`autocomplete="email" dir="ltr" maxlength="${maxEmailLength}" value="${options.email ?? ''}"${invalidField(error, 'form-error')}`)}
    ${field('password', t.t('auth.password'), 'password', isLogin ? html`autocomplete="current-password"` : html`autocomplete="new-password" minlength="8" aria-describedby="password-hint"`)}
    ${isLogin ? '' : html`<p id="password-hint" class="muted">${t.t('auth.passwordHint')}</p>`}
    <button type="submit" class="button button-primary">${t.t(isLogin ? 'auth.loginButton' : 'auth.registerButton')}</button>
  </form>
  <p>${t.t(isLogin ? 'auth.noAccount' : 'auth.haveAccount')} <a href="/${isLogin ? 'register' : 'login'}">${t.t(isLogin ? 'nav.register' : 'nav.login')}</a></p>
</section>`,
    });
  }

  async function startSession(reply: FastifyReply, userId: number): Promise<void> {
    const { token } = await services.sessions.start(userId);
    reply.setCookie(
      cookieNames.session,
      token,
      cookieOptions(services, Math.floor(config.web.sessionTtlMs / 1000)),
    );
  }

  app.get('/login', async (request, reply) => form(request, reply, 'login'));
  app.get('/register', async (request, reply) => form(request, reply, 'register'));

  app.post<Credentials>('/login', async (request, reply) => {
    const email = String(request.body?.email ?? '')
      .trim()
      .toLowerCase();
    const password = String(request.body?.password ?? '');
    try {
      await throttlePasswordCheck(services, request, email);
      const user = await services.accounts.login(email, password);
      await startSession(reply, user.id);
      return reply.redirect(localPath(request.body?.next, '/account'), 303);
    } catch (err) {
      if (err instanceof DomainError && err.kind === 'unauthenticated') {
        return form(request, reply, 'login', { error: request.web.t.t('auth.wrong'), email, status: 401 });
      }
      if (err instanceof WebError)
        return form(request, reply, 'login', { error: err.message, email, status: err.status });
      throw err;
    }
  });

  app.post<Credentials>('/register', async (request, reply) => {
    const email = String(request.body?.email ?? '').trim();
    try {
      await throttle(services, request, 'register', request.ip, config.web.guestMailboxesPerHour, hourMs);
      const user = await services.accounts.register(email, String(request.body?.password ?? ''));
      await startSession(reply, user.id);
      return reply.redirect(localPath(request.body?.next, '/account'), 303);
    } catch (err) {
      const error = formError(request.web.t, err, {
        invalid: 'form.registerInvalid',
        conflict: 'form.emailTaken',
      });
      if (!error) throw err;
      return form(request, reply, 'register', { error: error.text, email, status: error.status });
    }
  });

  app.post('/logout', async (request, reply) => {
    if (request.web.sessionToken) await services.sessions.end(request.web.sessionToken);
    reply.clearCookie(cookieNames.session, { path: '/' });
    return reply.redirect('/', 303);
  });
}
