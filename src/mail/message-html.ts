// Received HTML mail made safe to show in the web UI: sanitize-html with an allowlist of the
// formatting and layout markup mail uses, links that open in a new browsing context, images that
// come from the message itself (cid:), data: URLs or remote http(s) URLs. The result is a
// standalone document meant for a sandboxed iframe, sent with the CSP of messageDocumentCsp
// (src/web/csp.ts), which blocks scripts, forms and every load the sanitiser missed, and remote
// images unless the reader asked for them (tracking pixels). Being the same for every reader and
// every view, the document is made once, when the message arrives, in a worker (html-work.ts).
import sanitizeHtml from 'sanitize-html';

export interface MessageHtmlOptions {
  /**
   * URL of an inline part by its Content-ID (without <>), or undefined if the message has none.
   * Relative to the document's own URL, so that one document serves every recipient's copy.
   */
  inlinePartUrl(contentId: string): string | undefined;
}

const allowedTags = [
  'a',
  'abbr',
  'acronym',
  'address',
  'article',
  'aside',
  'b',
  'bdi',
  'bdo',
  'big',
  'blockquote',
  'br',
  'caption',
  'center',
  'cite',
  'code',
  'col',
  'colgroup',
  'dd',
  'del',
  'details',
  'dfn',
  'div',
  'dl',
  'dt',
  'em',
  'figcaption',
  'figure',
  'font',
  'footer',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'hr',
  'i',
  'img',
  'ins',
  'kbd',
  'li',
  'main',
  'mark',
  'nav',
  'ol',
  'p',
  'pre',
  'q',
  's',
  'samp',
  'section',
  'small',
  'span',
  'strike',
  'strong',
  // Kept only to be lifted out by exclusiveFilter, cleaned by sanitizeStyleSheet and put in <head>.
  'style',
  'sub',
  'summary',
  'sup',
  'table',
  'tbody',
  'td',
  'tfoot',
  'th',
  'thead',
  'time',
  'tr',
  'tt',
  'u',
  'ul',
  'var',
  'wbr',
];

// Disallowed elements whose content goes too, not just the tag: code, raw text, form controls'
// values, and fallback or foreign content that would otherwise turn up as stray text.
const nonTextTags = [
  'script',
  'style',
  'textarea',
  'option',
  'select',
  'xmp',
  'title',
  'noscript',
  'noembed',
  'noframes',
  'template',
  'svg',
  'math',
  'iframe',
  'frameset',
  'object',
  'applet',
  'embed',
];

const allowedAttributes: Record<string, string[]> = {
  '*': [
    'style',
    'class',
    'id',
    'align',
    'valign',
    'width',
    'height',
    'bgcolor',
    'color',
    'border',
    'dir',
    'lang',
    'title',
    'role',
    'aria-*',
  ],
  a: ['href', 'name', 'target', 'rel'],
  img: ['src', 'alt', 'hspace', 'vspace'],
  table: ['cellpadding', 'cellspacing', 'background', 'summary', 'frame', 'rules'],
  tr: ['background'],
  td: ['colspan', 'rowspan', 'nowrap', 'background', 'scope', 'headers'],
  th: ['colspan', 'rowspan', 'nowrap', 'background', 'scope', 'headers'],
  div: ['background'],
  font: ['face', 'size', 'color'],
  ol: ['start', 'type', 'reversed'],
  ul: ['type'],
  li: ['value', 'type'],
  col: ['span'],
  colgroup: ['span'],
  hr: ['size', 'noshade'],
  time: ['datetime'],
  del: ['datetime'],
  ins: ['datetime'],
  details: ['open'],
  style: ['media'],
};

/** Tags whose `background` attribute is an image URL we handle like <img src>. */
const backgroundTags = new Set(['table', 'tr', 'td', 'th', 'div']);

