// Row shapes of the SQLite schema and their mapping to store records.
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
  disabled: number;
  is_admin: number;
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
  seen: number;
  subject: string;
  from_name: string;
  from_email: string;
  text_body: string;
  html_body: string;
  size: number;
  blob_key: string;
  attachments: string;
  over_tls: number | null;
  tls_protocol: string | null;
  tls_cipher: string | null;
}

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
  disabled: r.disabled === 1,
  isAdmin: r.is_admin === 1,
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

/** A message row without its raw HTML (see withoutHtmlColumns in store.ts). */
export type MessageWithoutHtmlRow = Omit<MessageRow, 'html_body'> & { has_html: number };

export const toMessageWithoutHtml = ({ has_html, ...r }: MessageWithoutHtmlRow): MessageWithoutHtml => {
  const message = toMessage({ ...r, html_body: '' });
  const { html: _html, ...content } = message.content;
  return { ...message, content: { ...content, hasHtml: has_html === 1 } };
};

/** A message row without its bodies (see headColumns in store.ts). */
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
  seen: r.seen === 1,
  content: {
    subject: r.subject,
    fromName: r.from_name,
    fromEmail: r.from_email,
  },
});

export const toMessage = (r: MessageRow): MessageRecord => {
  const head = toMessageHead(r);
  return {
    ...head,
    content: {
      ...head.content,
      text: r.text_body,
      html: r.html_body,
      size: r.size,
      blobKey: r.blob_key,
      attachments: JSON.parse(r.attachments),
      ...tlsOf(r.over_tls, r.tls_protocol, r.tls_cipher),
    },
  };
};

export interface WebhookRow {
  user_id: number;
  url: string;
  enabled: number;
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

export const toWebhook = (r: WebhookRow): WebhookConfig => ({
  userId: r.user_id,
  url: r.url,
  enabled: r.enabled === 1,
  secret: r.secret,
  updatedAt: r.updated_at,
});

export const toOutboxItem = (r: OutboxRow): OutboxItem => ({
  id: r.id,
  deliveryId: r.delivery_id,
  userId: r.user_id,
  event: r.event,
  payload: r.payload,
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
  error: r.error,
  durationMs: r.duration_ms,
  outcome: r.outcome as OutboxOutcome['kind'],
});
