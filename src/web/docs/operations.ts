// The operations of an OpenAPI document, flattened for the docs page: method and path, tag,
// how to authenticate, every parameter (path, query, header and JSON body fields) and example
// answers. Pure functions over the document.
import { type ExampleContext, exampleOf, type JsonSchema, schemaTypes } from './example.ts';

interface MediaType {
  schema?: JsonSchema;
  example?: unknown;
  examples?: Record<string, { value?: unknown }>;
}

interface OperationObject {
  tags?: string[];
  summary?: string;
  description?: string;
  operationId?: string;
  parameters?: { name: string; in: string; required?: boolean; description?: string; schema?: JsonSchema }[];
  requestBody?: { required?: boolean; content?: Record<string, MediaType> };
  responses?: Record<string, { description?: string; content?: Record<string, MediaType> }>;
  security?: Record<string, string[]>[];
}

interface SecurityScheme {
  type: string;
  scheme?: string;
  in?: string;
  name?: string;
}

export interface OpenApiDocument {
  servers?: { url: string }[];
  security?: Record<string, string[]>[];
  paths?: Record<string, Record<string, OperationObject | undefined> | undefined>;
  components?: { securitySchemes?: Record<string, SecurityScheme>; schemas?: Record<string, JsonSchema> };
}

/** An HTTP header that carries the API key: `prefix` goes before the key (`Bearer `). */
export interface AuthHeader {
  kind: 'bearer' | 'apiKey';
  header: string;
  prefix: string;
}

export interface DocParam {
  name: string;
  in: 'path' | 'query' | 'header' | 'body';
  required: boolean;
  /** Readable type: `string`, `integer | null`, `array of string`. */
  type: string;
  description?: string;
  enum?: unknown[];
  /** The value the samples use. */
  example: unknown;
}

export interface DocResponse {
  status: string;
  description?: string;
  example: unknown;
}

export interface DocOperation {
  /** Anchor of the operation on the page. */
  id: string;
  method: string;
  path: string;
  tag: string;
  summary?: string;
  description?: string;
  /** Accepted ways to send the key, preferred first. */
  auth: AuthHeader[];
  params: DocParam[];
  /** The JSON body the samples send, when the operation takes one. */
  body?: unknown;
  /** The first 2xx JSON answer; absent when the 2xx body is a file (download). */
  success?: DocResponse;
  /** The first error answer (4XX before 5XX). */
  failure?: DocResponse;
  download: boolean;
}

export interface DocGroup {
  tag: string;
  operations: DocOperation[];
}

const methods = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'];

/** Replaces local `$ref`s by the schemas they point to (depth-limited, so cycles end). */
function deref(schema: unknown, doc: OpenApiDocument, depth = 0): JsonSchema {
  if (depth > 20 || typeof schema !== 'object' || schema === null) return (schema ?? {}) as JsonSchema;
  if (Array.isArray(schema)) return schema.map((s) => deref(s, doc, depth + 1)) as unknown as JsonSchema;
  const ref = (schema as { $ref?: unknown }).$ref;
  if (typeof ref === 'string' && ref.startsWith('#/components/schemas/')) {
    return deref(doc.components?.schemas?.[ref.slice('#/components/schemas/'.length)], doc, depth + 1);
  }
  return Object.fromEntries(
    Object.entries(schema).map(([key, value]) => [
      key,
      key === 'enum' || key === 'examples' || key === 'example' || key === 'const' || key === 'default'
        ? value
        : deref(value, doc, depth + 1),
    ]),
  ) as JsonSchema;
}

export function typeLabel(schema: JsonSchema): string {
  return schemaTypes(schema)
    .map((type) => (type === 'array' && schema.items ? `array of ${typeLabel(schema.items)}` : type))
    .join(' | ');
}

function authOf(doc: OpenApiDocument, op: OperationObject): AuthHeader[] {
  const schemes = doc.components?.securitySchemes ?? {};
  const out: AuthHeader[] = [];
  for (const requirement of op.security ?? doc.security ?? []) {
    for (const name of Object.keys(requirement)) {
      const scheme = schemes[name];
      if (scheme?.type === 'http' && scheme.scheme?.toLowerCase() === 'bearer') {
        out.push({ kind: 'bearer', header: 'Authorization', prefix: 'Bearer ' });
      } else if (scheme?.type === 'apiKey' && scheme.in === 'header' && scheme.name) {
        out.push({ kind: 'apiKey', header: scheme.name, prefix: '' });
      }
    }
  }
  return out;
}

function mediaExample(media: MediaType | undefined): unknown {
  if (media?.example !== undefined) return media.example;
  const first = Object.values(media?.examples ?? {})[0];
  if (first?.value !== undefined) return first.value;
  return undefined;
}

