// The user API dialect (spec/user-api.md): Bearer key (or X-API-Key, as the key dialect), quota headers, {"status": …} bodies.
import { create as contentDisposition } from 'content-disposition';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { planOf } from '../../domain/context.ts';
import { defaultTypeFilter } from '../../domain/domains.ts';
import { notFound } from '../../domain/errors.ts';
import { positionOf } from '../../domain/message-match.ts';
import { withoutInvisibleCharacters } from '../../mail/attachment-names.ts';
import { safeContentType } from '../../mail/content-type.ts';
import type { Services } from '../../services.ts';
import type { MailboxRecord, MessageRecord, UserRecord } from '../../store/types.ts';
import { QuotaSpent, useKeyAuthAndQuota } from '../auth.ts';
import { holdRequest } from '../client-gone.ts';
import { viewOfError } from '../errors.ts';
import { heldRequests } from '../message-events.ts';
import { closingMessage, timeoutMessage, type WaitQuery, waitOptionsOf } from '../wait-query.ts';
import { customDomainRoutes } from './custom-domains.ts';
import { listChunkSize, messageListBody } from './message-list.ts';
import { PresentedMessages } from './presented-messages.ts';
import { presentDomain, presentMailbox, presentMessage } from './presenters.ts';
import { domainTypeQuery, emailQuery, responses, streamQuery, waitQuery } from './schemas.ts';

export function userErrorBody(message: string) {
  return { status: false, message };
}

