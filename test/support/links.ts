// Every link a running Burnbox hands out, read as its clients see them: the attachment URL of
// the user API, the API base on the account page, the guest inbox's share link, the OpenAPI
// server and the docs' samples. Tests check they all start with the public URL expected.
import nodemailer from 'nodemailer';
import type { TestServer } from './harness.ts';
import { pageData, WebClient } from './web-client.ts';

export interface HandedOutLinks {
  attachmentUrl: string;
  apiBase: string;
  shareUrl: string;
  openApiServer: string;
  /** The docs page, whose samples hold the API base URL. */
  docsPage: string;
}

/** `user` has an API key and a password; the server hosts at least one domain. */
export async function linksHandedOut(
  target: { baseUrl: string; smtpPort: number },
  user: { email: string; password: string; key: string },
): Promise<HandedOutLinks> {
  const json = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(target.baseUrl + path, {
      ...init,
      headers: { Authorization: `Bearer ${user.key}`, Accept: 'application/json' },
    });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  const address = (await json('/api/emails', { method: 'POST' })).data.email as string;
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: target.smtpPort, ignoreTLS: true });
  try {
    await transport.sendMail({
      from: 'a@sender.test',
      to: address,
      subject: 'with a file',
      text: 'see the file',
      attachments: [{ filename: 'notes.txt', content: 'the notes' }],
    });
  } finally {
    transport.close();
  }
  const listed = await json(`/api/messages?email=${encodeURIComponent(address)}`);

  const server = { baseUrl: target.baseUrl } as TestServer;
  const guest = new WebClient(server);
  const shareUrl = pageData((await guest.get('/')).text).mailbox.shareUrl as string;
  const member = new WebClient(server);
  const login = await member.post('/login', { email: user.email, password: user.password });
  if (login.status !== 303) throw new Error(`login failed: ${login.status}`);
  const account = (await member.get('/account')).text;
  const apiBase = /<code id="api-base"[^>]*>([^<]*)<\/code>/.exec(account)?.[1] ?? '';

  return {
    attachmentUrl: listed.messages[0].attachments[0].url,
    apiBase,
    shareUrl,
    openApiServer: (await json('/openapi.json')).servers[0].url,
    docsPage: await (await fetch(`${target.baseUrl}/docs`)).text(),
  };
}
