// What the message reader shows of a message's codes and links: its best code (with a copy
// button) and its action link (verify, sign in, reset), so a person need not hunt for either.
import type { Extraction, LinkKind } from '../../mail/extract/types.ts';

/** Link kinds that are the action the mail asks for; others (unsubscribe, other) are not marked. */
export type ActionLinkKind = Extract<LinkKind, 'verify' | 'magic_link' | 'reset'>;

const actionKinds: readonly LinkKind[] = ['verify', 'magic_link', 'reset'];

export interface ExtractionView {
  /** The best guess of the mail's code; null when it has none. */
  code: string | null;
  /** The mail's action link; null when it has none. */
  actionLink: { url: string; kind: ActionLinkKind; host: string } | null;
}

/** Only absolute http(s) URLs are ever put in a link of the page. */
function httpUrl(url: string): URL | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

export function extractionView(extraction: Extraction): ExtractionView {
  // The extractor puts the action link first; a first link of another kind means there is none.
  const first = extraction.links[0];
  const url = first && actionKinds.includes(first.kind) ? httpUrl(first.url) : undefined;
  return {
    code: extraction.codes[0]?.value ?? null,
    actionLink: url && first ? { url: url.href, kind: first.kind as ActionLinkKind, host: url.host } : null,
  };
}
