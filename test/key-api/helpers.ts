// Shared tools of the key API suite: requests with X-API-Key, the dialect's error shape, the
// generate call, a cursor decoder written independently of the server's, and an SMTP sender that
// reuses one connection so tests can deliver dozens of messages quickly.
import assert from 'node:assert/strict';
import nodemailer, { type Transporter } from 'nodemailer';
import {
  type ApiRequest,
  type ApiResponse,
  api,
  type TestServer,
  type TestUser,
} from '../support/harness.ts';
import { assertKeys } from '../user-api/helpers.ts';

export { assertKeys, quotaOf } from '../user-api/helpers.ts';

export const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** `new Date(ms).toISOString()`: UTC with milliseconds. */
export const isoMsPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const permanentExpiresAt = '9999-01-01T00:00:00.000Z';
export const hour = 3_600_000;
export const day = 86_400_000;
export const threeDays = 259_200_000;
/** A well-formed UUID no mailbox or message has. */
export const unknownUuid = '00000000-0000-4000-8000-000000000000';

export type KeyRequest = Omit<ApiRequest, 'scheme'> & { scheme?: ApiRequest['scheme'] };

/** An HTTP request speaking the key dialect: the key goes in X-API-Key unless told otherwise. */
export function keyApi<T = any>(
  server: TestServer,
  method: string,
  urlPath: string,
  options: KeyRequest = {},
) {
  return api<T>(server, method, urlPath, { scheme: 'x-api-key', ...options });
}

/** `{"error": <sentence>}` and nothing else, with the given HTTP status. */
export function assertKeyError(res: ApiResponse, status: number, what = ''): void {
  assert.equal(res.status, status, `${what}: status (body ${JSON.stringify(res.body)})`);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/, `${what}: JSON body`);
  assertKeys(res.body, ['error'], `${what}: error body`);
  assert.equal(typeof res.body.error, 'string', `${what}: error is a string`);
  assert.match(res.body.error, /^\S.{4,}[.!]$/s, `${what}: error is a sentence`);
}

export interface Generated {
  id: string;
  email: string;
}

/** POST /api/emails/generate, asserting success. */
export async function generate(
  server: TestServer,
  user: TestUser,
  name: string,
  domain = 'example.com',
  expiryTime: number = hour,
): Promise<Generated> {
  const res = await keyApi(server, 'POST', '/api/emails/generate', {
    key: user.key,
    body: { name, expiryTime, domain },
  });
  assert.equal(res.status, 200, `generate ${name}@${domain}: ${JSON.stringify(res.body)}`);
  return res.body as Generated;
}

/** The position a cursor names, decoded as the seed describes it (base64 of JSON). */
export function decodeCursor(cursor: string): { timestamp: number; id: string } {
  const value = JSON.parse(Buffer.from(cursor, 'base64').toString('utf8'));
  assertKeys(value, ['timestamp', 'id'], 'cursor');
  return value;
}

export const encodeCursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');

/** Delivers messages over one reused SMTP connection (nodemailer pool), one after another. */
export class SmtpSender {
  readonly #transport: Transporter;

  constructor(server: TestServer) {
    this.#transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: server.smtpPort,
      secure: false,
      ignoreTLS: true,
      pool: true,
      maxConnections: 1,
    });
  }

  async send(to: string, subject: string, mail: { text?: string; html?: string; from?: string } = {}) {
    const info = await this.#transport.sendMail({
      from: mail.from ?? 'Sender <sender@example.org>',
      to,
      subject,
      text: mail.text ?? (mail.html === undefined ? `Body of ${subject}` : undefined),
      html: mail.html,
    });
    assert.deepEqual((info.accepted ?? []).map(String), [to], `${subject} accepted`);
  }

  close(): void {
    this.#transport.close();
  }
}