function jsonMedia(content: Record<string, MediaType> | undefined): MediaType | undefined {
  const type = Object.keys(content ?? {}).find((t) => /^application\/([\w.+-]*\+)?json/.test(t));
  return type ? content?.[type] : undefined;
}

/** The literal path segment before `{name}`, e.g. `messages` for `/api/messages/{id}`. */
function segmentBefore(path: string, name: string): string | undefined {
  const parts = path.split('/');
  const at = parts.indexOf(`{${name}}`);
  return at > 0 ? parts[at - 1] : undefined;
}

/** What every example of the deployment shares: its base URL and a domain it hosts. */
type Deployment = Pick<ExampleContext, 'baseUrl' | 'domain'>;

function params(doc: OpenApiDocument, path: string, op: OperationObject, site: Deployment): DocParam[] {
  const out: DocParam[] = [];
  const order = { path: 0, query: 1, header: 2, cookie: 3 } as Record<string, number>;
  const listed = [...(op.parameters ?? [])].sort((a, b) => (order[a.in] ?? 9) - (order[b.in] ?? 9));
  for (const p of listed) {
    if (p.in !== 'path' && p.in !== 'query' && p.in !== 'header') continue;
    const schema = deref(p.schema, doc);
    out.push({
      name: p.name,
      in: p.in,
      required: p.in === 'path' || p.required === true,
      type: typeLabel(schema),
      description: p.description ?? schema.description,
      enum: schema.enum,
      example: exampleOf(schema, { ...site, name: p.name, parent: segmentBefore(path, p.name) }),
    });
  }
  const body = deref(jsonMedia(op.requestBody?.content)?.schema, doc);
  for (const [name, field] of Object.entries(body.properties ?? {})) {
    out.push({
      name,
      in: 'body',
      required: body.required?.includes(name) ?? false,
      type: typeLabel(field),
      description: field.description,
      enum: field.enum,
      example: exampleOf(field, { ...site, name }),
    });
  }
  return out;
}

function response(
  doc: OpenApiDocument,
  op: OperationObject,
  match: RegExp,
  site: Deployment,
): DocResponse | 'file' | undefined {
  const status = Object.keys(op.responses ?? {})
    .filter((s) => match.test(s))
    .sort()[0];
  if (status === undefined) return undefined;
  const answer = op.responses?.[status];
  const media = jsonMedia(answer?.content);
  if (!media && status === '204') return { status, example: undefined };
  if (!media) return 'file';
  const schema = deref(media.schema, doc);
  const failure = !status.startsWith('2');
  return {
    status,
    description: answer?.description === 'Default Response' ? undefined : answer?.description,
    example: mediaExample(media) ?? exampleOf(schema, { ...site, failure }),
  };
}

export function anchorOf(method: string, path: string): string {
  return `op-${method}-${path.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '')}`;
}

/**
 * Every operation of the document, in its order; `baseUrl` for links in examples, `domain` (a
 * domain the deployment hosts) for the addresses and domains they name.
 */
export function extractOperations(
  doc: OpenApiDocument,
  baseUrl = doc.servers?.[0]?.url ?? '',
  domain?: string,
): DocOperation[] {
  const site: Deployment = { baseUrl, domain };
  const out: DocOperation[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(item ?? {})) {
      if (!op || !methods.includes(method)) continue;
      const bodyMedia = jsonMedia(op.requestBody?.content);
      const bodySchema = bodyMedia ? deref(bodyMedia.schema, doc) : undefined;
      const success = response(doc, op, /^2/, site);
      const failure = response(doc, op, /^[45]/, site);
      out.push({
        id: anchorOf(method, path),
        method: method.toUpperCase(),
        path,
        tag: op.tags?.[0] ?? '',
        summary: op.summary,
        description: op.description,
        auth: authOf(doc, op),
        params: params(doc, path, op, site),
        body: bodyMedia ? (mediaExample(bodyMedia) ?? exampleOf(bodySchema, site)) : undefined,
        success: success === 'file' ? undefined : success,
        failure: failure === 'file' ? undefined : failure,
        download: success === 'file' || success === undefined,
      });
    }
  }
  return out;
}

/** Operations grouped by tag, groups in the order their first operation appears. */
export function groupByTag(operations: DocOperation[]): DocGroup[] {
  const groups = new Map<string, DocOperation[]>();
  for (const op of operations) {
    const list = groups.get(op.tag) ?? [];
    list.push(op);
    groups.set(op.tag, list);
  }
  return [...groups].map(([tag, ops]) => ({ tag, operations: ops }));
}
