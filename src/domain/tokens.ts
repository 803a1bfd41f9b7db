// Mailbox tokens (`email_token`): a capability for one mailbox, derived rather than stored.
// token = base64url(uuid bytes ‖ first 16 bytes of HMAC-SHA256(secret, uuid)). Deleting the
// mailbox revokes it, since the uuid no longer exists.
import { createHmac, timingSafeEqual } from 'node:crypto';

const macLength = 16;

function mac(secret: string, uuid: string): Buffer {
  return createHmac('sha256', secret).update(`mailbox:${uuid}`).digest().subarray(0, macLength);
}

export function mailboxToken(secret: string, uuid: string): string {
  const id = Buffer.from(uuid.replace(/-/g, ''), 'hex');
  return Buffer.concat([id, mac(secret, uuid)]).toString('base64url');
}

/** The mailbox uuid a token grants, or undefined when the token is not genuine. */
export function verifyMailboxToken(secret: string, token: string): string | undefined {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
  const bytes = Buffer.from(token, 'base64url');
  if (bytes.length !== 16 + macLength) return undefined;
  const hex = bytes.subarray(0, 16).toString('hex');
  const uuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return timingSafeEqual(bytes.subarray(16), mac(secret, uuid)) ? uuid : undefined;
}
