// Where a link or form may send the reader next (`?next=`): only a path of this site. The
// target is parsed as a URL against a placeholder origin and kept only if it stays on that
// origin; what is sent back is rebuilt from the parsed path, query and fragment, so the
// Location header never carries what the browser would read differently from us.
const placeholderOrigin = 'http://burnbox.invalid';

/**
 * Browsers drop tabs and line breaks inside URLs and read `\` as `/`, so `/\t/evil.example`
 * arrives as `//evil.example`: refuse control characters, invisible format characters,
 * whitespace and backslashes outright instead of guessing how a browser reads them.
 */
const unsafeCharacters = /[\p{Cc}\p{Cf}\p{Z}\s\\]/u;

/** `next` if it is a path of this site, else `fallback`. Never throws. */
export function localPath(next: unknown, fallback = '/'): string {
  if (typeof next !== 'string' || !next.startsWith('/') || next.length > 2048) return fallback;
  if (unsafeCharacters.test(next)) return fallback;
  let url: URL;
  try {
    url = new URL(next, placeholderOrigin);
  } catch {
    return fallback;
  }
  if (url.origin !== placeholderOrigin) return fallback;
  const path = `${url.pathname}${url.search}${url.hash}`;
  // `/.//evil.example` parses to the path `//evil.example`: a scheme-relative URL elsewhere.
  return path.startsWith('//') ? fallback : path;
}
