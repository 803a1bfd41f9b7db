// JSON schema of a message's codes and links, shared by both dialects' responses (the extract
// endpoints): responses are serialised through it, so only these fields go out.
import type { CodeKind, LinkKind } from '../mail/extract/types.ts';

const codeKinds: CodeKind[] = ['otp'];
const linkKinds: LinkKind[] = ['verify', 'magic_link', 'reset', 'unsubscribe', 'other'];

export const extractionProperties = {
  codes: {
    type: 'array',
    description: 'Verification codes (one-time passwords, PINs), best guess first; empty when there is none',
    items: {
      type: 'object',
      required: ['value', 'kind'],
      properties: {
        value: { type: 'string', description: 'ASCII letters and digits, separators removed' },
        kind: { type: 'string', enum: codeKinds },
      },
    },
  },
  links: {
    type: 'array',
    description: 'Absolute http(s) links, the action link first, deduplicated, at most 50',
    items: {
      type: 'object',
      required: ['url', 'kind'],
      properties: {
        url: { type: 'string', description: 'HTML entities decoded' },
        kind: { type: 'string', enum: linkKinds },
      },
    },
  },
} as const;

/** `{"codes": […], "links": […]}` */
export const extractionObject = {
  type: 'object',
  required: ['codes', 'links'],
  properties: extractionProperties,
} as const;

/** A dialect's message object plus its codes and links (the wait answers and stream events). */
export function withExtraction<S extends { required: readonly string[]; properties: object }>(message: S) {
  return {
    ...message,
    required: [...message.required, 'codes', 'links'],
    properties: { ...message.properties, ...extractionProperties },
  };
}
