// Attachment media types come from mail and are untrusted. A stored type is served back as a
// Content-Type header, which Node refuses (ERR_INVALID_CHAR) when it holds control or
// non-Latin-1 characters, so only a well-formed `type/subtype` is kept: anything else is
// served as what it certainly is, bytes.

export const fallbackContentType = 'application/octet-stream';

/** RFC 9110 `token`: visible ASCII except separators. */
const token = "[!#$%&'*+.^_`|~0-9A-Za-z-]{1,127}";
const mediaType = new RegExp(`^${token}/${token}$`);

/** `type/subtype` of `raw`, lower-cased, or application/octet-stream when it is not one. */
export function safeContentType(raw: string | null | undefined): string {
  const value = (raw ?? '').trim();
  return mediaType.test(value) ? value.toLowerCase() : fallbackContentType;
}
