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
const reference = /&(?:#[xX]([0-9a-fA-F]{1,6})|#([0-9]{1,7})|([A-Za-z][A-Za-z0-9]{1,31}));?/g;

function fromCodePoint(code: number): string {
  return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff)
    ? String.fromCodePoint(code)
    : '\uFFFD';
}

/** `text` with its character references decoded. */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(reference, (match, hex?: string, dec?: string, name?: string) => {
    if (hex) return fromCodePoint(Number.parseInt(hex, 16));
    if (dec) return fromCodePoint(Number(dec));
    // Named references need their `;` except the legacy few (`&amp` in old href attributes).
    const value = name ? named.get(name) : undefined;
    if (value === undefined) return match;
    if (match.endsWith(';') || ['amp', 'lt', 'gt', 'quot', 'nbsp'].includes(name ?? '')) {
      return match.endsWith(';') ? value : value + match.slice(1 + (name?.length ?? 0));
    }
    return match;
  });
}
