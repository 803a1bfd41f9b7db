// What the fault suites share: an installation set up through the CLI, mailboxes made through
// the API, messages of a known size, and finding out which acknowledged messages a server cannot
// show whole.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { runCli } from '../../support/process.ts';

export interface Mailbox {
  email: string;
  /** The web inbox token (its raw-message download needs no login). */
  token: string;
}

/** A message answered 250, with the bytes that were sent. */
export interface SentMessage {
  subject: string;
  mailbox: Mailbox;
  raw: Buffer;
}

/** A message of about `bodyBytes` of random text (nothing a store could shrink). */
export function randomMessage(to: string, subject: string, bodyBytes: number): Buffer {
  const lines = randomBytes(Math.ceil((bodyBytes * 3) / 4))
    .toString('base64')
    .match(/.{1,76}/g);
  // No line starts with a dot, so what is sent is what is stored.
  const body = (lines ?? []).map((line) => `x${line}`).join('\r\n');
  return Buffer.from(
    [`From: Sender <sender@example.org>`, `To: ${to}`, `Subject: ${subject}`, '', body, ''].join('\r\n'),
  );
}

/** Adds burnbox.test and a premium user through the CLI; returns the user's API key. */
export function setUpInstallation(env: Record<string, string>, email = 'faults@users.example'): string {
  const cli = (...args: string[]) => {
    const result = runCli(args, env);
    assert.equal(result.status, 0, result.stderr);
    return result.stdout.trim();
  };
  cli('domain', 'add', 'burnbox.test');
  cli('user', 'create', email, '--plan', 'premium');
  return cli('key', 'create', email);
}

export async function createMailbox(baseUrl: string, key: string): Promise<Mailbox> {
  const res = await fetch(`${baseUrl}/api/emails`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${key}` },
  });
  assert.equal(res.status, 200, await res.clone().text());
  const { data } = (await res.json()) as { data: { email: string; email_token: string } };
  return { email: data.email, token: data.email_token };
}

interface Page {
  messages: { id: string; subject: string }[];
  nextCursor: string | null;
}

/** Subject → message UUID of every message in `address`, read page by page from the key API. */
export async function messagesOf(
  baseUrl: string,
  key: string,
  address: string,
): Promise<Map<string, string>> {
  const get = async <T>(urlPath: string): Promise<T> => {
    const res = await fetch(baseUrl + urlPath, { headers: { 'X-API-Key': key } });
    assert.equal(res.status, 200, urlPath);
    return (await res.json()) as T;
  };
  const { emails } = await get<{ emails: { id: string; address: string }[] }>('/api/emails');
  const mailbox = emails.find((e) => e.address === address);
  assert.ok(mailbox, `mailbox ${address} is there`);
  const found = new Map<string, string>();
  for (let cursor: string | null = ''; cursor !== null; ) {
    const page: Page = await get<Page>(
      `/api/emails/${mailbox.id}${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    for (const m of page.messages) found.set(m.subject, m.id);
    cursor = page.nextCursor;
  }
  return found;
}

/** Whether message `id` downloads (raw, through the web inbox) exactly as it was sent. */
export async function readsBack(baseUrl: string, sent: SentMessage, id: string): Promise<boolean> {
  const res = await fetch(`${baseUrl}/inbox/${sent.mailbox.token}/messages/${id}/raw`);
  return res.status === 200 && Buffer.from(await res.arrayBuffer()).equals(sent.raw);
}

/**
 * The messages of `acknowledged` the server at `baseUrl` cannot show whole: not listed, or
 * listed but not readable byte for byte (a row without its blob counts as lost).
 */
export async function missingFrom<T extends SentMessage>(
  baseUrl: string,
  key: string,
  acknowledged: T[],
): Promise<T[]> {
  const missing: T[] = [];
  const listed = new Map<string, Map<string, string>>();
  for (const sent of acknowledged) {
    let subjects = listed.get(sent.mailbox.email);
    if (!subjects) {
      subjects = await messagesOf(baseUrl, key, sent.mailbox.email);
      listed.set(sent.mailbox.email, subjects);
    }
    const id = subjects.get(sent.subject);
    if (!id || !(await readsBack(baseUrl, sent, id))) missing.push(sent);
  }
  return missing;
}
