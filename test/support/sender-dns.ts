// DNS for the sender checks of tests: a small zone held in memory and given to the server as
// mailauth's resolver (no network), and DKIM signatures made in the test with a generated key.
import { generateKeyPairSync } from 'node:crypto';
import { dkimSign } from 'mailauth';
import type { DnsResolver } from '../../src/net/dns-lookups.ts';

type Answer = { records: string[] } | { error: string } | { hang: true };

export class FakeDns {
  readonly #zone = new Map<string, Answer>();
  /** Lookups held (`hang`) until released. */
  readonly #held: (() => void)[] = [];
  #released = false;
  /** Every lookup asked, as `TYPE name`. */
  readonly asked: string[] = [];

  txt(name: string, ...records: string[]): this {
    this.#zone.set(`TXT ${name}`, { records });
    return this;
  }

  /** Lookups of `name` (any type) fail with this DNS error code (ESERVFAIL, ETIMEOUT…). */
  fail(name: string, code: string): this {
    for (const type of ['TXT', 'A', 'AAAA', 'MX']) this.#zone.set(`${type} ${name}`, { error: code });
    return this;
  }

  /** Lookups of `name` (any type) get no answer until `release()`. */
  hang(name: string): this {
    for (const type of ['TXT', 'A', 'AAAA', 'MX']) this.#zone.set(`${type} ${name}`, { hang: true });
    return this;
  }

  /** Answers the held lookups, and those to come, with "no such name". */
  release(): void {
    this.#released = true;
    for (const answer of this.#held.splice(0)) answer();
  }

  readonly resolver: DnsResolver = async (name, type) => {
    this.asked.push(`${type} ${name}`);
    const answer = this.#zone.get(`${type} ${name.toLowerCase()}`);
    if (answer && 'hang' in answer && !this.#released)
      await new Promise<void>((resolve) => this.#held.push(resolve));
    if (answer && 'records' in answer) {
      // TXT records come in strings of at most 255 characters, as from a real server.
      return answer.records.map((r) => r.match(/.{1,255}/g) ?? ['']);
    }
    const code = answer && 'error' in answer ? answer.error : 'ENOTFOUND';
    throw Object.assign(new Error(`${code} ${name}`), { code });
  };
}

/** A DKIM key of `domain` under `selector`: publishes itself in a zone, signs messages. */
export class DkimKey {
  readonly domain: string;
  readonly selector: string;
  readonly #privateKey: string;
  readonly #publicKey: string;

  constructor(domain: string, selector = 'test') {
    this.domain = domain;
    this.selector = selector;
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.#privateKey = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    this.#publicKey = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  }

  publishIn(dns: FakeDns): this {
    dns.txt(`${this.selector}._domainkey.${this.domain}`, `v=DKIM1; k=rsa; p=${this.#publicKey}`);
    return this;
  }

  /** The message with a DKIM-Signature of this key put on top. */
  async sign(message: string): Promise<string> {
    // mailauth's types want the first signature's fields at the top as well; its code does not.
    const options = {
      signatureData: [{ signingDomain: this.domain, selector: this.selector, privateKey: this.#privateKey }],
    } as unknown as Parameters<typeof dkimSign>[1];
    const result = await dkimSign(message, options);
    if (result.errors.length > 0) throw new Error(`signing failed: ${JSON.stringify(result.errors)}`);
    return result.signatures + message;
  }
}

/** A plain RFC 5322 message with CRLF line ends. */
export function rawMessage(headers: { from: string; to: string; subject: string }, body: string): string {
  return [
    `From: ${headers.from}`,
    `To: ${headers.to}`,
    `Subject: ${headers.subject}`,
    `Message-ID: <${Math.random().toString(36).slice(2)}@sender.test>`,
    'Date: Mon, 30 Nov 2026 00:00:00 +0000',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    body,
    '',
  ].join('\r\n');
}
