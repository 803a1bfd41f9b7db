// The key API dialect (spec/key-api.md, MoeMail's API): X-API-Key (or Bearer) auth, the same
// quota as the user dialect, UUID ids, cursor pages and `{"error": …}` bodies.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import { openPlanName, planOf } from '../../domain/context.ts';
import { DomainError } from '../../domain/errors.ts';
import { positionOf as positionInMailbox } from '../../domain/message-match.ts';
import type { Services } from '../../services.ts';
import type { MessageRecord, UserRecord } from '../../store/types.ts';
import { QuotaSpent, useKeyAuthAndQuota } from '../auth.ts';
import { holdRequest } from '../client-gone.ts';
import { viewOfError } from '../errors.ts';
import { jsonStream, RawJson } from '../json-stream.ts';
import { heldRequests } from '../message-events.ts';
import { closingMessage, timeoutMessage, type WaitQuery, waitOptionsOf } from '../wait-query.ts';
import { encodeCursor, positionOf } from './cursor.ts';
import { presentDelivery, presentMailbox, presentMessage, presentMessageSummary } from './presenters.ts';
import {
  cursorQuery,
  deliveriesQuery,
  emailParams,
  type expiryTimes,
  generateBody,
  keySchemaErrorMessage,
  messageParams,
  pageSize,
  responses,
  streamQuery,
  waitQuery,
  webhookBody,
} from './schemas.ts';

export function keyErrorBody(message: string) {
  return { error: message };
}

/** Whether `err` is about a missing thing the request body named in one of its fields. */
function namesMissingBodyField(err: unknown, body: unknown): boolean {
  return (
    err instanceof DomainError &&
    err.kind === 'not_found' &&
    err.input !== undefined &&
    typeof body === 'object' &&
    body !== null &&
    Object.hasOwn(body, err.input)
  );
}

type EmailParams = { emailId: string };
type MessageParams = { emailId: string; messageId: string };
type CursorQuery = { cursor?: string };

