// Example values for the API docs: a schema's own `examples`/`example` when it has them,
// otherwise a plausible value made up from the schema (its type, enum, description) and the
// name of the field it describes. Pure: the same schema always gives the same example.

export interface JsonSchema {
  type?: string | string[];
  /** The key dialect's own keyword: the JSON type a body field must have (no coercion). */
  jsonType?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  description?: string;
  example?: unknown;
  examples?: unknown[];
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
}

export interface ExampleContext {
  /** The field (or parameter) the schema describes. */
  name?: string;
  /** The field holding it, e.g. `attachment` for an attachment's `name`. */
  parent?: string;
  /** The deployment's base URL, for fields that are links to it. */
  baseUrl?: string;
  /** A domain the deployment hosts, for addresses and domains (a placeholder without one). */
  domain?: string;
  /** An error answer: messages explain a failure. */
  failure?: boolean;
}

const uuids: Record<string, string> = {
  email: 'c2c4f894-c672-4d5b-a918-abca95aff1f7',
  message: 'fd13a8df-1465-4fbc-a612-ca7311c31ff2',
  user: 'bd08008d-e944-44b2-a0d0-67f2b528ee6d',
  other: '63f71e86-8a54-4d44-99ef-7d350a1483bb',
};
/** The domain examples name when the deployment hosts none yet. */
export const placeholderDomain = 'example.com';
const messageToken = 'ap94AWDg123ELQz07vrVB9dLXlbqZM5NGwYxOJKko8n6m1';
const cursor =
  'eyJ0aW1lc3RhbXAiOjE3NDUxNTU4NDUwODQsImlkIjoiNjNmNzFlODYtOGE1NC00ZDQ0LTk5ZWYtN2QzNTBhMTQ4M2JiIn0=';

/** The JSON types a schema allows, `null` last. */
export function schemaTypes(schema: JsonSchema): string[] {
  const declared = schema.type ?? schema.jsonType;
  let types = Array.isArray(declared) ? declared : declared ? [declared] : [];
  if (types.length === 0) {
    if (schema.properties) types = ['object'];
    else if (schema.items) types = ['array'];
    else if (schema.enum?.length) types = [...new Set(schema.enum.map(jsonTypeOf))];
    else if (schema.const !== undefined) types = [jsonTypeOf(schema.const)];
  }
  return [...types.filter((t) => t !== 'null'), ...types.filter((t) => t === 'null')];
}

function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function singular(name: string | undefined): string | undefined {
  return name?.replace(/ies$/, 'y').replace(/(?<!s)s$/, '');
}

function uuidFor(name: string, parent: string): string {
  const subject = /^id$/i.test(name) ? parent : name;
  if (/message/i.test(subject)) return uuids.message as string;
  if (/user|owner/i.test(subject)) return uuids.user as string;
  if (/email|address|mailbox/i.test(subject) || subject === '') return uuids.email as string;
  return uuids.other as string;
}

