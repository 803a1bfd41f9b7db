// A bounded, non-recursive reading of mail HTML into lines of text (one per block: paragraph,
// table row, heading, line break), with the spans set in emphasis (bold, big, spaced or monospace
// type, where templates put a code) and the anchors (href, their text, where they stand).
// One pass with indexOf over at most maxInputChars: no regex over the whole document, no tree,
// no recursion, so hostile markup (unclosed tags, 100,000 nested divs) costs linear time.
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

const tagName = /[A-Za-z][A-Za-z0-9-]{0,30}/y;
const blank = /^\s*$/;

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

interface Attributes {
  href?: string;
  style?: string;
  alt?: string;
  size?: string;
  end: number;
  selfClosing: boolean;
}

/** Attributes of the tag whose name ends at `i`; `end` is the offset after its `>`. */
function readAttributes(html: string, i: number): Attributes {
  const attrs: Attributes = { end: html.length, selfClosing: false };
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
    const name = html.slice(nameStart, Math.min(i, nameStart + 16)).toLowerCase();
    while (i < n && /\s/.test(html[i] as string)) i++;
    let value = '';
    if (html.charCodeAt(i) === 61) {
      i++;
      while (i < n && /\s/.test(html[i] as string)) i++;
      const q = html.charCodeAt(i);
      if (q === 34 || q === 39) {
        const close = html.indexOf(q === 34 ? '"' : "'", i + 1);
        const stop = close < 0 ? n : close;
        value = html.slice(i + 1, stop);
        i = stop + 1;
      } else {
        const start = i;
        while (i < n) {
          c = html.charCodeAt(i);
          if (c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 62) break;
          i++;
        }
        value = html.slice(start, i);
      }
    }
    if (name === 'href' || name === 'style' || name === 'alt' || name === 'size') attrs[name] = value;
  }
  return attrs;
}

/** Lines, emphasis and anchors of `html` (its first maxInputChars). */
export function readHtml(input: string): HtmlReading {
  const html = input.length > maxInputChars ? input.slice(0, maxInputChars) : input;
  const lines: Line[] = [];
  const anchors: Anchor[] = [];
  const stack: Open[] = [];
  let emphasisDepth = 0;
  let line: Line = { text: '', emphasis: [] };
  let anchor: Anchor | null = null;

  const breakLine = () => {
    const text = line.text.trimEnd();
    if (text.length > 0) {
      line.text = text;
      lines.push(line);
    }
    line = { text: '', emphasis: [] };
  };
  const addText = (raw: string, emphasized: boolean) => {
    // Whitespace between tags (most text nodes of a template) adds at most one space.
    if (blank.test(raw)) {
      if (line.text.length > 0 && !line.text.endsWith(' ')) line.text += ' ';
      if (anchor && anchor.text.length > 0 && anchor.text.length < 300) anchor.text += ' ';
      return;
    }
    let text = decodeEntities(raw).replace(/\s+/g, ' ');
    if (line.text.length === 0 || line.text.endsWith(' ')) text = text.trimStart();
    if (text.length === 0) return;
    if (emphasized) line.emphasis.push(line.text.length, line.text.length + text.length);
    line.text += text;
    if (anchor && anchor.text.length < 300) anchor.text += text;
  };
  const closeAnchor = () => {
    if (!anchor) return;
    anchor.text = anchor.text.replace(/\s+/g, ' ').trim();
    if (anchors.length < maxLinkCandidates) anchors.push(anchor);
    anchor = null;
  };
  const openAnchor = (href: string) => {
    closeAnchor();
    // The anchor belongs to the line it starts on; lines are pushed when they end, so that is
    // the next index unless the current line is empty and will be dropped (same index then).
    anchor = { href: decodeEntities(href).trim(), text: '', line: lines.length, column: line.text.length };
  };

  let i = 0;
  const n = html.length;
  while (i < n) {
    const lt = html.indexOf('<', i);
    const textEnd = lt < 0 ? n : lt;
    if (textEnd > i) addText(html.slice(i, textEnd), emphasisDepth > 0);
    if (lt < 0) break;
    i = lt;
    const next = html.charCodeAt(i + 1);
    if (html.startsWith('<!--', i)) {
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
    tagName.lastIndex = closing ? i + 2 : i + 1;
    const nameMatch = tagName.exec(html);
    if (!nameMatch) {
      addText('<', emphasisDepth > 0);
      i++;
      continue;
    }
    const name = nameMatch[0].toLowerCase();
    const attrs = readAttributes(html, tagName.lastIndex);
    i = attrs.end;

    if (closing) {
      if (name === 'a') closeAnchor();
      if (blockTags.has(name)) breakLine();
      else if (cellTags.has(name)) addText(' ', false);
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

    if (rawTextTags.has(name)) {
      if (attrs.selfClosing) continue;
      // Skip to its end tag: one case-insensitive search from here, never repeated.
      const endTag = endTagPattern(name);
      endTag.lastIndex = i;
      const found = endTag.exec(html);
      i = found ? found.index + found[0].length : n;
      if (name === 'title') breakLine();
      continue;
    }
    if (blockTags.has(name)) breakLine();
    else if (cellTags.has(name)) addText(' ', false);
    if (name === 'a' && attrs.href !== undefined) openAnchor(attrs.href);
    if (name === 'img' && anchor && attrs.alt) {
      const a = anchor as Anchor;
      if (a.text.length < 300) a.text += ` ${decodeEntities(attrs.alt)} `;
    }
    if (voidTags.has(name) || attrs.selfClosing) continue;
    const emphasis =
      emphasisTags.has(name) ||
      (attrs.style !== undefined && styleEmphasis(attrs.style)) ||
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
