// JSON schemas of the user dialect's custom domain endpoints (inputs and answers).
import { errors } from './schemas.ts';

export const customDomainBody = {
  type: 'object',
  required: ['domain'],
  properties: {
    domain: {
      jsonType: 'string',
      description: 'The domain name (Unicode names are kept in punycode)',
    },
  },
} as const;

export const catchAllBody = {
  type: 'object',
  required: ['email'],
  properties: {
    email: { jsonType: 'string', description: 'One of your live mailboxes' },
  },
} as const;

export const customDomainParams = {
  type: 'object',
  required: ['domain'],
  properties: { domain: { type: 'string', minLength: 1, maxLength: 300 } },
} as const;

const dateOrNull = { type: ['string', 'null'], description: 'ISO 8601 with offset' } as const;

const customDomain = {
  type: 'object',
  required: [
    'domain',
    'status',
    'created_at',
    'checked_at',
    'verified_at',
    'checks_until',
    'problem',
    'catch_all',
    'records',
  ],
  properties: {
    domain: { type: 'string' },
    status: { type: 'string', enum: ['pending', 'verified', 'failed'] },
    created_at: { type: 'string', description: 'ISO 8601 with offset' },
    checked_at: dateOrNull,
    verified_at: dateOrNull,
    checks_until: {
      type: ['string', 'null'],
      description: 'A pending domain is looked up in the background until then, then failed',
    },
    problem: {
      type: ['string', 'null'],
      description: 'What the last DNS lookup found missing or wrong',
    },
    catch_all: {
      type: ['string', 'null'],
      description: 'The mailbox that takes mail for every other address on the domain',
    },
    records: {
      type: 'array',
      description: 'The DNS records to create',
      items: {
        type: 'object',
        required: ['type', 'name', 'value'],
        properties: {
          type: { type: 'string', enum: ['MX', 'TXT'] },
          name: { type: 'string' },
          value: { type: 'string' },
          priority: { type: 'integer' },
        },
      },
    },
  },
} as const;

export const customDomainResponses = {
  list: {
    200: {
      type: 'object',
      required: ['status', 'data'],
      properties: {
        status: { type: 'boolean' },
        data: {
          type: 'object',
          required: ['limit', 'mail_host', 'domains'],
          properties: {
            limit: { type: 'integer', description: 'How many custom domains your plan allows' },
            mail_host: { type: 'string', description: 'The host MX records must point at' },
            domains: { type: 'array', items: customDomain },
          },
        },
      },
    },
    ...errors,
  },
  one: {
    200: {
      type: 'object',
      required: ['status', 'data'],
      properties: { status: { type: 'boolean' }, data: customDomain },
    },
    ...errors,
  },
  done: {
    200: {
      type: 'object',
      required: ['status', 'message'],
      properties: { status: { type: 'boolean', const: true }, message: { type: 'string' } },
    },
    ...errors,
  },
} as const;
