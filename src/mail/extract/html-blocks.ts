// A bounded, non-recursive reading of mail HTML into lines of text (one per block: paragraph,
// table row, heading, line break), with the spans set in emphasis (bold, big, spaced or monospace
// type, where templates put a code) and the anchors (href, their text, where they stand).
// One pass with indexOf over at most maxInputChars: no regex over the whole document, no tree,
// no recursion, so hostile markup (unclosed tags, 100,000 nested divs) costs linear time.
import { type Deadline, noDeadline } from './deadline.ts';
import { decodeEntities } from './entities.ts';
import { maxInputChars, maxLinkCandidates, maxOpenElements } from './limits.ts';

export interface Line {
  text: string;
  /** [start, end) offsets of text set in emphasis. */
  emphasis: number[];
}

export interface Anchor {
  href: string;
  /** The anchor's text (and its images' alt text), whitespace collapsed. */
  text: string;
  /** Index of the line the anchor starts in, and its offset there. */
  line: number;
  column: number;
}

export interface HtmlReading {
  lines: Line[];
  anchors: Anchor[];
}

const blockTags = new Set([
  'p',
  'div',
  'br',
  'tr',
  'li',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'table',
  'ul',
  'ol',
  'blockquote',
  'pre',
  'hr',
  'center',
  'section',
  'article',
  'header',
  'footer',
  'dl',
  'dt',
  'dd',
  'form',
  'tbody',
  'thead',
  'tfoot',
  'main',
  'nav',
  'aside',
  'address',
  'figure',
  'figcaption',
  'body',
  'html',
  'title',
  'caption',
  'button',
]);
const cellTags = new Set(['td', 'th']);
const voidTags = new Set([
  'br',
  'img',
  'hr',
  'meta',
  'link',
  'input',
  'wbr',
  'col',
  'area',
  'base',
  'source',
  'track',
  'embed',
  'param',
]);
const emphasisTags = new Set(['b', 'strong', 'h1', 'h2', 'h3', 'code', 'kbd', 'tt', 'samp', 'big', 'mark']);
/** Elements whose content is not text of the mail. */
const rawTextTags = new Set(['script', 'style', 'title', 'textarea', 'xmp', 'noscript', 'template', 'svg']);

// One lookup per tag instead of one per set: what the reader does with an element.
const isBlock = 1;
const isCell = 2;
const isVoid = 4;
const isEmphasis = 8;
const isRawText = 16;
const tagKinds = new Map<string, number>();
for (const [tags, kind] of [
  [blockTags, isBlock],
  [cellTags, isCell],
  [voidTags, isVoid],
  [emphasisTags, isEmphasis],
  [rawTextTags, isRawText],
] as const) {
  for (const tag of tags) tagKinds.set(tag, (tagKinds.get(tag) ?? 0) | kind);
}

/** A tag name the reader knows, found by walking its characters: most tags are read uncopied. */
interface TagNode {
  /** By lower-cased character code. */
  next: TagNode[];
  name: string | undefined;
  kind: number;
}
function tagNode(): TagNode {
  return { next: [], name: undefined, kind: 0 };
}
const knownTags = tagNode();
for (const name of [...tagKinds.keys(), 'a', 'img', 'font', 'span', 'i', 'u', 'em', 'small']) {
  let node = knownTags;
  for (let k = 0; k < name.length; k++) {
    const c = name.charCodeAt(k);
    node.next[c] ??= tagNode();
    node = node.next[c] as TagNode;
  }
  node.name = name;
  node.kind = tagKinds.get(name) ?? 0;
}

/** The known tag named (in any case) by html[start, end), if it is one. */
function knownTag(html: string, start: number, end: number): TagNode | undefined {
  let node: TagNode | undefined = knownTags;
  for (let k = start; k < end && node; k++) {
    const c = html.charCodeAt(k);
    node = node.next[c >= 65 && c <= 90 ? c + 32 : c];
  }
  return node?.name === undefined ? undefined : node;
}

