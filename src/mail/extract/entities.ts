// HTML character references, decoded without a dependency: numeric ones, and the named ones mail
// templates use (the Latin-1 set and common typography). Unknown names are left as written.

const latin1Names =
  'nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr deg plusmn sup2 sup3 acute micro para middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest Agrave Aacute Acirc Atilde Auml Aring AElig Ccedil Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times Oslash Ugrave Uacute Ucirc Uuml Yacute THORN szlig agrave aacute acirc atilde auml aring aelig ccedil egrave eacute ecirc euml igrave iacute icirc iuml eth ntilde ograve oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml yacute thorn yuml'.split(
    ' ',
  );

const named = new Map<string, string>([
  ['amp', '&'],
  ['lt', '<'],
  ['gt', '>'],
  ['quot', '"'],
  ['apos', "'"],
  ['ensp', ' '],
  ['emsp', ' '],
  ['thinsp', ' '],
  ['zwnj', ''],
  ['zwj', ''],
  ['lrm', ''],
  ['rlm', ''],
  ['ndash', '–'],
  ['mdash', '—'],
  ['lsquo', '‘'],
  ['rsquo', '’'],
  ['sbquo', '‚'],
  ['ldquo', '“'],
  ['rdquo', '”'],
  ['bdquo', '„'],
  ['bull', '•'],
  ['hellip', '…'],
  ['trade', '™'],
  ['euro', '€'],
  ['larr', '←'],
  ['rarr', '→'],
  ['oelig', 'œ'],
  ['OElig', 'Œ'],
  ['scaron', 'š'],
  ['Scaron', 'Š'],
  ['dagger', '†'],
  ['minus', '−'],
]);
latin1Names.forEach((name, i) => {
  named.set(name, String.fromCharCode(160 + i));
});

// Bounded: a reference is at most 32 characters, so a run of `&` costs linear time.
const reference = /&(?:#[xX]([0-9a-fA-F]{1,6})|#([0-9]{1,7})|([A-Za-z][A-Za-z0-9]{1,31}));?/y;

function fromCodePoint(code: number): string {
  return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff)
    ? String.fromCodePoint(code)
    : '\uFFFD';
}

/** The text a reference stands for, or the reference as written when it stands for none. */
function decoded(match: string, hex?: string, dec?: string, name?: string): string {
  if (hex) return fromCodePoint(Number.parseInt(hex, 16));
  if (dec) return fromCodePoint(Number(dec));
  // Named references need their `;` except the legacy few (`&amp` in old href attributes).
  const value = name ? named.get(name) : undefined;
  if (value === undefined) return match;
  if (match.endsWith(';') || ['amp', 'lt', 'gt', 'quot', 'nbsp'].includes(name ?? '')) {
    return match.endsWith(';') ? value : value + match.slice(1 + (name?.length ?? 0));
  }
  return match;
}

/** `text` with its character references decoded. */
export function decodeEntities(text: string): string {
  let amp = text.indexOf('&');
  if (amp < 0) return text;
  // From one `&` to the next, trying the reference pattern only there (a replace with a callback
  // per match costs more than the decoding itself).
  let out = '';
  let copied = 0;
  while (amp >= 0) {
    // `&amp;`, the one reference of most URLs in href attributes.
    if (text.startsWith('amp;', amp + 1)) {
      out += `${text.slice(copied, amp)}&`;
      copied = amp + 5;
      amp = text.indexOf('&', copied);
      continue;
    }
    reference.lastIndex = amp;
    const m = reference.exec(text);
    if (m) {
      out += text.slice(copied, amp) + decoded(m[0], m[1], m[2], m[3]);
      copied = amp + m[0].length;
      amp = text.indexOf('&', copied);
    } else {
      amp = text.indexOf('&', amp + 1);
    }
  }
  return copied === 0 ? text : out + text.slice(copied);
}