export async function userApi(app: FastifyInstance, { services }: { services: Services }) {
  // Every route of this dialect is documented under its tag with its way of authenticating.
  app.addHook('onRoute', (route) => {
    route.schema = { ...route.schema, tags: ['user API'], security: [{ bearer: [] }, { apiKey: [] }] };
  });
  const present = {
    // Read when presenting: with an HTTP port of 0 the public URL is settled only once it is bound.
    get publicUrl() {
      return services.config.publicUrl;
    },
    timeZone: services.config.timeZone,
  };
  const presented = new PresentedMessages(present);
  const userOf = (request: FastifyRequest) => request.user as UserRecord;
  const mailboxView = async (user: UserRecord, mailbox: Parameters<typeof services.mailboxes.token>[0]) =>
    presentMailbox(present, mailbox, planOf(services.context, user), services.mailboxes.token(mailbox));

  useKeyAuthAndQuota(app, services);
  // No endpoint of this dialect takes a body; one that is not JSON is a 415, whatever its type.
  app.removeContentTypeParser('text/plain');

  app.setErrorHandler(async (err, request, reply) => {
    if (err instanceof QuotaSpent) {
      reply.header('Retry-After', String(err.retryAfterSeconds));
      return reply.code(429).send(userErrorBody(err.message));
    }
    const view = viewOfError(err, 422);
    if (view.internal) request.log.error({ err }, 'request failed');
    return reply.code(view.status).send(userErrorBody(view.message));
  });

  app.get<{ Querystring: { type?: 'free' | 'premium' | 'all' } }>(
    '/api/domains',
    { schema: { querystring: domainTypeQuery, response: responses.domains } },
    async (request) => {
      const user = userOf(request);
      const plan = planOf(services.context, user);
      const requested = request.query.type ?? defaultTypeFilter(plan);
      // The user's own verified domains come with `all` and with the default listing; a type
      // names the operator's domains of that type only.
      const withCustom = request.query.type === undefined || requested === 'all';
      const domains = await services.domains.listForPlan(plan, requested, withCustom ? user : undefined);
      return {
        status: true,
        data: {
          requested_type: requested,
          allowed_types: plan.domainTypes,
          domains: domains.map(presentDomain),
        },
      };
    },
  );

  // Beyond the seed: the user's own domains (README: "Custom domains").
  customDomainRoutes(app, services);

  app.post('/api/emails', { schema: { response: responses.mailbox } }, async (request) => {
    const user = userOf(request);
    return { status: true, data: await mailboxView(user, await services.mailboxes.createRandom(user)) };
  });

  app.post<{ Params: { current: string; username: string; domain: string } }>(
    '/api/emails/:current/:username/:domain',
    { schema: { response: responses.mailbox } },
    async (request) => {
      const user = userOf(request);
      const { current, username, domain } = request.params;
      return {
        status: true,
        data: await mailboxView(user, await services.mailboxes.switch(user, current, username, domain)),
      };
    },
  );

  // Shares its path with the key dialect's DELETE /api/emails/{emailId}: the router sends an
  // address here and a UUID there (src/http/dialects.ts).
  app.delete<{ Params: { email: string } }>(
    '/api/emails/:email',
    { constraints: { dialect: 'user' }, schema: { response: responses.done } },
    async (request) => {
      await services.mailboxes.delete(userOf(request), request.params.email);
      return { status: true, message: 'Email has been successfully deleted.' };
    },
  );

  app.get<{ Querystring: { email: string } }>(
    '/api/messages',
    { schema: { querystring: emailQuery, response: responses.messages } },
    async (request, reply) => {
      const { mailbox, chunks } = await services.messages.listInChunks(
        userOf(request),
        request.query.email,
        listChunkSize,
        (id) => presented.kept(id),
      );
      return reply
        .type('application/json; charset=utf-8')
        .send(await messageListBody(presented, mailbox, chunks));
    },
  );

  // Beyond the seed: waiting for a message, and a stream of them (README: "Beyond the seed: wait …").

  /** Message `id` of `mailbox` (for `after` and Last-Event-ID); anything else is not found. */
  const messageOf = async (user: UserRecord, mailbox: MailboxRecord, id: string) => {
    const message = await services.messages.requireOwned(user, id);
    if (message.mailboxId !== mailbox.id) throw notFound('Message was not found.');
    return message;
  };
  /** The message object of this dialect plus the message's codes and links, and its sender checks. */
  const waitView = async (message: MessageRecord) => ({
    ...presentMessage(present, message),
    ...(await services.senderAuth.vouch(message, services.extraction.of(message))),
  });
  // The routes have no HEAD twin: a link checker's HEAD must neither take a message nor hold a
  // stream open. Held requests end when the server stops, before its listener waits for them.
  const { closing, streams } = heldRequests(app, services.config.web.liveStreamsPerClient);

  app.get<{ Querystring: WaitQuery & { email: string } }>(
    '/api/messages/wait',
    { exposeHeadRoute: false, schema: { querystring: waitQuery, response: responses.waited } },
    async (request, reply) => {
      const user = userOf(request);
      const { query } = request;
      const mailbox = await services.mailboxes.requireOwned(user, query.email);
      const after = query.after ? positionOf(await messageOf(user, mailbox, query.after)) : undefined;
      const held = holdRequest(reply, closing);
      let message: MessageRecord | undefined;
      try {
        message = await services.waiting.wait(mailbox, waitOptionsOf(query, after, held.signal));
      } finally {
        held.release();
      }
      if (message) return { status: true, data: await waitView(message) };
      if (held.reason === 'closing') return reply.code(503).send(userErrorBody(closingMessage));
      return reply.code(408).send(userErrorBody(timeoutMessage(query.timeout)));
    },
  );

  app.get<{ Querystring: { email: string; lastEventId?: string } }>(
    '/api/messages/stream',
    { exposeHeadRoute: false, schema: { querystring: streamQuery, response: responses.stream } },
    async (request, reply) => {
      const user = userOf(request);
      const mailbox = await services.mailboxes.requireOwned(user, request.query.email);
      const header = request.headers['last-event-id'];
      const lastId = (typeof header === 'string' && header.trim()) || request.query.lastEventId;
      const after = lastId ? positionOf(await messageOf(user, mailbox, lastId)) : undefined;
      return streams.open(reply, user.id, {
        follow: (follower, left) => services.following.follow(mailbox, after, follower, left),
        present: async (message) => ({ id: message.id, json: JSON.stringify(await waitView(message)) }),
      });
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/messages/:id',
    { schema: { response: responses.message } },
    async (request) => {
      return {
        status: true,
        data: presentMessage(present, await services.messages.read(userOf(request), request.params.id)),
      };
    },
  );

  // The message's verification codes and action links, read once when it was received. Not a
  // read of the message: it is not marked seen.
  app.get<{ Params: { id: string } }>(
    '/api/messages/:id/extract',
    { schema: { response: responses.extraction } },
    async (request) => {
      const message = await services.messages.requireOwned(userOf(request), request.params.id);
      return {
        status: true,
        data: await services.senderAuth.vouch(message, services.extraction.of(message)),
      };
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/messages/:id',
    { schema: { response: responses.done } },
    async (request) => {
      await services.messages.delete(userOf(request), request.params.id);
      return { status: true, message: 'Message was deleted successfully.' };
    },
  );

  app.get<{ Params: { id: string; filename: string } }>(
    '/api/messages/:id/attachments/:filename',
    { schema: { response: responses.attachment } },
    async (request, reply: FastifyReply) => {
      const { attachment, stream } = await services.messages.openAttachment(
        userOf(request),
        request.params.id,
        request.params.filename,
      );
      // Served as a download, never rendered: received files are untrusted. Type and name are
      // checked again here for messages stored before ingest checked them.
      return reply
        .type(safeContentType(attachment.contentType))
        .header('Content-Length', String(attachment.size))
        .header('Content-Disposition', contentDisposition(withoutInvisibleCharacters(attachment.name)))
        .header('X-Content-Type-Options', 'nosniff')
        .header('Content-Security-Policy', "sandbox; default-src 'none'")
        .send(stream);
    },
  );
}
