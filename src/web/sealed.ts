// Short-lived values sealed for the browser to carry back once (e.g. a new API key shown on
// the page a redirect leads to): AES-256-GCM with a server secret, with an expiry inside, so
// the cookie can be neither read nor forged nor replayed later.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

export class Sealer {
  readonly #key: Buffer;

  constructor(secret: string) {
    this.#key = createHash('sha256').update(`sealed-values:${secret}`).digest();
  }

  seal(value: string, expiresAt: number): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify({ value, expiresAt }), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  /** The value, or undefined when the seal is broken, foreign or expired. */
  open(sealed: string | undefined, now: number): string | undefined {
    if (!sealed) return undefined;
    try {
      const bytes = Buffer.from(sealed, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', this.#key, bytes.subarray(0, 12));
      decipher.setAuthTag(bytes.subarray(12, 28));
      const text = Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
      const { value, expiresAt } = JSON.parse(text) as { value: string; expiresAt: number };
      return expiresAt > now ? value : undefined;
    } catch {
      return undefined;
    }
  }
}
