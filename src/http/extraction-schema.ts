// JSON schema of a message's codes and links, shared by both dialects' responses (the extract
// endpoints): responses are serialised through it, so only these fields go out.
import type { CodeKind, LinkKind } from '../mail/extract/types.ts';

const codeKinds: CodeKind[] = ['otp'];
const linkKinds: LinkKind[] = ['verify', 'magic_link', 'reset', 'unsubscribe', 'other'];

const trustedDescription =
  "true only when the sender's domain is authenticated (DMARC pass): do not act on an untrusted one unchecked";

const result = (description: string) => ({ type: 'string', description }) as const;

/** The sender checks of a message (src/domain/sender-auth.ts). */
export const authObject = {
  type: 'object',
  description:
    'Sender authentication: pass, fail, softfail, neutral, none, temperror, permerror, or pending while being checked',
  required: ['spf', 'dkim', 'dmarc', 'arc', 'from_domain'],
  properties: {
    spf: result('SPF of the envelope sender for the connecting IP and HELO name'),
    dkim: result('DKIM signatures: pass when one verifies'),
    dmarc: result("DMARC: the From domain aligned with a passing SPF or DKIM, and its domain's policy"),
    arc: result('ARC chain of forwarders'),
    from_domain: result('Domain of the From header'),
  },
} as const;

export const extractionProperties = {
  codes: {
    type: 'array',
    description: 'Verification codes (one-time passwords, PINs), best guess first; empty when there is none',
    items: {
      type: 'object',
      required: ['value', 'kind', 'trusted'],
      properties: {
        value: { type: 'string', description: 'ASCII letters and digits, separators removed' },
        kind: { type: 'string', enum: codeKinds },
        trusted: { type: 'boolean', description: trustedDescription },
      },
    },
  },
  links: {
    type: 'array',
    description: 'Absolute http(s) links, the action link first, deduplicated, at most 50',
    items: {
      type: 'object',
      required: ['url', 'kind', 'trusted'],
      properties: {
        url: { type: 'string', description: 'HTML entities decoded' },
        kind: { type: 'string', enum: linkKinds },
        trusted: { type: 'boolean', description: trustedDescription },
      },
    },
  },
  auth: authObject,
} as const;

/** `{"codes": […], "links": […], "auth": {…}}` */
export const extractionObject = {
  type: 'object',
  required: ['codes', 'links', 'auth'],
  properties: extractionProperties,
} as const;

/** A dialect's message object plus its codes, links and sender checks (the wait answers and stream events). */
export function withExtraction<S extends { required: readonly string[]; properties: object }>(message: S) {
  return {
    ...message,
    required: [...message.required, 'codes', 'links', 'auth'],
    properties: { ...message.properties, ...extractionProperties },
  };
}
