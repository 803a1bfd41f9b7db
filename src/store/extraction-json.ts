// How both backends keep a mail's codes and links: two JSON text columns of `mails` (NULL: not
// read yet), written and read the same way, so that a copy from one backend to the other moves them unchanged.
import type { Extraction } from '../mail/extract/types.ts';

export interface ExtractionColumns {
  codes: string;
  links: string;
}

export function toExtractionColumns(extraction: Extraction): ExtractionColumns {
  return { codes: JSON.stringify(extraction.codes), links: JSON.stringify(extraction.links) };
}

/** The columns of a mail whose codes and links were not read yet (stored before they were kept). */
export interface UnreadExtractionColumns {
  codes: null;
  links: null;
}

/** Undefined for a mail not read yet. */
export function fromExtractionColumns(
  row: ExtractionColumns | UnreadExtractionColumns,
): Extraction | undefined {
  if (row.codes === null || row.links === null) return undefined;
  return { codes: JSON.parse(row.codes), links: JSON.parse(row.links) };
}
