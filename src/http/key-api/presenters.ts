// The key dialect's output shapes, field by field as in the seed's examples. Dates are ISO 8601
// in UTC with milliseconds (MoeMail's `toISOString()`), message times Unix milliseconds.
import type { MailboxRecord, MessageHead, UserRecord, WebhookAttempt } from '../../store/types.ts';

/** What MoeMail clients expect as the expiry of a mailbox that never expires. */
export const permanentExpiresAt = '9999-01-01T00:00:00.000Z';

const iso = (ms: number) => new Date(ms).toISOString();

export function presentMailbox(m: MailboxRecord, owner: UserRecord) {
  return {
    id: m.uuid,
    address: m.address,
    userId: owner.uuid,
    createdAt: iso(m.createdAt),
    expiresAt: m.expiresAt === null ? permanentExpiresAt : iso(m.expiresAt),
  };
}

export function presentMessageSummary(m: MessageHead) {
  return {
    id: m.uuid,
    from_address: m.content.fromEmail,
    subject: m.content.subject,
    received_at: m.receivedAt,
  };
}

/**
 * `bodies`: the message's plain text (its text part, or the text made from its HTML at ingest)
 * and raw HTML, as strings or as stored JSON (RawJson).
 */
export function presentMessage<Body>(m: MessageHead, bodies: { content: Body; html: Body }) {
  return {
    id: m.uuid,
    from_address: m.content.fromEmail,
    subject: m.content.subject,
    content: bodies.content,
    html: bodies.html,
    received_at: m.receivedAt,
  };
}

export function presentDelivery(a: WebhookAttempt) {
  return {
    deliveryId: a.deliveryId,
    event: a.event,
    attempt: a.attempt,
    attemptedAt: iso(a.attemptedAt),
    url: a.url,
    statusCode: a.statusCode,
    error: a.error,
    durationMs: a.durationMs,
    outcome: a.outcome,
  };
}