/** Whether UTF-16 unit `c` is whitespace as `\s` reads it (without a regex per character). */
function isSpace(c: number): boolean {
  if (c === 32 || (c >= 9 && c <= 13)) return true;
  if (c < 0xa0) return false;
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** Whether html[start, end) is all whitespace (most text nodes of a template), read in place. */
function isBlank(html: string, start: number, end: number): boolean {
  for (let k = start; k < end; k++) if (!isSpace(html.charCodeAt(k))) return false;
  return true;
}

/** Whether `text` has whitespace other than single spaces, which collapsing would change. */
function needsCollapse(text: string): boolean {
  let previousSpace = false;
  for (let k = 0; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (c === 32) {
      if (previousSpace) return true;
      previousSpace = true;
    } else if (isSpace(c)) return true;
    else previousSpace = false;
  }
  return false;
}

/** Letters, digits and `-`: the characters of a tag name after its first letter. */
function isNameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 45;
}

function isLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}

const endTags = new Map<string, RegExp>();
function endTagPattern(name: string): RegExp {
  let pattern = endTags.get(name);
  if (!pattern) {
    pattern = new RegExp(`</${name}\\s*>`, 'gi');
    endTags.set(name, pattern);
  }
  return pattern;
}

interface Open {
  name: string;
  emphasis: boolean;
}

/** Whether a style attribute (or font size) sets type the way templates set codes. */
function styleEmphasis(style: string): boolean {
  const s = style.toLowerCase();
  const size = /font-size\s*:\s*([0-9.]{1,6})\s*(px|pt|em|rem)?/.exec(s);
  if (size) {
    const n = Number(size[1]);
    const unit = size[2] ?? 'px';
    const px = unit === 'pt' ? n * 1.333 : unit === 'em' || unit === 'rem' ? n * 16 : n;
    if (px >= 18) return true;
  }
  if (/font-weight\s*:\s*(bold|[6-9]00)/.test(s)) return true;
  if (
    /letter-spacing\s*:\s*[0-9.]{1,6}\s*(px|pt|em)/.test(s) &&
    !/letter-spacing\s*:\s*0(px|pt|em)?\b/.test(s)
  ) {
    return true;
  }
  return /font-family\s*:[^;]{0,80}(mono|courier|consolas|menlo)/.test(s);
}

// Templates repeat the same few style attributes on every row: each is weighed once (the cache is
// bounded, and the answer depends on the style alone).
const styleVerdicts = new Map<string, boolean>();
function styleEmphasisOf(style: string): boolean {
  let verdict = styleVerdicts.get(style);
  if (verdict === undefined) {
    verdict = styleEmphasis(style);
    if (styleVerdicts.size >= 512) styleVerdicts.clear();
    if (style.length <= 256) styleVerdicts.set(style, verdict);
  }
  return verdict;
}

interface Attributes {
  href: string | undefined;
  style: string | undefined;
  alt: string | undefined;
  size: string | undefined;
  end: number;
  selfClosing: boolean;
}

/** Which of the attributes the reader keeps `html[start, end)` names (case-insensitive), if any. */
function keptAttribute(html: string, start: number, end: number): 'href' | 'style' | 'alt' | 'size' | null {
  const length = end - start;
  // Only these lengths can name a kept attribute: most names are never copied.
  if (length < 3 || length > 5) return null;
  const name = html.slice(start, end).toLowerCase();
  return name === 'href' || name === 'style' || name === 'alt' || name === 'size' ? name : null;
}

