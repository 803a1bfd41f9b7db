// The public inbox: a guest's mailbox (kept by a sealed cookie, see guest-cookie.ts), any
// mailbox opened by its token (read-only unless it is the guest's own or the signed-in
// owner's), the message reader's JSON, downloads, the sanitised HTML body, and the live channel.
import { create as contentDisposition } from 'content-disposition';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../../domain/errors.ts';
import { pacedBody } from '../../http/paced-body.ts';
import { withoutInvisibleCharacters } from '../../mail/attachment-names.ts';
import type { MailboxRecord, MessageRecord } from '../../store/types.ts';
import { messageDocumentCsp } from '../csp.ts';
import { WebError } from '../errors.ts';
import { type FormSentences, withFormErrors } from '../forms.ts';
import { GuestCookie } from '../guest-cookie.ts';
import { clientStrings, type MessageKey } from '../i18n/translator.ts';
import { extractionView } from '../inbox/extraction-view.ts';
import { LiveStreams } from '../inbox/live.ts';
import { detailView, emlFileName, inboxPath, mailboxView, summaryView } from '../inbox/present.ts';
import { senderView } from '../inbox/sender-view.ts';
import { type ChangeAttempt, inboxMain } from '../inbox/view.ts';
import { sendPage, type WebDeps } from '../plugin.ts';

const listLimit = 100;
const hourMs = 3_600_000;

/** Strings the inbox script shows. */
const scriptStrings: MessageKey[] = [
  'inbox.expiresIn',
  'inbox.expired',
  'inbox.live',
  'inbox.connecting',
  'inbox.offline',
  'inbox.gone',
  'message.from',
  'message.to',
  'message.date',
  'message.transport',
  'message.overTls',
  'message.plainText',
  'message.noSubject',
  'message.html',
  'message.text',
  'message.noText',
  'message.attachments',
  'message.raw',
  'message.delete',
  'message.back',
  'message.showImages',
  'message.select',
  'message.frameTitle',
  'message.unread',
  'message.code',
  'message.copyCode',
  'message.copied',
  'message.actionLink.verify',
  'message.actionLink.magic_link',
  'message.actionLink.reset',
  'message.senderVerified',
  'message.senderPending',
  'message.senderUnverified',
];

const notices: Record<string, MessageKey> = { extended: 'inbox.extended', created: 'inbox.created' };

/** The "choose name" form's sentences for its refusals, in languages other than English. */
const changeSentences: FormSentences = {
  invalid: 'form.nameInvalid',
  conflict: 'form.addressTaken',
  not_found: 'form.domainUnknown',
};

type TokenParams = { Params: { token: string } };
type MessageParams = { Params: { token: string; id: string } };