export async function keyApi(app: FastifyInstance, { services }: { services: Services }) {
  // Every route of this dialect is documented under its tag with its way of authenticating.
  app.addHook('onRoute', (route) => {
    route.schema = { ...route.schema, tags: ['key API'], security: [{ apiKey: [] }, { bearer: [] }] };
  });
  const userOf = (request: FastifyRequest) => request.user as UserRecord;
  const { mailboxes, messages, webhooks } = services;

  useKeyAuthAndQuota(app, services);
  // Bodies are JSON only: without this, fastify's default text/plain parser would hand the
  // routes a string, refused as a 400 instead of the documented 415.
  app.removeContentTypeParser('text/plain');
  app.setSchemaErrorFormatter(keySchemaErrorMessage);

  app.setErrorHandler(async (err, request, reply) => {
    if (err instanceof QuotaSpent) {
      reply.header('Retry-After', String(err.retryAfterSeconds));
      return reply.code(429).send(keyErrorBody(err.message));
    }
    // A body that names something missing (generate's `domain`) is invalid input, 400 as in
    // MoeMail; 404 is for what the path names.
    const view = namesMissingBodyField(err, request.body)
      ? viewOfError(err, 400, { not_found: 400 })
      : viewOfError(err, 400);
    if (view.internal) request.log.error({ err }, 'request failed');
    return reply.code(view.status).send(keyErrorBody(view.message));
  });

  // --- mailboxes ---

  app.get('/api/email/domains', { schema: { response: responses.domains } }, async (request) => {
    const user = userOf(request);
    const domains = await services.domains.usableBy(planOf(services.context, user), user);
    return { domains: domains.map((d) => d.name) };
  });

  app.post<{ Body: { name: string; expiryTime: (typeof expiryTimes)[number]; domain: string } }>(
    '/api/emails/generate',
    { schema: { body: generateBody, response: responses.generated } },
    async (request) => {
      const { name, expiryTime, domain } = request.body;
      const lifetimeMs = expiryTime === 0 ? null : expiryTime;
      const mailbox = await mailboxes.createNamed(userOf(request), name, domain, lifetimeMs);
      return { id: mailbox.uuid, email: mailbox.address };
    },
  );

  app.get<{ Querystring: CursorQuery }>(
    '/api/emails',
    { schema: { querystring: cursorQuery, response: responses.emails } },
    async (request) => {
      const user = userOf(request);
      const page = await mailboxes.pageOfUser(user, pageSize, positionOf(request.query.cursor));
      return {
        emails: page.items.map((m) => presentMailbox(m, user)),
        nextCursor: page.next && encodeCursor(page.next),
        total: page.total,
      };
    },
  );

  // Shares its path with the user dialect's DELETE /api/emails/{email}: the router sends a UUID
  // here and an address there (src/http/dialects.ts).
  app.delete<{ Params: EmailParams }>(
    '/api/emails/:emailId',
    { constraints: { dialect: 'key' }, schema: { params: emailParams, response: responses.success } },
    async (request) => {
      await mailboxes.deleteByUuid(userOf(request), request.params.emailId);
      return { success: true };
    },
  );

  // --- messages ---

  app.get<{ Params: EmailParams; Querystring: CursorQuery }>(
    '/api/emails/:emailId',
    { schema: { params: emailParams, querystring: cursorQuery, response: responses.messages } },
    async (request) => {
      const after = positionOf(request.query.cursor);
      const page = await messages.pageOfMailbox(userOf(request), request.params.emailId, pageSize, after);
      return {
        messages: page.items.map(presentMessageSummary),
        nextCursor: page.next && encodeCursor(page.next),
        total: page.total,
      };
    },
  );

  app.get<{ Params: MessageParams }>(
    '/api/emails/:emailId/:messageId',
    { schema: { params: messageParams, response: responses.message } },
    async (request, reply) => {
      const { emailId, messageId } = request.params;
      const head = await messages.readHeadByUuid(userOf(request), emailId, messageId);
      // Its text and HTML as stored (for big mail, JSON written at ingest), sent as they are read.
      const fields = await services.bodies.jsonFieldsOf(head);
      const raw = (v: string | AsyncIterable<Buffer>) => (typeof v === 'string' ? v : new RawJson(v));
      const body = {
        message: presentMessage(head, { content: raw(fields.content), html: raw(fields.html) }),
      };
      return reply.type('application/json; charset=utf-8').send(jsonStream(body));
    },
  );

  // The message's verification codes and action links, read once when it was received. Not a
  // read of the message: it is not marked seen.
  app.get<{ Params: MessageParams }>(
    '/api/emails/:emailId/:messageId/extract',
    { schema: { params: messageParams, response: responses.extraction } },
    async (request) => {
      const { emailId, messageId } = request.params;
      const user = userOf(request);
      // Read without its bodies: they are loaded only for mail stored before its codes were kept.
      const head = await messages.requireOwnedHeadByUuid(user, emailId, messageId);
      return services.senderAuth.vouch(
        head,
        services.extraction.ofStored(
          head.id,
          async () => (await messages.requireOwnedByUuid(user, emailId, messageId)).content,
        ),
      );
    },
  );

  app.delete<{ Params: MessageParams }>(
    '/api/emails/:emailId/:messageId',
    { schema: { params: messageParams, response: responses.success } },
    async (request) => {
      const { emailId, messageId } = request.params;
      await messages.deleteByUuid(userOf(request), emailId, messageId);
      return { success: true };
    },
  );

  // Beyond the seed: waiting for a message, and a stream of them (README: "Beyond the seed: wait …").

  /** This dialect's message object plus the message's codes and links, and its sender checks. */
  const waitView = async (message: MessageRecord) => ({
    ...presentMessage(message, {
      content: await services.bodies.textOf(message),
      html: message.content.html,
    }),
    ...(await services.senderAuth.vouch(message, services.extraction.of(message))),
  });
  // The routes have no HEAD twin: a link checker's HEAD must neither take a message nor hold a
  // stream open. Held requests end when the server stops, before its listener waits for them.
  const { closing, streams } = heldRequests(app, services.config.web.liveStreamsPerClient);

  app.get<{ Params: EmailParams; Querystring: WaitQuery }>(
    '/api/emails/:emailId/wait',
    {
      exposeHeadRoute: false,
      schema: { params: emailParams, querystring: waitQuery, response: responses.waited },
    },
    async (request, reply) => {
      const { query } = request;
      const mailbox = await mailboxes.requireOwnedByUuid(userOf(request), request.params.emailId);
      const after = query.after
        ? positionInMailbox(await messages.requireInMailbox(mailbox, query.after))
        : undefined;
      const held = holdRequest(reply, closing);
      let message: MessageRecord | undefined;
      try {
        message = await services.waiting.wait(mailbox, waitOptionsOf(query, after, held.signal));
      } finally {
        held.release();
      }
      if (message) {
        const body = { message: await waitView(message) };
        return reply.type('application/json; charset=utf-8').send(jsonStream(body));
      }
      if (held.reason === 'closing') return reply.code(503).send(keyErrorBody(closingMessage));
      return reply.code(408).send(keyErrorBody(timeoutMessage(query.timeout)));
    },
  );

  app.get<{ Params: EmailParams; Querystring: { lastEventId?: string } }>(
    '/api/emails/:emailId/stream',
    {
      exposeHeadRoute: false,
      schema: { params: emailParams, querystring: streamQuery, response: responses.stream },
    },
    async (request, reply) => {
      const mailbox = await mailboxes.requireOwnedByUuid(userOf(request), request.params.emailId);
      const header = request.headers['last-event-id'];
      const lastId = (typeof header === 'string' && header.trim()) || request.query.lastEventId;
      const after = lastId ? positionInMailbox(await messages.requireInMailbox(mailbox, lastId)) : undefined;
      return streams.open(reply, userOf(request).id, {
        follow: (follower, left) => services.following.follow(mailbox, after, follower, left),
        present: async (message) => ({ id: message.uuid, json: JSON.stringify(await waitView(message)) }),
      });
    },
  );

  // --- upstream MoeMail's site configuration (its CLI reads the domains from it) ---

  app.get('/api/config', { schema: { response: responses.config } }, async (request) => {
    const user = userOf(request);
    const plan = planOf(services.context, user);
    const domains = await services.domains.usableBy(plan, user);
    return {
      defaultRole: openPlanName,
      emailDomains: domains.map((d) => d.name).join(','),
      adminContact: '',
      maxEmails: plan.maxMailboxes === null ? 'unlimited' : String(plan.maxMailboxes),
    };
  });

  // --- webhook ---

  app.get('/api/webhook', { schema: { response: responses.webhook } }, async (request) => {
    const config = await webhooks.get(userOf(request));
    return { url: config.url, enabled: config.enabled };
  });

  app.post<{ Body: { url: string; enabled: boolean } }>(
    '/api/webhook',
    { schema: { body: webhookBody, response: responses.success } },
    async (request) => {
      const { url, enabled } = request.body;
      await webhooks.set(userOf(request), { url, enabled });
      return { success: true };
    },
  );

  // Beyond the seed: the signing secret of deliveries, the delivery log and a test event.

  app.get('/api/webhook/secret', { schema: { response: responses.secret } }, async (request) => {
    return { secret: await webhooks.secret(userOf(request)) };
  });

  app.post('/api/webhook/secret', { schema: { response: responses.secret } }, async (request) => {
    return { secret: await webhooks.rotateSecret(userOf(request)) };
  });

  app.get<{ Querystring: { limit?: number } }>(
    '/api/webhook/deliveries',
    { schema: { querystring: deliveriesQuery, response: responses.deliveries } },
    async (request) => {
      const attempts = await webhooks.log(userOf(request), request.query.limit);
      return { deliveries: attempts.map(presentDelivery) };
    },
  );

  app.post('/api/webhook/test', { schema: { response: responses.testEvent } }, async (request) => {
    return { success: true, deliveryId: await webhooks.sendTestEvent(userOf(request)) };
  });
}
