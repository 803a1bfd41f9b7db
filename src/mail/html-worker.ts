// The body of an HTML worker thread (see html-work.ts): sanitises a message's HTML into its
// document, makes plain text of it, reads its verification codes and action links, or writes long
// strings as JSON string literals, so that none of it ever runs on the server's event loop. HTML beyond the size cap is cut off before the
// document and the text are made: they are those of the HTML's beginning.
import { parentPort } from 'node:worker_threads';
import { extractVerification } from './extract/index.ts';
import type { Extraction } from './extract/types.ts';
import { renderMessageDocument } from './message-html.ts';
import { htmlToPlainText } from './plain-text.ts';

export type HtmlTask =
  | { id: number; kind: 'text'; html: string; maxBytes: number }
  | { id: number; kind: 'document'; html: string; maxBytes: number; inlineParts: Record<string, string> }
  | { id: number; kind: 'json'; strings: string[]; maxBytes: number }
  | { id: number; kind: 'extract'; subject: string; text: string; html: string; maxBytes: number };

export type HtmlTaskResult =
  | { id: number; kind: 'text'; text: string; truncated: boolean }
  | { id: number; kind: 'document'; document: Uint8Array; remoteImages: number; truncated: boolean }
  | { id: number; kind: 'json'; literals: Uint8Array[]; truncated: false }
  | { id: number; kind: 'extract'; extraction: Extraction; truncated: boolean }
  | { id: number; kind: 'error'; message: string };

/** The first `maxBytes` bytes of `html` (UTF-8), cut before any character split by the cut. */
function capped(html: string, maxBytes: number): { html: string; truncated: boolean } {
  // Most characters take one byte: only count when the string could be over the cap.
  if (html.length * 3 <= maxBytes) return { html, truncated: false };
  const bytes = Buffer.from(html, 'utf8');
  if (bytes.length <= maxBytes) return { html, truncated: false };
  let end = maxBytes;
  // Step back over continuation bytes (10xxxxxx) so that no character is cut in half.
  while (end > 0 && ((bytes[end] as number) & 0xc0) === 0x80) end--;
  return { html: bytes.subarray(0, end).toString('utf8'), truncated: true };
}

function run(task: HtmlTask): { result: HtmlTaskResult; transfer: ArrayBuffer[] } {
  if (task.kind === 'json') {
    // Whole strings (no cap): they are what the APIs send.
    const literals = task.strings.map((s) => new Uint8Array(Buffer.from(JSON.stringify(s), 'utf8')));
    return {
      result: { id: task.id, kind: 'json', literals, truncated: false },
      transfer: literals.map((l) => l.buffer as ArrayBuffer),
    };
  }
  const { html, truncated } = capped(task.html, task.maxBytes);
  if (task.kind === 'extract') {
    const text = capped(task.text, task.maxBytes);
    const extraction = extractVerification({ subject: task.subject, text: text.html, html });
    return {
      result: { id: task.id, kind: 'extract', extraction, truncated: truncated || text.truncated },
      transfer: [],
    };
  }
  if (task.kind === 'text') {
    return { result: { id: task.id, kind: 'text', text: htmlToPlainText(html), truncated }, transfer: [] };
  }
  const { document, remoteImages } = renderMessageDocument(html, {
    inlinePartUrl: (contentId) => task.inlineParts[contentId],
  });
  // Sent back as bytes, moved rather than copied: they are stored and served as they are.
  const bytes = new Uint8Array(Buffer.from(document, 'utf8'));
  return {
    result: { id: task.id, kind: 'document', document: bytes, remoteImages, truncated },
    transfer: [bytes.buffer as ArrayBuffer],
  };
}

parentPort?.on('message', (task: HtmlTask) => {
  try {
    const { result, transfer } = run(task);
    parentPort?.postMessage(result, transfer);
  } catch (err) {
    parentPort?.postMessage({ id: task.id, kind: 'error', message: String((err as Error)?.message ?? err) });
  }
});
