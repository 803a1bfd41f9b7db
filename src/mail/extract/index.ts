// Verification codes and action links of a mail: deterministic, no model, no network, bounded
// work (see limits.ts). Runs once when a message is stored.
import { findCodes } from './codes.ts';
import { type Deadline, deadlineIn, noDeadline, OutOfTime } from './deadline.ts';
import { normalizeDigits } from './digits.ts';
import { type Line, readHtml } from './html-blocks.ts';
import { maxSubjectChars } from './limits.ts';
import { findLinks, textLines } from './links.ts';
import type { Extraction, ExtractionInput } from './types.ts';

export type { Extraction, ExtractionInput } from './types.ts';

function withAsciiDigits(lines: Line[]): Line[] {
  return lines.map((line) => ({ text: normalizeDigits(line.text), emphasis: line.emphasis }));
}

/** The codes and links of a mail, best guess first. */
export function extractVerification(input: ExtractionInput, deadline: Deadline = noDeadline): Extraction {
  const subject = (input.subject ?? '').slice(0, maxSubjectChars).replace(/\s+/g, ' ').trim();
  const text = textLines(input.text ?? '');
  const html = input.html ? readHtml(input.html, deadline) : { lines: [], anchors: [] };
  deadline.check();
  const codes = findCodes(
    [withAsciiDigits([{ text: subject, emphasis: [] }]), withAsciiDigits(html.lines), withAsciiDigits(text)],
    deadline,
  );
  deadline.check();
  const links = findLinks(html.anchors, html.lines, text, deadline);
  return { codes, links };
}

/**
 * The codes and links of a mail if reading it takes at most `ms` milliseconds (the same result as
 * extractVerification); undefined if it would take longer: it is then given up, not finished.
 */
export function extractWithin(input: ExtractionInput, ms: number): Extraction | undefined {
  try {
    return extractVerification(input, deadlineIn(ms));
  } catch (err) {
    if (err instanceof OutOfTime) return undefined;
    throw err;
  }
}