/** Attributes of the tag whose name ends at `i`; `end` is the offset after its `>`. */
function readAttributes(html: string, i: number): Attributes {
  const attrs: Attributes = {
    href: undefined,
    style: undefined,
    alt: undefined,
    size: undefined,
    end: html.length,
    selfClosing: false,
  };
  const n = html.length;
  while (i < n) {
    let c = html.charCodeAt(i);
    // whitespace and stray slashes
    while (i < n && (c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 47)) {
      if (c === 47 && html.charCodeAt(i + 1) === 62) attrs.selfClosing = true;
      c = html.charCodeAt(++i);
    }
    if (i >= n) break;
    if (c === 62) {
      attrs.end = i + 1;
      return attrs;
    }
    const nameStart = i;
    while (i < n) {
      c = html.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 47 || c === 62 || c === 61) break;
      i++;
    }
    // Names are read up to 16 characters (a longer one is none of the kept ones).
    const kept = keptAttribute(html, nameStart, Math.min(i, nameStart + 16));
    while (i < n && isSpace(html.charCodeAt(i))) i++;
    let value = '';
    if (html.charCodeAt(i) === 61) {
      i++;
      while (i < n && isSpace(html.charCodeAt(i))) i++;
      const q = html.charCodeAt(i);
      if (q === 34 || q === 39) {
        const close = html.indexOf(q === 34 ? '"' : "'", i + 1);
        const stop = close < 0 ? n : close;
        if (kept !== null) value = html.slice(i + 1, stop);
        i = stop + 1;
      } else {
        const start = i;
        while (i < n) {
          c = html.charCodeAt(i);
          if (c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 62) break;
          i++;
        }
        if (kept !== null) value = html.slice(start, i);
      }
    }
    // One store per kept name (a store under a computed key is a slower, generic one).
    if (kept === 'href') attrs.href = value;
    else if (kept === 'style') attrs.style = value;
    else if (kept === 'alt') attrs.alt = value;
    else if (kept === 'size') attrs.size = value;
  }
  return attrs;
}

