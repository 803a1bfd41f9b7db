// Identifier and secret generation. All randomness comes from the CSPRNG.
import { createHash, randomBytes, randomInt, randomUUID } from 'node:crypto';

const base62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const localPartAlphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** Uniform random string over `alphabet` (rejection sampling, no modulo bias). */
export function randomString(length: number, alphabet: string = base62): string {
  const out: string[] = [];
  const limit = 256 - (256 % alphabet.length);
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < limit) out.push(alphabet[byte % alphabet.length] as string);
      if (out.length === length) break;
    }
  }
  return out.join('');
}

/** Public message id of the user dialect: 46 letters and digits. */
export const newMessageId = () => randomString(46);
export const newUuid = () => randomUUID();
/** A random local part for generated addresses: a letter then nine letters/digits. */
export const newRandomLocalPart = () => localPartAlphabet[randomInt(26)] + randomString(9, localPartAlphabet);
/** API keys: a recognisable prefix and 40 random characters (~238 bits). */
export const newApiKey = () => `bb_${randomString(40)}`;
export const newSecret = () => randomBytes(32).toString('base64url');

/** API keys are high-entropy, so a fast hash is safe and lets us look a key up by its hash. */
export const hashApiKey = (key: string) => createHash('sha256').update(key).digest('hex');