// A CSS value in a style attribute: nothing that loads a URL or runs code, and none of the
// characters that could end the declaration or hide something from this check (escapes).
const safeCssValue =
  /^(?![\s\S]*(?:url|expression|image|image-set|src|cross-fade|element|paint)\s*\()(?![\s\S]*(?:javascript|vbscript)\s*:)[^\\<>{};@]*$/i;

const styleProperties = [
  'color',
  'background',
  'background-color',
  'font',
  'font-family',
  'font-size',
  'font-style',
  'font-variant',
  'font-weight',
  'line-height',
  'letter-spacing',
  'word-spacing',
  'text-align',
  'text-decoration',
  'text-decoration-color',
  'text-decoration-line',
  'text-decoration-style',
  'text-indent',
  'text-overflow',
  'text-shadow',
  'text-transform',
  'white-space',
  'word-break',
  'word-wrap',
  'overflow-wrap',
  'vertical-align',
  'direction',
  'margin',
  'margin-top',
  'margin-right',
  'margin-bottom',
  'margin-left',
  'padding',
  'padding-top',
  'padding-right',
  'padding-bottom',
  'padding-left',
  'border',
  'border-top',
  'border-right',
  'border-bottom',
  'border-left',
  'border-color',
  'border-style',
  'border-width',
  'border-top-color',
  'border-top-style',
  'border-top-width',
  'border-right-color',
  'border-right-style',
  'border-right-width',
  'border-bottom-color',
  'border-bottom-style',
  'border-bottom-width',
  'border-left-color',
  'border-left-style',
  'border-left-width',
  'border-radius',
  'border-top-left-radius',
  'border-top-right-radius',
  'border-bottom-left-radius',
  'border-bottom-right-radius',
  'border-collapse',
  'border-spacing',
  'box-shadow',
  'box-sizing',
  'width',
  'height',
  'min-width',
  'max-width',
  'min-height',
  'max-height',
  'display',
  'float',
  'clear',
  'overflow',
  'overflow-x',
  'overflow-y',
  'visibility',
  'opacity',
  'table-layout',
  'caption-side',
  'empty-cells',
  'list-style',
  'list-style-type',
  'list-style-position',
  'outline',
];

const allowedStyles = { '*': Object.fromEntries(styleProperties.map((p) => [p, [safeCssValue]])) };

const defaultStyle =
  'body{margin:8px;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;' +
  'line-height:1.4;overflow-wrap:break-word}img{max-width:100%}pre{white-space:pre-wrap}';

/** A complete, standalone HTML document for the message body, safe for a sandboxed iframe. */
export function renderMessageDocument(
  html: string,
  options: MessageHtmlOptions,
): { document: string; remoteImages: number } {
  // Remote images are kept (the CSP decides whether they load) and counted, so that the reader
  // can be offered to show them.
  let remoteImages = 0;
  const styleSheets: string[] = [];

  /** An image URL as it may be shown (remote ones counted), or undefined. */
  function imageUrl(raw: string): string | undefined {
    const url = urlAsBrowserSeesIt(raw);
    const scheme = schemeOf(url);
    if (scheme === 'cid') return inlinePartUrl(url);
    if (scheme === 'data') return /^data:image\//i.test(url) ? url : undefined;
    const remote = remoteUrl(url, scheme);
    if (remote !== undefined) remoteImages++;
    return remote;
  }

  function inlinePartUrl(cidUrl: string): string | undefined {
    let contentId = cidUrl.slice('cid:'.length);
    try {
      contentId = decodeURIComponent(contentId);
    } catch {
      // Not percent-encoded after all: use it as it is.
    }
    contentId = contentId.replace(/^<(.*)>$/, '$1');
    return contentId ? options.inlinePartUrl(contentId) : undefined;
  }

  function cssUrl(raw: string): string | undefined {
    const url = urlAsBrowserSeesIt(raw);
    const scheme = schemeOf(url);
    if (scheme === 'cid') return inlinePartUrl(url);
    if (scheme === 'data') return url;
    return undefined;
  }

  const transformTags: Record<string, sanitizeHtml.Transformer> = {
    a(tagName, attribs) {
      const { href, target, rel, ...rest } = attribs;
      const url = href === undefined ? undefined : linkUrl(href);
      if (url === undefined) return { tagName, attribs: rest };
      return { tagName, attribs: { ...rest, href: url, target: '_blank', rel: 'noopener noreferrer' } };
    },
    img(tagName, attribs) {
      const { src, srcset, ...rest } = attribs;
      const url = src === undefined ? undefined : imageUrl(src);
      // An <img> left without src is removed by exclusiveFilter. (Renaming it to a disallowed tag
      // instead would leave the rename behind for the next closing tag at the same depth.)
      if (url === undefined) return { tagName, attribs: {} };
      return { tagName, attribs: { ...rest, src: url } };
    },
    // The message's <body> becomes a <div>, keeping its background and styles.
    body(_tagName, { bgcolor, ...attribs }) {
      if (bgcolor && /^#?[a-z0-9]+$/i.test(bgcolor)) {
        attribs.style = `background-color:${bgcolor};${attribs.style ?? ''}`;
      }
      return { tagName: 'div', attribs };
    },
    '*'(tagName, attribs) {
      if (attribs.background === undefined || !backgroundTags.has(tagName)) return { tagName, attribs };
      const { background, ...rest } = attribs;
      const url = imageUrl(background);
      if (url === undefined) return { tagName, attribs: rest };
      return { tagName, attribs: { ...rest, background: url } };
    },
  };

  const body = sanitizeHtml(html, {
    allowedTags,
    allowVulnerableTags: true,
    nonTextTags,
    allowedAttributes,
    allowedStyles,
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: Object.fromEntries(
      ['img', ...backgroundTags].map((tag) => [tag, ['http', 'https', 'data']]),
    ),
    allowProtocolRelative: false,
    disallowedTagsMode: 'discard',
    enforceHtmlBoundary: false,
    transformTags,
    exclusiveFilter(frame) {
      if (frame.tag === 'img') return !frame.attribs.src;
      if (frame.tag !== 'style') return false;
      // The raw text of the <style> element: cleaned and moved to <head>, its place left empty.
      const media = frame.attribs.media;
      const css = sanitizeStyleSheet(frame.text, cssUrl);
      styleSheets.push(
        media ? `<style media="${escapeAttribute(media)}">${css}</style>` : `<style>${css}</style>`,
      );
      return true;
    },
  });

  const document =
    '<!doctype html><html><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">' +
    `<base target="_blank"><style>${defaultStyle}</style>${styleSheets.join('')}</head>` +
    `<body>${body}</body></html>`;
  return { document, remoteImages };
}

/** A link target as it may be shown (http, https, mailto), or undefined. */
function linkUrl(raw: string): string | undefined {
  const url = urlAsBrowserSeesIt(raw);
  const scheme = schemeOf(url);
  if (scheme === 'mailto') return url;
  return remoteUrl(url, scheme);
}

/** An absolute http(s) URL (a scheme-relative one made https), or undefined. */
function remoteUrl(url: string, scheme: string | undefined): string | undefined {
  if (scheme === 'http' || scheme === 'https') return url;
  if (scheme === undefined && url.startsWith('//') && !url.startsWith('///')) return `https:${url}`;
  return undefined;
}

/** A URL as the browser's URL parser takes it: ASCII tab and newlines removed everywhere, and
 *  C0 controls and spaces trimmed from both ends. */
function urlAsBrowserSeesIt(raw: string): string {
  let url = '';
  for (const char of raw) {
    if (char !== '\t' && char !== '\n' && char !== '\r') url += char;
  }
  let start = 0;
  let end = url.length;
  while (start < end && url.charCodeAt(start) <= 0x20) start++;
  while (end > start && url.charCodeAt(end - 1) <= 0x20) end--;
  return url.slice(start, end);
}

function schemeOf(url: string): string | undefined {
  return /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const placeholder = '\u0000';

/**
 * The text of a <style> element with everything that could load something removed: @import,
 * url() other than data: and inline parts (rewritten), the functions that take a URL as a string
 * (image-set() …), expression(), and legacy script bindings. CSS escapes and comments are
 * resolved first, so that `u\72l(` or `@im\70ort` cannot hide from the checks, and every
 * removal leaves a space, so no two pieces can join into a new token. `<` is escaped on the way
 * out, so the text can never end the element.
 */
function sanitizeStyleSheet(css: string, rewriteUrl: (url: string) => string | undefined): string {
  let text = css.replaceAll(placeholder, '\uFFFD');
  text = text.replace(/\/\*[\s\S]*?(?:\*\/|$)/g, ' ');
  text = text.replace(
    /\\(?:([0-9a-fA-F]{1,6})[ \t\n\r\f]?|([\s\S]))/g,
    (_match, hex: string, char: string) => {
      if (hex !== undefined) {
        const code = Number.parseInt(hex, 16);
        const valid = code !== 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff);
        const decoded = valid ? String.fromCodePoint(code) : '\uFFFD';
        return decoded === '\\' ? ' ' : decoded;
      }
      // An escaped newline continues a string; an escaped backslash must not start a new escape.
      return char === '\n' || char === '\r' || char === '\f' || char === '\\' ? ' ' : char;
    },
  );
  text = text.replaceAll('\\', ' ');

  const kept: string[] = [];
  text = text.replace(
    /url\(\s*(?:"([^"]*)"|'([^']*)'|([^\s"'()]*))\s*\)/gi,
    (_match, double?: string, single?: string, bare?: string) => {
      const url = rewriteUrl(double ?? single ?? bare ?? '');
      if (url === undefined) return ' none ';
      kept.push(`url("${url.replace(/["\\\n\r\f]/g, (c) => encodeURIComponent(c))}")`);
      return `${placeholder}${kept.length - 1}${placeholder}`;
    },
  );
  text = text
    .replace(/@import[^;]*;?/gi, ' ')
    .replace(/(?:url|expression|image|image-set|src|cross-fade|element|paint)\s*\(/gi, ' blocked(')
    .replace(/(?:behavior|-moz-binding)\s*:/gi, ' blocked:')
    .replace(/(?:javascript|vbscript)\s*:/gi, ' blocked:');
  text = text.replace(new RegExp(`${placeholder}(\\d+)${placeholder}`, 'g'), (_match, index: string) => {
    return kept[Number(index)] ?? ' none ';
  });
  return text.replaceAll('<', '\\3c ');
}
