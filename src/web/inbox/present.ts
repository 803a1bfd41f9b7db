// The JSON the inbox page's script reads: message summaries for the list (also pushed live)
// and one message in full. URLs are built here so the script never assembles paths.
import type { MailboxRecord, MailContent, MessageRecord, MessageWithoutHtml } from '../../store/types.ts';

export interface MessageSummaryView {
  id: string;
  from: string;
  fromName: string;
  subject: string;
  preview: string;
  receivedAt: number;
  seen: boolean;
  size: number;
  attachments: number;
}

export interface MessageDetailView extends MessageSummaryView {
  to: string;
  text: string;
  hasHtml: boolean;
  htmlUrl: string;
  rawUrl: string;
  attachmentList: { name: string; size: number; contentType: string; url: string }[];
  /** The TLS the sending server used (protocol, cipher), null for plain text; absent when not recorded. */
  tls?: { protocol: string; cipher: string } | null;
}

export interface MailboxView {
  address: string;
  token: string;
  expiresAt: number | null;
  canWrite: boolean;
  shareUrl: string;
}

export function inboxPath(token: string): string {
  return `/inbox/${token}`;
}

export function messagePath(token: string, messageUuid: string): string {
  return `${inboxPath(token)}/messages/${messageUuid}`;
}

const previewLength = 140;

/** What a summary is made from: a message, with or without its raw HTML. */
type SummarySource = Pick<MessageRecord, 'uuid' | 'receivedAt' | 'seen'> & {
  content: Pick<MailContent, 'fromEmail' | 'fromName' | 'subject' | 'text' | 'size' | 'attachments'>;
};

export function summaryView(message: SummarySource): MessageSummaryView {
  const { content } = message;
  return {
    id: message.uuid,
    from: content.fromEmail,
    fromName: content.fromName,
    subject: content.subject,
    preview: content.text.replace(/\s+/g, ' ').trim().slice(0, previewLength),
    receivedAt: message.receivedAt,
    seen: message.seen,
    size: content.size,
    attachments: content.attachments.filter((a) => !a.inline).length,
  };
}

export function detailView(message: MessageWithoutHtml, token: string): MessageDetailView {
  const base = messagePath(token, message.uuid);
  return {
    ...summaryView(message),
    to: message.recipient,
    text: message.content.text,
    hasHtml: message.content.hasHtml,
    htmlUrl: `${base}/body.html`,
    rawUrl: `${base}/raw`,
    attachmentList: message.content.attachments.map((a) => ({
      name: a.name,
      size: a.size,
      contentType: a.contentType,
      url: `${base}/attachments/${encodeURIComponent(a.name)}`,
    })),
    ...(message.content.tls === undefined ? {} : { tls: message.content.tls }),
  };
}

export function mailboxView(
  mailbox: MailboxRecord,
  token: string,
  canWrite: boolean,
  publicUrl: string,
): MailboxView {
  return {
    address: mailbox.address,
    token,
    expiresAt: mailbox.expiresAt,
    canWrite,
    shareUrl: `${publicUrl.replace(/\/$/, '')}${inboxPath(token)}`,
  };
}

/** A download name for the raw message: its subject without characters file systems refuse. */
export function emlFileName(subject: string): string {
  const cleaned = [...subject]
    .map((c) => (c.charCodeAt(0) < 0x20 || '\\/:*?"<>|'.includes(c) ? ' ' : c))
    .join('')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 80);
  return `${cleaned || 'message'}.eml`;
}
