// Row shapes of the PostgreSQL schema and their mapping to store records. bigint columns
// (ids, millisecond times, counts) arrive as numbers: the connection parses int8 with Number()
// (see store.ts), exact for every value the store writes.

import type { DomainType } from '../../config/plans.ts';
import { tlsOf } from '../tls-columns.ts';
import type {
  DomainRecord,
  MailboxRecord,
  MessageHead,
  MessageRecord,
  MessageWithoutHtml,
  OutboxItem,
  OutboxOutcome,
  SessionRecord,
  UserRecord,
  WebhookAttempt,
  WebhookConfig,
} from '../types.ts';

// --- NUL-safe text ---
// PostgreSQL text cannot hold U+0000, which received mail may contain. Text from mail is
// stored with NUL written as ESC '0' and ESC itself as ESC 'e': reversible, unchanged for
// the (nearly all) strings with neither character, and the columns stay ordinary text.

const NUL = '\u0000';
const ESC = '\u001b';

/** A string as stored in a text column. */
export function toDbText(value: string): string {
  if (!value.includes(NUL) && !value.includes(ESC)) return value;
  return value.replaceAll(ESC, `${ESC}e`).replaceAll(NUL, `${ESC}0`);
}

/** The string `toDbText` was given. */
export function fromDbText(stored: string): string {
  if (!stored.includes(ESC)) return stored;
  // Every ESC in stored text starts a pair: undo the NUL pairs first, then the ESC ones.
  return stored.replaceAll(`${ESC}0`, NUL).replaceAll(`${ESC}e`, ESC);
}

export interface DomainRow {
  name: string;
  type: string;
  created_at: number;
}
export interface UserRow {
  id: number;
  uuid: string;
  email: string;
  password_hash: string | null;
  plan: string;
  disabled: boolean;
  is_admin: boolean;
  created_at: number;
}
export interface MailboxRow {
  id: number;
  uuid: string;
  address: string;
  local_part: string;
  domain: string;
  user_id: number | null;
  created_at: number;
  expires_at: number | null;
}
export interface SessionRow {
  user_id: number;
  created_at: number;
  expires_at: number;
}
export interface MessageRow {
  public_id: string;
  uuid: string;
  mailbox_id: number;
  recipient: string;
  received_at: number;
  seen: boolean;
  subject: string;
  from_name: string;
  from_email: string;
  text_body: string;
  html_body: string;
  size: number;
  blob_key: string;
  attachments: string;
  over_tls: boolean | null;
  tls_protocol: string | null;
  tls_cipher: string | null;
}
export interface WebhookRow {
  user_id: number;
  url: string;
  enabled: boolean;
  secret: string;
  updated_at: number;
}
export interface OutboxRow {
  id: number;
  delivery_id: string;
  user_id: number;
  event: string;
  payload: string;
  attempts: number;
  created_at: number;
  locked_until: number;
}
export interface AttemptRow {
  delivery_id: string;
  event: string;
  attempt: number;
  attempted_at: number;
  url: string;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
  outcome: string;
}

/** The message columns read by every message query (m = messages, ml = mails). */
export const messageColumns = `m.public_id, m.uuid, m.mailbox_id, m.recipient, m.received_at, m.seen,
  ml.subject, ml.from_name, ml.from_email, ml.text_body, ml.html_body, ml.size, ml.blob_key, ml.attachments,
  ml.over_tls, ml.tls_protocol, ml.tls_cipher`;

export const toDomain = (r: DomainRow): DomainRecord => ({
  name: r.name,
  type: r.type as DomainType,
  createdAt: r.created_at,
});

export const toUser = (r: UserRow): UserRecord => ({
  id: r.id,
  uuid: r.uuid,
  email: r.email,
  passwordHash: r.password_hash,
  plan: r.plan,
  disabled: r.disabled,
  isAdmin: r.is_admin,
  createdAt: r.created_at,
});

export const toSession = (r: SessionRow): SessionRecord => ({
  userId: r.user_id,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
});

export const toMailbox = (r: MailboxRow): MailboxRecord => ({
  id: r.id,
  uuid: r.uuid,
  address: r.address,
  localPart: r.local_part,
  domain: r.domain,
  userId: r.user_id,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
});

/** The message columns but its raw HTML, and whether it has any (octet_length reads no content). */
export const withoutHtmlColumns = `m.public_id, m.uuid, m.mailbox_id, m.recipient, m.received_at, m.seen,
  ml.subject, ml.from_name, ml.from_email, ml.text_body, octet_length(ml.html_body) > 0 AS has_html,
  ml.size, ml.blob_key, ml.attachments, ml.over_tls, ml.tls_protocol, ml.tls_cipher`;

export type MessageWithoutHtmlRow = Omit<MessageRow, 'html_body'> & { has_html: boolean };

export const toMessageWithoutHtml = ({ has_html, ...r }: MessageWithoutHtmlRow): MessageWithoutHtml => {
  const message = toMessage({ ...r, html_body: '' });
  const { html: _html, ...content } = message.content;
  return { ...message, content: { ...content, hasHtml: has_html } };
};

/** The message columns but its bodies: a head is read without loading them. */
export const headColumns = `m.public_id, m.uuid, m.mailbox_id, m.recipient, m.received_at, m.seen,
  ml.subject, ml.from_name, ml.from_email`;

export type MessageHeadRow = Omit<
  MessageRow,
  'text_body' | 'html_body' | 'size' | 'blob_key' | 'attachments' | 'over_tls' | 'tls_protocol' | 'tls_cipher'
>;

export const toMessageHead = (r: MessageHeadRow): MessageHead => ({
  id: r.public_id,
  uuid: r.uuid,
  mailboxId: r.mailbox_id,
  recipient: r.recipient,
  receivedAt: r.received_at,
  seen: r.seen,
  content: {
    subject: fromDbText(r.subject),
    fromName: fromDbText(r.from_name),
    fromEmail: fromDbText(r.from_email),
  },
});

export const toMessage = (r: MessageRow): MessageRecord => {
  const head = toMessageHead(r);
  return {
    ...head,
    content: {
      ...head.content,
      text: fromDbText(r.text_body),
      html: fromDbText(r.html_body),
      size: r.size,
      blobKey: r.blob_key,
      attachments: JSON.parse(r.attachments),
      ...tlsOf(r.over_tls, r.tls_protocol, r.tls_cipher),
    },
  };
};

export const toWebhook = (r: WebhookRow): WebhookConfig => ({
  userId: r.user_id,
  url: r.url,
  enabled: r.enabled,
  secret: r.secret,
  updatedAt: r.updated_at,
});

export const toOutboxItem = (r: OutboxRow): OutboxItem => ({
  id: r.id,
  deliveryId: r.delivery_id,
  userId: r.user_id,
  event: r.event,
  payload: fromDbText(r.payload),
  attempts: r.attempts,
  createdAt: r.created_at,
  leaseUntil: r.locked_until,
});

export const toAttempt = (r: AttemptRow): WebhookAttempt => ({
  deliveryId: r.delivery_id,
  event: r.event,
  attempt: r.attempt,
  attemptedAt: r.attempted_at,
  url: r.url,
  statusCode: r.status_code,
  error: r.error === null ? null : fromDbText(r.error),
  durationMs: r.duration_ms,
  outcome: r.outcome as OutboxOutcome['kind'],
});
