// JSON schemas of the user dialect: inputs are validated with them, and responses are
// serialised through them (fast, and no field outside the seed's shape can leak out).
import { extractionObject, withExtraction } from '../extraction-schema.ts';
import { waitFilterProperties } from '../wait-query.ts';

export const domainTypeQuery = {
  type: 'object',
  properties: { type: { type: 'string', enum: ['free', 'premium', 'all'] } },
} as const;

export const emailQuery = {
  type: 'object',
  required: ['email'],
  properties: { email: { type: 'string', minLength: 1, maxLength: 320 } },
} as const;

const messageIdProperty = {
  type: 'string',
  pattern: '^[A-Za-z0-9]{46}$',
  description: 'A message id',
} as const;

export const waitQuery = {
  type: 'object',
  required: ['email'],
  properties: {
    ...emailQuery.properties,
    ...waitFilterProperties,
    after: { ...messageIdProperty, description: 'Only messages received after this one, seen or not' },
  },
} as const;

export const streamQuery = {
  type: 'object',
  required: ['email'],
  properties: {
    ...emailQuery.properties,
    lastEventId: {
      ...messageIdProperty,
      description: 'Replay what arrived after this message (or Last-Event-ID)',
    },
  },
} as const;

const errorBody = {
  type: 'object',
  required: ['status', 'message'],
  properties: { status: { type: 'boolean', const: false }, message: { type: 'string' } },
} as const;

const mailbox = {
  type: 'object',
  required: ['id', 'email', 'domain', 'expire_at', 'expires_in_seconds', 'created_at', 'email_token'],
  properties: {
    id: { type: 'integer' },
    email: { type: 'string' },
    domain: { type: 'string' },
    expire_at: { type: ['string', 'null'], description: 'ISO 8601 with offset' },
    expires_in_seconds: { type: 'integer' },
    created_at: { type: 'string', description: 'ISO 8601 with offset' },
    email_token: { type: 'string', description: 'Opaque capability for this one mailbox' },
  },
} as const;

const message = {
  type: 'object',
  required: [
    'is_seen',
    'subject',
    'from',
    'from_email',
    'to',
    'receivedAt',
    'id',
    'html',
    'content',
    'attachments',
  ],
  properties: {
    is_seen: { type: 'boolean' },
    subject: { type: 'string' },
    from: { type: 'string' },
    from_email: { type: 'string' },
    to: { type: 'string' },
    receivedAt: { type: 'string', description: 'YYYY-MM-DD HH:MM:SS' },
    id: { type: 'string', description: '46 letters and digits' },
    html: { type: 'boolean', description: 'Whether content is HTML' },
    content: { type: 'string' },
    attachments: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'extension', 'size', 'url'],
        properties: {
          name: { type: 'string' },
          extension: { type: 'string' },
          size: { type: 'integer' },
          url: { type: 'string' },
        },
      },
    },
  },
} as const;

const done = {
  type: 'object',
  required: ['status', 'message'],
  properties: { status: { type: 'boolean', const: true }, message: { type: 'string' } },
} as const;

/** Error responses every route may give. */
/** The dialect's error answers, for every endpoint's responses (custom-domain-schemas.ts too). */
export const errors = { '4xx': errorBody, '5xx': errorBody } as const;

export const responses = {
  domains: {
    200: {
      type: 'object',
      required: ['status', 'data'],
      properties: {
        status: { type: 'boolean' },
        data: {
          type: 'object',
          required: ['requested_type', 'allowed_types', 'domains'],
          properties: {
            requested_type: { type: 'string' },
            allowed_types: { type: 'array', items: { type: 'string' } },
            domains: {
              type: 'array',
              items: {
                type: 'object',
                required: ['domain', 'type', 'custom'],
                properties: {
                  domain: { type: 'string' },
                  type: { type: 'string' },
                  custom: { type: 'boolean' },
                },
              },
            },
          },
        },
      },
    },
    ...errors,
  },
  mailbox: {
    200: {
      type: 'object',
      required: ['status', 'data'],
      properties: { status: { type: 'boolean' }, data: mailbox },
    },
    ...errors,
  },
  messages: {
    200: {
      type: 'object',
      required: ['status', 'mailbox', 'messages'],
      properties: {
        status: { type: 'boolean' },
        mailbox: { type: 'string' },
        messages: { type: 'array', items: message },
      },
    },
    ...errors,
  },
  message: {
    200: {
      type: 'object',
      required: ['status', 'data'],
      properties: { status: { type: 'boolean' }, data: message },
    },
    ...errors,
  },
  waited: {
    200: {
      type: 'object',
      required: ['status', 'data'],
      properties: { status: { type: 'boolean' }, data: withExtraction(message) },
    },
    ...errors,
  },
  stream: {
    200: {
      description:
        'text/event-stream: `message` events (id: the message id; data: as the wait answer), a heartbeat comment every 15 s',
      content: { 'text/event-stream': { schema: { type: 'string' } } },
    },
    ...errors,
  },
  extraction: {
    200: {
      type: 'object',
      required: ['status', 'data'],
      properties: { status: { type: 'boolean' }, data: extractionObject },
    },
    ...errors,
  },
  done: { 200: done, ...errors },
  attachment: { ...errors },
} as const;
