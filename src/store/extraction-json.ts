// How both backends keep a mail's codes and links: two JSON text columns, written and read the
// same way, so that a copy from one backend to the other moves them unchanged.
import type { Extraction } from '../mail/extract/types.ts';

export interface ExtractionColumns {
  codes: string;
  links: string;
}

export function toExtractionColumns(extraction: Extraction): ExtractionColumns {
  return { codes: JSON.stringify(extraction.codes), links: JSON.stringify(extraction.links) };
}

export function fromExtractionColumns(row: ExtractionColumns): Extraction {
  return { codes: JSON.parse(row.codes), links: JSON.parse(row.links) };
}
