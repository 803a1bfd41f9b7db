// Per-user webhooks: configuration, the signing secret, the event payload and its signature,
// and the delivery log. Delivery itself is the job in src/jobs/webhook-delivery.ts.
import { createHmac, randomUUID } from 'node:crypto';
import type {
  JsonField,
  MailboxRecord,
  MessageRecord,
  UserRecord,
  WebhookAttempt,
  WebhookConfig,
} from '../store/types.ts';
import type { ServiceContext } from './context.ts';
import { invalid } from './errors.ts';
import { newSecret, newUuid } from './ids.ts';

export const newMessageEvent = 'new_message';
/**
 * The stored event of a test delivery: sent as `new_message` with `X-Webhook-Test: true`, and
 * sent even while the webhook is switched off (real events of a switched-off webhook are not).
 */
export const testMessageEvent = 'new_message:test';

/** The `X-Webhook-Event` value of a stored event, and whether it is a test delivery. */
export function wireEvent(stored: string): { event: string; test: boolean } {
  return stored === testMessageEvent
    ? { event: newMessageEvent, test: true }
    : { event: stored, test: false };
}
const maxUrlLength = 2048;

/**
 * The seed's payload of a `new_message` event, field for field. `text` is the message's plain
 * text (its text part, or the text made from its HTML at ingest: see message-bodies.ts).
 */
export function newMessagePayload(
  mailbox: MailboxRecord,
  message: Pick<MessageRecord, 'uuid' | 'receivedAt' | 'content'>,
  text: string,
) {
  return {
    emailId: mailbox.uuid,
    messageId: message.uuid,
    fromAddress: message.content.fromEmail,
    subject: message.content.subject,
    content: text,
    html: message.content.html,
    receivedAt: new Date(message.receivedAt).toISOString(),
    toAddress: mailbox.address,
  };
}

/**
 * The `new_message` payload as JSON. For big mail, `json` holds its `content` and `html` already
 * written as JSON (in the worker pool, at ingest): they are put in as they are, so that the
 * event loop does not escape megabytes here.
 */
export function newMessagePayloadJson(
  mailbox: MailboxRecord,
  message: Pick<MessageRecord, 'uuid' | 'receivedAt' | 'content'>,
  text: string,
  json?: Record<JsonField, Buffer>,
): string {
  const payload = newMessagePayload(mailbox, message, text);
  if (!json) return JSON.stringify(payload);
  // Placeholders no field of the message can imitate.
  const tag = randomUUID();
  const skeleton = JSON.stringify({ ...payload, content: `${tag}:content`, html: `${tag}:html` });
  return skeleton
    .replace(`"${tag}:content"`, () => json.content.toString('utf8'))
    .replace(`"${tag}:html"`, () => json.html.toString('utf8'));
}

/**
 * Signature header value: `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`. Signing the
 * timestamp with the body lets receivers refuse replays of old deliveries.
 */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Checks a webhook URL's form (where it points is checked by WebhookService.set and at send). */
export function validateWebhookUrl(raw: string): string {
  const url = raw.trim();
  if (url === '') return '';
  if (url.length > maxUrlLength) throw invalid(`The webhook URL must be at most ${maxUrlLength} characters.`);
  // The URL parser silently drops tabs and line breaks, so they would be stored and shown as
  // given; spaces, control and invisible format characters have no place in a URL either.
  if (/[\s\p{Cc}\p{Cf}]/u.test(url)) {
    throw invalid('The webhook URL must not contain spaces, line breaks or other control characters.');
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid('The webhook URL is not a valid URL.');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw invalid('The webhook URL must start with http:// or https://.');
  }
  if (parsed.username || parsed.password) throw invalid('The webhook URL must not contain credentials.');
  return url;
}

/**
 * Why webhooks to a (well-formed) URL could not be delivered, as a sentence for the user, or
 * undefined when they could. Given by the composition root: it resolves host names.
 */
export type WebhookTargetCheck = (url: string) => Promise<string | undefined>;

export class WebhookService {
  readonly #ctx: ServiceContext;
  readonly #checkTarget: WebhookTargetCheck | undefined;
  readonly #queued = new Set<(userId: number) => void>();
  constructor(ctx: ServiceContext, checkTarget?: WebhookTargetCheck) {
    this.#ctx = ctx;
    this.#checkTarget = checkTarget;
  }

  /** Called after this service queued an event (a test event); the delivery job listens. */
  onQueued(listener: (userId: number) => void): () => void {
    this.#queued.add(listener);
    return () => this.#queued.delete(listener);
  }

  /** The user's configuration; an unconfigured webhook is an empty, disabled one. */
  async get(user: UserRecord): Promise<WebhookConfig> {
    return (
      (await this.#ctx.store.getWebhook(user.id)) ?? {
        userId: user.id,
        url: '',
        enabled: false,
        secret: '',
        updatedAt: 0,
      }
    );
  }

  async set(user: UserRecord, change: { url: string; enabled: boolean }): Promise<WebhookConfig> {
    const url = validateWebhookUrl(change.url);
    if (change.enabled && url === '') throw invalid('An enabled webhook needs a URL.');
    // Refused now rather than stored and never delivered; checked again at every send.
    const refusal = url && (await this.#checkTarget?.(url));
    if (refusal) throw invalid(refusal);
    return this.#ctx.store.setWebhook(user.id, { url, enabled: change.enabled }, this.#ctx.now(), newSecret);
  }

  /** The signing secret, created on first use. */
  async secret(user: UserRecord): Promise<string> {
    const config = await this.#ctx.store.getWebhook(user.id);
    if (config?.secret) return config.secret;
    return (await this.#ctx.store.rotateWebhookSecret(user.id, newSecret(), this.#ctx.now())).secret;
  }

  /** Replaces the signing secret; deliveries from now on are signed with the new one. */
  async rotateSecret(user: UserRecord): Promise<string> {
    return (await this.#ctx.store.rotateWebhookSecret(user.id, newSecret(), this.#ctx.now())).secret;
  }

  /** Queues a test `new_message` event with sample content, whatever the switch says. */
  async sendTestEvent(user: UserRecord): Promise<string> {
    const config = await this.get(user);
    if (!config.url) throw invalid('Set a webhook URL first.');
    const deliveryId = newUuid();
    const now = this.#ctx.now();
    const payload = {
      emailId: '00000000-0000-4000-8000-000000000000',
      messageId: deliveryId,
      fromAddress: 'sender@example.com',
      subject: 'Test event from Burnbox',
      content: 'This is a test delivery of your webhook.',
      html: '<p>This is a test delivery of your webhook.</p>',
      receivedAt: new Date(now).toISOString(),
      toAddress: 'test@example.com',
    };
    await this.#ctx.store.enqueueWebhook(
      user.id,
      { deliveryId, event: testMessageEvent, payload: JSON.stringify(payload) },
      now,
    );
    for (const listener of this.#queued) listener(user.id);
    return deliveryId;
  }

  log(user: UserRecord, limit = 50): Promise<WebhookAttempt[]> {
    return this.#ctx.store.listWebhookAttempts(user.id, Math.min(Math.max(limit, 1), 200));
  }
}