function stringExample(schema: JsonSchema, ctx: ExampleContext): string {
  const name = ctx.name ?? '';
  const parent = ctx.parent ?? '';
  const about = schema.description ?? '';
  const base = (ctx.baseUrl ?? 'https://mail.example.com').replace(/\/$/, '');
  const domain = ctx.domain ?? placeholderDomain;
  if (schema.format === 'date-time' || /ISO 8601/i.test(about)) {
    const time = /expire/i.test(name) ? '09:47:48' : '09:37:48';
    return /offset/i.test(about) ? `2026-06-28T${time}+00:00` : `2026-06-28T${time}.084Z`;
  }
  if (/YYYY-MM-DD HH:MM:SS/.test(about)) return '2026-06-28 09:37:48';
  if (/46 letters/i.test(about)) return messageToken;
  if (/base64|cursor/i.test(`${about} ${name}`)) return cursor;
  if (schema.format === 'uuid' || /UUID/.test(about) || /\{8\}-/.test(schema.pattern ?? '')) {
    return uuidFor(name, parent);
  }
  // The user dialect's message ids are tokens, not UUIDs.
  if (name === 'id' && /message/i.test(parent)) return messageToken;
  if (/(^i|I)d$/.test(name)) return uuidFor(name, parent);
  if (/^(from_?email|from_?address|fromAddress|sender)$/i.test(name)) return 'sender@example.org';
  if (name === 'current') return `current@${domain}`;
  if (/^(email|address|mailbox|to|to_?address)$/i.test(name)) return `randombox@${domain}`;
  if (/domain/i.test(name)) return domain;
  if (/^(username|local_?part)$/i.test(name) || /local part/i.test(about)) return 'demo123';
  if (/^(file_?name)$/i.test(name) || (name === 'name' && /attachment/i.test(parent))) return 'file.txt';
  if (name === 'extension') return 'txt';
  if (name === 'url' && /attachment/i.test(parent)) {
    return `${base}/api/messages/${messageToken}/attachments/file.txt`;
  }
  if (/url$/i.test(name)) return 'https://your-server.com/webhook';
  if (name === 'subject') return 'Welcome to Burnbox';
  if (name === 'from') return 'Example Sender';
  if (name === 'html') return '<p>Hello from the inbox.</p>';
  if (/^(content|text|body)$/i.test(name)) return 'Hello from the inbox.';
  if (/token/i.test(name)) return 'encrypted-email-token';
  if (/secret/i.test(name)) return 'kQ3v9Zr7N1xW5pL2sT8yB4mH6cJ0dF2gA9eU7iO3nRw';
  if (name === 'event') return 'new_message';
  if (/type/i.test(name)) return 'free';
  if (/^(message|error)$/i.test(name)) return ctx.failure ? 'The API key is not valid.' : 'Done.';
  if (name === 'name') return 'demo123';
  return 'string';
}

function numberExample(schema: JsonSchema, ctx: ExampleContext, integer: boolean): number {
  const name = ctx.name ?? '';
  const about = schema.description ?? '';
  let value: number;
  if (/unix ms/i.test(about) || /(_at|At)$/.test(name)) value = 1745224245084;
  else if (/seconds/i.test(name)) value = 600;
  else if (/ms$/i.test(name)) value = 182;
  else if (name === 'size') value = 91;
  else if (name === 'id') value = 2301;
  else if (/status_?code/i.test(name)) value = 200;
  else if (name === 'limit') value = 20;
  else value = integer ? 1 : 1.5;
  if (schema.minimum !== undefined) value = Math.max(value, schema.minimum);
  if (schema.maximum !== undefined) value = Math.min(value, schema.maximum);
  return value;
}

function objectExample(schema: JsonSchema, ctx: ExampleContext, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    out[key] = generate(property, { ...ctx, name: key, parent: ctx.name }, depth + 1);
  }
  return out;
}

function generate(schema: JsonSchema, ctx: ExampleContext, depth: number): unknown {
  if (schema.examples !== undefined && schema.examples.length > 0) return schema.examples[0];
  if (schema.example !== undefined) return schema.example;
  if (schema.const !== undefined) return schema.const;
  if (schema.enum && schema.enum.length > 0) return schema.enum[0];
  if (schema.default !== undefined) return schema.default;
  const alternative = schema.oneOf?.[0] ?? schema.anyOf?.[0];
  if (alternative) return generate(alternative, ctx, depth + 1);
  if (schema.allOf) {
    const merged = schema.allOf.map((part) => generate(part, ctx, depth + 1));
    return Object.assign({}, ...merged.filter((part) => typeof part === 'object' && part !== null));
  }
  if (depth > 12) return null;
  const types = schemaTypes(schema);
  const type = types[0];
  // A nullable error detail is most plausibly absent.
  if (types.includes('null') && /^error$/i.test(ctx.name ?? '') && !ctx.failure) return null;
  switch (type) {
    case 'object':
      return objectExample(schema, ctx, depth);
    case 'array':
      return schema.items
        ? [generate(schema.items, { ...ctx, name: singular(ctx.name), parent: ctx.parent }, depth + 1)]
        : [];
    case 'string':
      return stringExample(schema, ctx);
    case 'integer':
    case 'number':
      return numberExample(schema, ctx, type === 'integer');
    case 'boolean':
      return !/^(custom|is_seen|seen)$/.test(ctx.name ?? '');
    case 'null':
      return null;
    default:
      return schema.properties ? objectExample(schema, ctx, depth) : null;
  }
}

/** A plausible example value of `schema`. */
export function exampleOf(schema: JsonSchema | undefined, ctx: ExampleContext = {}): unknown {
  return schema ? generate(schema, ctx, 0) : null;
}
