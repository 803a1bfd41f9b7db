// JSON schemas of the key dialect: inputs are validated with them, and responses are serialised
// through them (fast, and no field outside the seed's shape can leak out).
import type { FastifySchemaValidationError } from 'fastify';
import { schemaErrorMessage } from '../errors.ts';
import { extractionProperties, withExtraction } from '../extraction-schema.ts';
import { waitFilterProperties } from '../wait-query.ts';

/** The lifetimes `POST /api/emails/generate` accepts, in ms; 0 is a permanent mailbox. */
export const expiryTimes = [3_600_000, 86_400_000, 259_200_000, 0] as const;

/** Most items in one page of `GET /api/emails` and `GET /api/emails/{emailId}`. */
export const pageSize = 20;

const uuidPattern = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

type KeywordError = { keyword: string; message: string; params: Record<string, never> };

function checkJsonType(schema: string, data: unknown): boolean {
  const ok = typeof data === schema;
  checkJsonType.errors = ok
    ? undefined
    : [{ keyword: 'jsonType', message: `must be a ${schema}`, params: {} }];
  return ok;
}
checkJsonType.errors = undefined as KeywordError[] | undefined;

/**
 * `jsonType`: the value's JSON type, checked without coercion. Fastify's Ajv coerces types
 * (`"name": 123` would become "123", `"enabled": null` false), which suits query strings but not
 * a JSON body, so body fields use this instead of `type`. Registered on the server's Ajv.
 */
export const jsonTypeKeyword = {
  keyword: 'jsonType',
  schemaType: 'string' as const,
  metaSchema: { enum: ['string', 'boolean', 'number'] },
  errors: true,
  validate: checkJsonType,
};

export const generateBody = {
  type: 'object',
  required: ['name', 'expiryTime', 'domain'],
  properties: {
    name: { jsonType: 'string', description: 'Local part of the address' },
    expiryTime: { enum: expiryTimes, description: 'Lifetime in ms; 0 = permanent' },
    domain: { jsonType: 'string' },
  },
} as const;

export const webhookBody = {
  type: 'object',
  required: ['url', 'enabled'],
  properties: {
    url: { jsonType: 'string', description: 'http(s) URL, or "" for none' },
    enabled: { jsonType: 'boolean' },
  },
} as const;

export const cursorQuery = {
  type: 'object',
  properties: { cursor: { type: 'string', maxLength: 2048 } },
} as const;

export const deliveriesQuery = {
  type: 'object',
  properties: { limit: { type: 'integer', minimum: 1, maximum: 200 } },
} as const;

export const emailParams = {
  type: 'object',
  required: ['emailId'],
  properties: { emailId: { type: 'string', pattern: uuidPattern } },
} as const;

export const messageParams = {
  type: 'object',
  required: ['emailId', 'messageId'],
  properties: {
    emailId: { type: 'string', pattern: uuidPattern },
    messageId: { type: 'string', pattern: uuidPattern },
  },
} as const;

export const waitQuery = {
  type: 'object',
  properties: {
    ...waitFilterProperties,
    after: {
      type: 'string',
      pattern: uuidPattern,
      description: 'Only messages received after this one, seen or not',
    },
  },
} as const;

export const streamQuery = {
  type: 'object',
  properties: {
    lastEventId: {
      type: 'string',
      pattern: uuidPattern,
      description: 'Replay what arrived after this message (or Last-Event-ID)',
    },
  },
} as const;

