// Digits of other scripts as ASCII, and the look-alike punctuation around them as ASCII too, so
// the rules for codes are written once. Every replacement is one UTF-16 unit for one, so offsets
// into the normalised text are offsets into the original.

/** Decimal digit blocks whose zero is at these code points (Arabic-Indic, Persian, Devanagari, Bengali, full-width). */
const digitZeros = [0x0660, 0x06f0, 0x0966, 0x09e6, 0xff10];

const punctuation: Record<string, string> = {
  '\uff1a': ':', // full-width colon (Chinese, Japanese)
  '\uff0d': '-', // full-width hyphen
  '\u2010': '-', // hyphen
  '\u2011': '-', // non-breaking hyphen
  '\u2012': '-', // figure dash
  '\u2013': '-', // en dash
  '\u2212': '-', // minus sign
  '\u066b': '.', // Arabic decimal separator
  '\u066c': ',', // Arabic thousands separator
  '\uff0e': '.', // full-width full stop
  '\u00a0': ' ', // no-break space
  '\u2007': ' ', // figure space
  '\u2009': ' ', // thin space
  '\u202f': ' ', // narrow no-break space
  '\u3000': ' ', // ideographic space
  '\u200b': ' ', // zero-width space: read as a separator (removed inside codes like any other)
  '\u200e': ' ', // left-to-right mark
  '\u200f': ' ', // right-to-left mark
  '\u061c': ' ', // Arabic letter mark
  '\u2066': ' ',
  '\u2067': ' ',
  '\u2068': ' ',
  '\u2069': ' ',
  '\u202a': ' ',
  '\u202b': ' ',
  '\u202c': ' ',
  '\u202d': ' ',
  '\u202e': ' ',
  '\ufeff': ' ',
};

const foreign =
  /[\u0660-\u0669\u06f0-\u06f9\u0966-\u096f\u09e6-\u09ef\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\uff1a\uff0d\u2010-\u2013\u2212\u066b\u066c\uff0e\u00a0\u2007\u2009\u202f\u3000\u200b\u200e\u200f\u061c\u2066-\u2069\u202a-\u202e\ufeff]/g;

function toAscii(ch: string): string {
  const c = ch.charCodeAt(0);
  for (const zero of digitZeros) {
    if (c >= zero && c <= zero + 9) return String.fromCharCode(48 + c - zero);
  }
  // Full-width Latin letters (codes like Ａ７Ｋ９２Ｘ).
  if (c >= 0xff21 && c <= 0xff3a) return String.fromCharCode(65 + c - 0xff21);
  if (c >= 0xff41 && c <= 0xff5a) return String.fromCharCode(97 + c - 0xff41);
  return punctuation[ch] ?? ch;
}

/** `text` with digits of any supported script as ASCII digits, same length. */
export function normalizeDigits(text: string): string {
  return text.replace(foreign, toAscii);
}
