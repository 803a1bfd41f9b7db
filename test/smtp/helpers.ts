// Shared steps of the SMTP ingest tests: users with mailboxes, reading back through the API,
// hashing downloads and looking at what is on disk.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { BlobStore } from '../../src/blobs/types.ts';
import { api, createMailbox, createUser, type TestServer, type TestUser } from '../support/harness.ts';

export const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

export interface ListedAttachment {
  name: string;
  extension: string;
  size: number;
  url: string;
}

export interface ListedMessage {
  is_seen: boolean;
  subject: string;
  from: string;
  from_email: string;
  to: string;
  receivedAt: string;
  id: string;
  html: boolean;
  content: string;
  attachments: ListedAttachment[];
}

let userCount = 0;

/** A new user with one new mailbox. */
export async function userWithMailbox(server: TestServer): Promise<{ user: TestUser; address: string }> {
  const user = await createUser(server, `user${++userCount}-${process.pid}@users.example`);
  const { email } = await createMailbox(server, user);
  return { user, address: email };
}

export async function listMessages(server: TestServer, user: TestUser, address: string) {
  const res = await api(server, 'GET', `/api/messages?email=${encodeURIComponent(address)}`, {
    key: user.key,
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.messages as ListedMessage[];
}

/** Downloads an attachment through the path of its `url` field. */
export async function download(server: TestServer, user: TestUser, attachment: ListedAttachment) {
  const res = await api(server, 'GET', new URL(attachment.url).pathname, { key: user.key });
  return { status: res.status, body: res.raw, contentType: res.headers.get('content-type') ?? '' };
}

/** The media type of a Content-Type header, without parameters. */
export const mediaType = (contentType: string) => (contentType.split(';')[0] ?? '').trim().toLowerCase();

/** Every file under `dir`, as paths relative to it. */
export function walkFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

/** Blob files: data/blobs/ab/cd/<key>; an absent blob directory holds none. */
export function blobFiles(dataDir: string): string[] {
  try {
    return walkFiles(path.join(dataDir, 'blobs'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** A plain message with a subject and body, CRLF line ends. */
export function simpleMessage(to: string, subject: string, body = 'Hello.'): Buffer {
  return Buffer.from(
    [`From: Tester <tester@example.org>`, `To: ${to}`, `Subject: ${subject}`, '', body, ''].join('\r\n'),
  );
}

/**
 * Holds back the blob writes of `server` (messages larger than the inline limit) until
 * `release()`: `started` resolves when the first one is waiting. `restore()` puts the real blob
 * store back.
 */
export function holdBlobWrites(server: TestServer) {
  const { context } = server.burnbox.services;
  const real = context.blobs;
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let markStarted = () => {};
  const started = new Promise<void>((resolve) => {
    markStarted = resolve;
  });
  const held: BlobStore = {
    put: async (key, chunks) => {
      markStarted();
      await released;
      return real.put(key, chunks);
    },
    read: (key, range) => real.read(key, range),
    delete: (keys) => real.delete(keys),
  };
  context.blobs = held;
  return {
    started,
    /** Resolves when a write is held, rejects if `sending` settles before one is. */
    heldDuring(sending: Promise<unknown>): Promise<void> {
      return Promise.race([
        started,
        sending.then(() => {
          throw new Error('the message was answered without its blob write being held');
        }),
      ]);
    },
    release,
    restore() {
      release();
      context.blobs = real;
    },
  };
}
