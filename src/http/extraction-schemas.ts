// JSON schemas of a message's codes and links (src/mail/extract/types.ts), shared by both
// dialects' wait answers and stream events.

export const codesSchema = {
  type: 'array',
  description: 'Verification codes found in the message, best guess first',
  items: {
    type: 'object',
    required: ['value', 'kind'],
    properties: { value: { type: 'string' }, kind: { type: 'string', enum: ['otp'] } },
  },
} as const;

export const linksSchema = {
  type: 'array',
  description: 'Absolute http(s) links of the message, the action link first (at most 50)',
  items: {
    type: 'object',
    required: ['url', 'kind'],
    properties: {
      url: { type: 'string' },
      kind: { type: 'string', enum: ['verify', 'magic_link', 'reset', 'unsubscribe', 'other'] },
    },
  },
} as const;

/** A dialect's message object plus its codes and links (the wait answer and stream events). */
export function withExtraction<S extends { required: readonly string[]; properties: object }>(message: S) {
  return {
    ...message,
    required: [...message.required, 'codes', 'links'],
    properties: { ...message.properties, codes: codesSchema, links: linksSchema },
  };
}
