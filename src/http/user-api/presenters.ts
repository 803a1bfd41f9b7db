// The user dialect's output shapes, field by field as in the seed's examples.
import type { Plan } from '../../config/plans.ts';
import type { UsableDomain } from '../../domain/domains.ts';
import { formatIsoWithOffset, formatLocalDateTime } from '../../domain/time.ts';
import { extensionOf } from '../../mail/attachment-names.ts';
import type { MailboxRecord, MessageRecord } from '../../store/types.ts';

export interface PresentContext {
  publicUrl: string;
  timeZone: string;
}

const capitalised = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** An operator's domain is "Free" or "Premium"; a user's own is "Custom", with `custom` true. */
export const presentDomain = (d: UsableDomain) => ({
  domain: d.name,
  type: capitalised(d.type),
  custom: d.type === 'custom',
});

export function presentMailbox(ctx: PresentContext, m: MailboxRecord, plan: Plan, token: string) {
  return {
    id: m.id,
    email: m.address,
    domain: m.domain,
    expire_at: m.expiresAt === null ? null : formatIsoWithOffset(m.expiresAt, ctx.timeZone),
    expires_in_seconds: plan.mailboxLifetimeSeconds,
    created_at: formatIsoWithOffset(m.createdAt, ctx.timeZone),
    email_token: token,
  };
}

export function attachmentUrl(ctx: PresentContext, messageId: string, name: string): string {
  return `${ctx.publicUrl}/api/messages/${messageId}/attachments/${encodeURIComponent(name)}`;
}

export function presentMessage(ctx: PresentContext, m: MessageRecord) {
  const c = m.content;
  const isHtml = c.html.length > 0;
  return {
    is_seen: m.seen,
    subject: c.subject,
    from: c.fromName || c.fromEmail,
    from_email: c.fromEmail,
    to: m.recipient,
    receivedAt: formatLocalDateTime(m.receivedAt, ctx.timeZone),
    id: m.id,
    html: isHtml,
    content: isHtml ? c.html : c.text,
    attachments: c.attachments.map((a) => ({
      name: a.name,
      extension: extensionOf(a.name),
      size: a.size,
      url: attachmentUrl(ctx, m.id, a.name),
    })),
  };
}
