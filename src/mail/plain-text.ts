// Plain text made from a message's HTML, for HTML-only mail (the dialects' `content`, webhook
// payloads). Runs in the HTML worker (html-worker.ts), never on the server's event loop.
import { convert } from 'html-to-text';

/**
 * The text of `html`. html-to-text walks the document tree recursively, so markup nested a few
 * thousand deep overflows the stack; such mail gets the flat reading of flatText instead.
 */
export function htmlToPlainText(html: string): string {
  try {
    return convert(html, { wordwrap: false, selectors: [{ selector: 'img', format: 'skip' }] });
  } catch {
    return flatText(html);
  }
}

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/**
 * A reading of HTML that cannot recurse: the content of script, style and head goes, block ends
 * become line breaks, every other tag goes, and the common entities are decoded.
 */
export function flatText(html: string): string {
  // Every pattern here is linear: a tag left open runs to the end of the text (as a browser
  // reads it) instead of being searched for again from each later '<', which made hostile
  // mail of many unclosed '<script' or '<' quadratic.
  return withoutRawBlocks(html)
    .replace(/<br\b[^>]*(?:>|$)|<\/(?:p|div|tr|li|h[1-6]|table|blockquote|pre)\s*>/gi, '\n')
    .replace(/<[^>]*(?:>|$)/g, '')
    .replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]+);/gi, (match, name: string) => {
      if (name[0] !== '#') return entities[name.toLowerCase()] ?? match;
      const code =
        name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
      return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff)
        ? String.fromCodePoint(code)
        : '\uFFFD';
    })
    .replace(/[ \t\f\v]+/g, ' ')
    .replace(/ ?\n[\s]*\n\s*/g, '\n\n')
    .replace(/ ?\n ?/g, '\n')
    .trim();
}

const rawBlockStart = /<(script|style|head|title)\b|<!--/gi;

/** The HTML without script, style, head and title blocks and comments; an unclosed one runs to the end. */
function withoutRawBlocks(html: string): string {
  const kept: string[] = [];
  let from = 0;
  rawBlockStart.lastIndex = 0;
  for (let start = rawBlockStart.exec(html); start; start = rawBlockStart.exec(html)) {
    kept.push(html.slice(from, start.index), ' ');
    const end = start[1] ? new RegExp(`</${start[1]}\\s*>`, 'gi') : /-->/g;
    end.lastIndex = rawBlockStart.lastIndex;
    if (!end.exec(html)) return kept.join('');
    from = end.lastIndex;
    rawBlockStart.lastIndex = from;
  }
  kept.push(html.slice(from));
  return kept.join('');
}