export async function inboxPages(app: FastifyInstance, deps: WebDeps): Promise<void> {
  const { services } = deps;
  const { mailboxes, messages, config } = services;
  const live = new LiveStreams(services.events, config.web.liveStreamsPerClient);
  const guestCookie = await GuestCookie.open(services);
  // Before the listener waits for requests in progress, which open streams would never finish.
  app.addHook('preClose', async () => live.closeAll());

  /** The live mailbox a token opens, and whether this reader may change it. */
  async function open(
    request: FastifyRequest,
    token: string,
  ): Promise<{ mailbox: MailboxRecord; canWrite: boolean }> {
    const mailbox = await mailboxes.byToken(token);
    if (!mailbox) throw new WebError(404, request.web.t.t('inbox.gone'));
    const { user } = request.web;
    // A guest mailbox is the guest's by the sealed cookie, never by knowing its (shared) token.
    const canWrite =
      mailbox.userId === null
        ? guestCookie.mailboxUuid(request) === mailbox.uuid
        : user?.id === mailbox.userId;
    return { mailbox, canWrite };
  }

  async function openWritable(request: FastifyRequest, token: string): Promise<MailboxRecord> {
    const { mailbox, canWrite } = await open(request, token);
    if (!canWrite) throw new WebError(403, request.web.t.t('error.forbidden'));
    return mailbox;
  }

  async function openMessage(request: FastifyRequest, token: string, id: string): Promise<MessageRecord> {
    const { mailbox } = await open(request, token);
    return messages.requireInMailbox(mailbox, id);
  }

  /** A new guest mailbox, if this client address has not made too many this hour. */
  async function createGuest(request: FastifyRequest, reply: FastifyReply): Promise<MailboxRecord> {
    const limit = await services.rateLimits.hit(
      'guest-mailbox',
      request.ip,
      config.web.guestMailboxesPerHour,
      hourMs,
    );
    if (!limit.allowed) {
      throw new WebError(
        429,
        request.web.t.t('inbox.rateLimited', { minutes: Math.ceil(limit.retryAfterSeconds / 60) }),
      );
    }
    try {
      const mailbox = await mailboxes.createGuest();
      guestCookie.set(reply, mailbox);
      return mailbox;
    } catch (err) {
      if (err instanceof DomainError && err.kind === 'forbidden')
        throw new WebError(503, request.web.t.t('inbox.noDomain'));
      throw err;
    }
  }

  async function renderInbox(
    request: FastifyRequest,
    reply: FastifyReply,
    mailbox: MailboxRecord,
    canWrite: boolean,
    path: string,
    change?: ChangeAttempt,
  ) {
    const { t } = request.web;
    const token = mailboxes.token(mailbox);
    const view = mailboxView(mailbox, token, canWrite, config.publicUrl);
    const owner = mailbox.userId === null ? undefined : await services.store.getUserById(mailbox.userId);
    const plan = config.plans[owner?.plan ?? 'free'];
    const domains = canWrite && plan ? await services.domains.usableBy(plan, owner) : [];
    const page = await messages.pageOf(mailbox, listLimit);
    const notice = notices[(request.query as { notice?: string }).notice ?? ''];
    if (change) reply.code(change.error.status);
    return sendPage(reply, deps, request, {
      title: t.t('inbox.title'),
      path,
      active: 'inbox',
      scripts: ['inbox'],
      flash: notice ? { kind: 'ok', text: t.t(notice) } : undefined,
      addressAfter: change ? path : undefined,
      main: inboxMain(request.web, view, { domains, now: services.context.now(), change }),
      data: {
        mailbox: view,
        messages: page.items.map(summaryView),
        strings: clientStrings(t.lang, scriptStrings),
        lang: t.lang,
        timeZone: config.timeZone,
        now: services.context.now(),
      },
    });
  }

  app.get('/', async (request, reply) => {
    const uuid = guestCookie.mailboxUuid(request);
    let mailbox = uuid ? await mailboxes.byUuid(uuid) : undefined;
    if (mailbox && mailbox.userId !== null) mailbox = undefined;
    mailbox ??= await createGuest(request, reply);
    return renderInbox(request, reply, mailbox, true, '/');
  });

  app.post('/mailbox/new', async (request, reply) => {
    await createGuest(request, reply);
    return reply.redirect('/?notice=created', 303);
  });

  app.get<TokenParams>('/inbox/:token', async (request, reply) => {
    const { mailbox, canWrite } = await open(request, request.params.token);
    return renderInbox(request, reply, mailbox, canWrite, inboxPath(request.params.token));
  });

  app.post<TokenParams>('/inbox/:token/extend', async (request, reply) => {
    const mailbox = await openWritable(request, request.params.token);
    const owner = request.web.user && mailbox.userId === request.web.user.id ? request.web.user : undefined;
    const extended = await mailboxes.extend(mailbox, owner);
    // The guest's cookie lives as long as the mailbox, and so must follow it.
    if (extended.userId === null) guestCookie.set(reply, extended);
    // A guest's own mailbox lives at the home page; others at their token's page.
    const home = extended.userId === null ? '/' : inboxPath(request.params.token);
    return reply.redirect(`${home}?notice=extended`, 303);
  });

  app.post<TokenParams & { Body: { name?: string; domain?: string } }>(
    '/inbox/:token/change',
    async (request, reply) => {
      const mailbox = await openWritable(request, request.params.token);
      const name = String(request.body?.name ?? '');
      const domain = String(request.body?.domain ?? '');
      const { user } = request.web;
      return withFormErrors(
        request.web.t,
        async () => {
          if (mailbox.userId === null) {
            const next = await mailboxes.switchGuest(mailbox, name, domain);
            guestCookie.set(reply, next);
            return reply.redirect('/', 303);
          }
          const next = await mailboxes.switch(
            user as NonNullable<typeof user>,
            mailbox.address,
            name,
            domain,
          );
          return reply.redirect(inboxPath(mailboxes.token(next)), 303);
        },
        // A refused name leaves the mailbox as it was: its page again, the form open with why.
        (error) => {
          // Writable here, a guest mailbox is the reader's own: it lives at the home page.
          const path = mailbox.userId === null ? '/' : inboxPath(request.params.token);
          return renderInbox(request, reply, mailbox, true, path, { name, domain, error });
        },
        changeSentences,
      );
    },
  );

  app.post<TokenParams>('/inbox/:token/delete', async (request, reply) => {
    const mailbox = await openWritable(request, request.params.token);
    if (mailbox.userId === null) {
      await mailboxes.deleteGuest(mailbox);
      guestCookie.clear(reply);
      return reply.redirect('/', 303);
    }
    await mailboxes.release(mailbox);
    return reply.redirect('/account', 303);
  });

  app.get<TokenParams>('/inbox/:token/messages', async (request) => {
    const { mailbox, canWrite } = await open(request, request.params.token);
    const page = await messages.pageOf(mailbox, listLimit);
    return {
      mailbox: mailboxView(mailbox, request.params.token, canWrite, config.publicUrl),
      messages: page.items.map(summaryView),
    };
  });

  app.get<TokenParams & { Querystring: { since?: string } }>(
    '/inbox/:token/events',
    async (request, reply) => {
      const { mailbox } = await open(request, request.params.token);
      // HEAD (a link checker, a proxy's probe) gets the stream's headers and no stream.
      if (request.method === 'HEAD') {
        return reply.header('Cache-Control', 'no-store').type('text/event-stream; charset=utf-8').send();
      }
      if (!live.hasRoomFor(request.ip)) {
        throw new WebError(429, request.web.t.t('inbox.tooManyStreams', { limit: live.perClient }));
      }
      const header = request.headers['last-event-id'];
      const position = typeof header === 'string' ? header : request.query.since;
      const since = position && /^\d{1,16}$/.test(position) ? Number(position) : undefined;
      reply.hijack();
      await live.open(reply.raw, {
        mailbox,
        client: request.ip,
        since,
        missedSince: async (from) =>
          (await messages.pageOf(mailbox, listLimit)).items.filter((m) => m.receivedAt >= from).reverse(),
      });
    },
  );

  app.get<MessageParams>('/inbox/:token/messages/:id', async (request) => {
    const { token, id } = request.params;
    const { mailbox, canWrite } = await open(request, token);
    // Without its raw HTML: the reader shows the stored document (body.html).
    const found = await messages.viewInMailbox(mailbox, id);
    // Only its owner's reading marks a message seen: a shared, read-only view changes nothing.
    const message = canWrite ? await messages.markRead(found) : found;
    const view = detailView(message, token);
    // Counted when the document was made: shown once the reader asks (the CSP blocks them till then).
    const blockedImages = view.hasHtml ? await services.bodies.remoteImagesOf(message) : 0;
    // Read when the message arrived; the whole message is loaded only for mail stored before.
    const [extraction, auth] = await Promise.all([
      services.extraction.ofStored(
        message.id,
        async () => (await messages.requireInMailbox(mailbox, id)).content,
      ),
      services.senderAuth.of(message),
    ]);
    return { ...view, blockedImages, extraction: extractionView(extraction), sender: senderView(auth) };
  });

  app.delete<MessageParams>('/inbox/:token/messages/:id', async (request, reply) => {
    const mailbox = await openWritable(request, request.params.token);
    await messages.remove(await messages.requireInMailbox(mailbox, request.params.id));
    return reply.code(204).send();
  });

  app.get<MessageParams & { Querystring: { images?: string } }>(
    '/inbox/:token/messages/:id/body.html',
    async (request, reply) => {
      const { token, id } = request.params;
      const { mailbox } = await open(request, token);
      const allowRemoteImages = request.query.images === '1';
      // Made once, when the message arrived, and read alone (not the message's raw HTML); its
      // inline parts are linked relative to this URL. A message stored before gets it made now.
      const { chunks } =
        (await services.bodies.storedDocumentIn(mailbox, id)) ??
        (await services.bodies.documentOf(await messages.requireInMailbox(mailbox, id)));
      return reply
        .header('Content-Security-Policy', messageDocumentCsp(allowRemoteImages))
        .header('Cache-Control', 'private, no-store')
        .type('text/html; charset=utf-8')
        .send(pacedBody(chunks));
    },
  );

  // Downloads never render as our pages: attachment disposition, and a sandbox CSP so that even
  // an HTML attachment opened directly cannot run script on our origin.
  const downloadCsp = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'";

  app.get<MessageParams>('/inbox/:token/messages/:id/raw', async (request, reply) => {
    const message = await openMessage(request, request.params.token, request.params.id);
    const name = emlFileName(message.content.subject);
    return reply
      .header('Content-Security-Policy', downloadCsp)
      .header('Content-Disposition', contentDisposition(name))
      .type('message/rfc822')
      .send(await messages.openRaw(message));
  });

  app.get<MessageParams & { Params: { name: string } }>(
    '/inbox/:token/messages/:id/attachments/:name',
    async (request, reply) => {
      const message = await openMessage(request, request.params.token, request.params.id);
      const { attachment, stream } = await messages.openAttachmentOf(message, request.params.name);
      const type = /^image\/(png|jpeg|gif|webp|avif)$/i.test(attachment.contentType)
        ? attachment.contentType
        : 'application/octet-stream';
      return reply
        .header('Content-Security-Policy', downloadCsp)
        .header('Content-Disposition', contentDisposition(withoutInvisibleCharacters(attachment.name)))
        .header('Content-Length', String(attachment.size))
        .type(type)
        .send(stream);
    },
  );
}
