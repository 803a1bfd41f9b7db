// What is read out of a received mail for programs: its verification codes and action links.

/** Kinds of code: one-time passwords and their kin (PIN, passcode, verification code). */
export type CodeKind = 'otp';

/** What a link does, from its text, surroundings and URL. */
export type LinkKind = 'verify' | 'magic_link' | 'reset' | 'unsubscribe' | 'other';

export interface ExtractedCode {
  /** ASCII letters and digits, separators removed. */
  value: string;
  kind: CodeKind;
}

export interface ExtractedLink {
  /** An absolute http(s) URL, HTML entities decoded. */
  url: string;
  kind: LinkKind;
}

/** Best guess first in both lists; empty lists when the mail has none. */
export interface Extraction {
  codes: ExtractedCode[];
  links: ExtractedLink[];
}

export interface ExtractionInput {
  subject: string;
  text: string;
  html: string;
}
