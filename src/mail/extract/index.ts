// Verification codes and action links of a mail: deterministic, no model, no network.
import type { Extraction, ExtractionInput } from './types.ts';

export type { Extraction, ExtractionInput } from './types.ts';

const urlPattern = /https?:\/\/[^\s"'<>]+/g;
const codeAfterKeyword = /\b(?:code|otp|pin|passcode)\b[^0-9]{0,20}(\d{4,8})\b/i;

/** The codes and links of a mail, best guess first. */
export function extractVerification(input: ExtractionInput): Extraction {
  const text = `${input.subject}\n${input.text}`;
  const code = codeAfterKeyword.exec(text)?.[1];
  const urls = [...new Set(`${input.text}\n${input.html}`.match(urlPattern) ?? [])].slice(0, 50);
  return {
    codes: code ? [{ value: code, kind: 'otp' }] : [],
    links: urls.map((url) => ({ url, kind: 'other' })),
  };
}