/** Lines, emphasis and anchors of `html` (its first maxInputChars). */
export function readHtml(input: string, deadline: Deadline = noDeadline): HtmlReading {
  const html = input.length > maxInputChars ? input.slice(0, maxInputChars) : input;
  const lines: Line[] = [];
  const anchors: Anchor[] = [];
  const stack: Open[] = [];
  let emphasisDepth = 0;
  // The line being read: its text grows by appends and is flattened once, when the line ends;
  // whether it ends in a space is remembered rather than asked of the text (asking flattens it).
  let lineText = '';
  let lineEndsInSpace = false;
  let lineEmphasis: number[] = [];
  let anchor: Anchor | null = null;
  let lastHref: string | undefined;
  let lastHrefDecoded = '';

  const breakLine = () => {
    if (lineText.length > 0) {
      const text = lineText.trimEnd();
      if (text.length > 0) lines.push({ text, emphasis: lineEmphasis });
    }
    lineText = '';
    lineEndsInSpace = false;
    lineEmphasis = [];
  };
  // Whitespace between tags (most text nodes of a template) adds at most one space.
  const addSpace = () => {
    if (lineText.length > 0 && !lineEndsInSpace) {
      lineText += ' ';
      lineEndsInSpace = true;
    }
    if (anchor && anchor.text.length > 0 && anchor.text.length < 300) anchor.text += ' ';
  };
  const addText = (raw: string, emphasized: boolean) => {
    const decoded = decodeEntities(raw);
    let text = needsCollapse(decoded) ? decoded.replace(/\s+/g, ' ') : decoded;
    if (lineText.length === 0 || lineEndsInSpace) text = text.trimStart();
    if (text.length === 0) return;
    if (emphasized) lineEmphasis.push(lineText.length, lineText.length + text.length);
    lineText += text;
    lineEndsInSpace = text.charCodeAt(text.length - 1) === 32;
    if (anchor && anchor.text.length < 300) anchor.text += text;
  };
  const closeAnchor = () => {
    if (!anchor) return;
    anchor.text = (needsCollapse(anchor.text) ? anchor.text.replace(/\s+/g, ' ') : anchor.text).trim();
    if (anchors.length < maxLinkCandidates) anchors.push(anchor);
    anchor = null;
  };
  const openAnchor = (href: string) => {
    closeAnchor();
    // The anchor belongs to the line it starts on; lines are pushed when they end, so that is
    // the next index unless the current line is empty and will be dropped (same index then).
    // A template repeats one link on every row: its href is decoded once in a row.
    if (href !== lastHref) {
      lastHref = href;
      lastHrefDecoded = decodeEntities(href).trim();
    }
    anchor = { href: lastHrefDecoded, text: '', line: lines.length, column: lineText.length };
  };

  let i = 0;
  const n = html.length;
  while (i < n) {
    deadline.step();
    const lt = html.indexOf('<', i);
    const textEnd = lt < 0 ? n : lt;
    if (textEnd > i) {
      if (isBlank(html, i, textEnd)) addSpace();
      else addText(html.slice(i, textEnd), emphasisDepth > 0);
    }
    if (lt < 0) break;
    i = lt;
    const next = html.charCodeAt(i + 1);
    if (next === 33 && html.startsWith('<!--', i)) {
      const end = html.indexOf('-->', i + 4);
      i = end < 0 ? n : end + 3;
      continue;
    }
    if (next === 33 || next === 63) {
      // <!DOCTYPE …>, <![CDATA[…]]>, <?xml …?>
      const end = html.indexOf('>', i + 2);
      i = end < 0 ? n : end + 1;
      continue;
    }
    const closing = next === 47;
    // The tag name: a letter, then up to 30 letters, digits or dashes.
    const nameStart = closing ? i + 2 : i + 1;
    if (!isLetter(html.charCodeAt(nameStart))) {
      addText('<', emphasisDepth > 0);
      i++;
      continue;
    }
    let nameEnd = nameStart + 1;
    const nameLimit = Math.min(n, nameStart + 31);
    while (nameEnd < nameLimit && isNameChar(html.charCodeAt(nameEnd))) nameEnd++;
    // Every name in tagKinds is a known tag: any other has no kind.
    const known = knownTag(html, nameStart, nameEnd);
    const name = known ? (known.name as string) : html.slice(nameStart, nameEnd).toLowerCase();
    const kind = known ? known.kind : 0;
    const attrs = readAttributes(html, nameEnd);
    i = attrs.end;

    if (closing) {
      if (name === 'a') closeAnchor();
      if (kind & isBlock) breakLine();
      else if (kind & isCell) addSpace();
      // Pop back to the nearest open element of that name, looking only a few levels down, so
      // stray closing tags cost constant time.
      for (let k = stack.length - 1; k >= 0 && k >= stack.length - 32; k--) {
        if ((stack[k] as Open).name === name) {
          while (stack.length > k) {
            if ((stack.pop() as Open).emphasis) emphasisDepth--;
          }
          break;
        }
      }
      continue;
    }

    if (kind & isRawText) {
      if (attrs.selfClosing) continue;
      // Skip to its end tag: one case-insensitive search from here, never repeated.
      const endTag = endTagPattern(name);
      endTag.lastIndex = i;
      const found = endTag.exec(html);
      i = found ? found.index + found[0].length : n;
      if (name === 'title') breakLine();
      continue;
    }
    if (kind & isBlock) breakLine();
    else if (kind & isCell) addSpace();
    if (name === 'a' && attrs.href !== undefined) openAnchor(attrs.href);
    if (name === 'img' && anchor && attrs.alt) {
      const a = anchor as Anchor;
      if (a.text.length < 300) a.text += ` ${decodeEntities(attrs.alt)} `;
    }
    if (kind & isVoid || attrs.selfClosing) continue;
    const emphasis =
      (kind & isEmphasis) !== 0 ||
      (attrs.style !== undefined && styleEmphasisOf(attrs.style)) ||
      (name === 'font' && Number(attrs.size) >= 5);
    if (stack.length < maxOpenElements) {
      stack.push({ name, emphasis });
      if (emphasis) emphasisDepth++;
    }
  }
  closeAnchor();
  breakLine();
  return { lines, anchors };
}