/** Clear sentences for validation failures, in the dialect's words. */
export function keySchemaErrorMessage(errors: FastifySchemaValidationError[], dataVar: string): Error {
  const first = errors[0];
  if (!first) return new Error('The request is invalid.');
  const where = first.instancePath.replace(/^\//, '').replace(/\//g, '.');
  if (where === '' && first.keyword === 'type' && dataVar === 'body') {
    return new Error('The request body must be a JSON object.');
  }
  if (first.keyword === 'pattern' && first.params.pattern === uuidPattern) {
    return new Error(`${where} must be a UUID.`);
  }
  if (first.keyword === 'type') return new Error(`${where || dataVar} must be of type ${first.params.type}.`);
  return schemaErrorMessage(errors, dataVar);
}

const errorBody = {
  type: 'object',
  required: ['error'],
  properties: { error: { type: 'string' } },
} as const;

/** Error responses every route may give. */
const errors = { '4xx': errorBody, '5xx': errorBody } as const;

const success = {
  type: 'object',
  required: ['success'],
  properties: { success: { type: 'boolean', const: true } },
} as const;

const nextCursor = {
  type: ['string', 'null'],
  description: 'base64 of {"timestamp": ms, "id": uuid} of the last item; null on the last page',
} as const;

const email = {
  type: 'object',
  required: ['id', 'address', 'userId', 'createdAt', 'expiresAt'],
  properties: {
    id: { type: 'string', description: 'UUID' },
    address: { type: 'string' },
    userId: { type: 'string', description: "Owner's UUID" },
    createdAt: { type: 'string', description: 'ISO 8601, UTC, milliseconds' },
    expiresAt: { type: 'string', description: 'ISO 8601; 9999-01-01T00:00:00.000Z when permanent' },
  },
} as const;

const messageSummary = {
  type: 'object',
  required: ['id', 'from_address', 'subject', 'received_at'],
  properties: {
    id: { type: 'string', description: 'UUID' },
    from_address: { type: 'string' },
    subject: { type: 'string' },
    received_at: { type: 'integer', description: 'Unix ms' },
  },
} as const;

const message = {
  type: 'object',
  required: ['id', 'from_address', 'subject', 'content', 'html', 'received_at'],
  properties: {
    id: { type: 'string', description: 'UUID' },
    from_address: { type: 'string' },
    subject: { type: 'string' },
    content: { type: 'string', description: 'Plain-text body' },
    html: { type: 'string', description: 'HTML body, may be empty' },
    received_at: { type: 'integer', description: 'Unix ms' },
  },
} as const;

const delivery = {
  type: 'object',
  required: [
    'deliveryId',
    'event',
    'attempt',
    'attemptedAt',
    'url',
    'statusCode',
    'error',
    'durationMs',
    'outcome',
  ],
  properties: {
    deliveryId: { type: 'string' },
    event: { type: 'string' },
    attempt: { type: 'integer' },
    attemptedAt: { type: 'string', description: 'ISO 8601, UTC' },
    url: { type: 'string' },
    statusCode: { type: ['integer', 'null'] },
    error: { type: ['string', 'null'] },
    durationMs: { type: 'integer' },
    outcome: { type: 'string', enum: ['delivered', 'retry', 'failed'] },
  },
} as const;

const object = (properties: Record<string, unknown>) => ({
  200: { type: 'object', required: Object.keys(properties), properties },
  ...errors,
});

export const responses = {
  domains: object({ domains: { type: 'array', items: { type: 'string' } } }),
  generated: object({ id: { type: 'string' }, email: { type: 'string' } }),
  emails: object({ emails: { type: 'array', items: email }, nextCursor, total: { type: 'integer' } }),
  messages: object({
    messages: { type: 'array', items: messageSummary },
    nextCursor,
    total: { type: 'integer' },
  }),
  message: object({ message }),
  waited: object({ message: withExtraction(message) }),
  stream: {
    200: {
      description:
        'text/event-stream: `message` events (id: the message id; data: as the wait answer), a heartbeat comment every 15 s',
      content: { 'text/event-stream': { schema: { type: 'string' } } },
    },
    ...errors,
  },
  config: object({
    defaultRole: { type: 'string', description: 'The plan of self-registered accounts' },
    emailDomains: { type: 'string', description: 'Domains your plan may use, comma-separated' },
    adminContact: { type: 'string' },
    maxEmails: {
      type: 'string',
      description: 'Most live mailboxes your plan allows ("unlimited" when none)',
    },
  }),
  extraction: object(extractionProperties),
  success: { 200: success, ...errors },
  webhook: object({ url: { type: 'string' }, enabled: { type: 'boolean' } }),
  secret: object({ secret: { type: 'string' } }),
  deliveries: object({ deliveries: { type: 'array', items: delivery } }),
  testEvent: object({ success: { type: 'boolean', const: true }, deliveryId: { type: 'string' } }),
};
