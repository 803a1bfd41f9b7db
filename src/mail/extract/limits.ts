// Bounds on the work of one extraction: hostile mail is ordinary mail here, so every loop and
// every regex runs over at most these many characters and candidates.

/** Characters of the text part, and of the HTML, that are read (the rest is ignored). */
export const maxInputChars = 256 * 1024;

/** Characters of the subject that are read. */
export const maxSubjectChars = 2048;

/** Links returned at most. */
export const maxLinks = 50;

/** Codes returned at most (best guess first). */
export const maxCodes = 5;

/** Candidate codes weighed at most per mail: past this, a mail is a table of numbers, not a code mail. */
export const maxCandidates = 400;

/** Anchors and bare URLs looked at, before dedupe, at most. */
export const maxLinkCandidates = 500;

/** Open elements remembered by the HTML reader (deeper nesting is read as flat text). */
export const maxOpenElements = 256;
