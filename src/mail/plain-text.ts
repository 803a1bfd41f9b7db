// The plain-text body of a message: its text part, or, for HTML-only mail, text made from the
// HTML (done on demand: most mail has a text part, and conversion is costly).
import { convert } from 'html-to-text';
import type { MailContent } from '../store/types.ts';

export function plainTextOf(content: Pick<MailContent, 'text' | 'html'>): string {
  if (content.text || !content.html) return content.text;
  return convert(content.html, { wordwrap: false, selectors: [{ selector: 'img', format: 'skip' }] });
}
