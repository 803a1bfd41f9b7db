// The height of a message's HTML frame. The frame's document is sandboxed into an opaque
// origin and runs no script, so this page cannot read its height and the document cannot
// report it (postMessage needs a script). Instead the page reads the same document as data:
// parsed by DOMParser (inert: nothing in it runs or loads), its text is taken with a line
// break at every block (paragraph, heading, list item, table row…) and laid out unseen at the
// frame's width in the frame document's font and line height (message-html.ts), plus the
// heights its pictures declare. The frame takes that height: a short message gets a short
// frame, a long one a long frame. Only text enters this page, never the message's markup.
// Where the estimate falls short (unsized pictures, wide tables) the frame scrolls, and its
// lower corner can be dragged to make it taller (CSS resize).

/** Documents larger than this are not read twice: the frame keeps its default height. */
const maxDocumentLength = 2_000_000;
/** Only the start of a very long text is laid out: the frame scrolls past this anyway. */
const maxTextLength = 50_000;
const minHeight = 64;
const maxHeight = 6_000;
/** The frame document's body margin (message-html.ts), above and below. */
const bodyMargin = 8;
const slack = 12;

/** Elements that start a line of their own. */
const blocks = new Set(
  'ADDRESS ARTICLE ASIDE BLOCKQUOTE CENTER DD DIV DL DT FIGCAPTION FIGURE FOOTER H1 H2 H3 H4 H5 H6 HEADER HR LI MAIN NAV OL P PRE SECTION TABLE TR UL'.split(
    ' ',
  ),
);
/** Blocks laid out again under their own name, so they get the sizes and margins the frame gives them. */
const kept = new Set('P H1 H2 H3 H4 H5 H6 PRE BLOCKQUOTE'.split(' '));

interface Block {
  tag: string;
  text: string;
}

interface Measure {
  blocks: Block[];
  /** Heights declared by the pictures (`height` attribute), in CSS pixels. */
  pictures: number;
}

/** The document's text, block by block (nesting flattened), and its pictures' heights. */
function measureOf(body: HTMLElement): Measure {
  const out: Block[] = [];
  let text = '';
  let length = 0;
  let pictures = 0;
  const flush = (tag: string) => {
    // A block of spaces only takes no room; no-break spaces do.
    if (text.replace(/[ \n]/g, '') !== '' && length < maxTextLength) {
      out.push({ tag: kept.has(tag) ? tag : 'DIV', text });
      length += text.length;
    }
    text = '';
  };
  const walk = (node: Node, pre: boolean): void => {
    if (node.nodeType === Node.TEXT_NODE) {
      text += pre ? (node.textContent ?? '') : (node.textContent ?? '').replace(/[ \t\r\n]+/g, ' ');
      return;
    }
    if (!(node instanceof Element)) return;
    const tag = node.tagName;
    if (tag === 'HEAD' || tag === 'STYLE' || tag === 'TITLE') return;
    if (tag === 'BR') {
      text += '\n';
      return;
    }
    if (tag === 'IMG') {
      const height = Number(node.getAttribute('height'));
      if (Number.isFinite(height) && height > 0) pictures += Math.min(height, 2_000);
      return;
    }
    const block = blocks.has(tag);
    if (block) flush('DIV');
    for (const child of node.childNodes) walk(child, pre || tag === 'PRE');
    if (block) flush(tag);
  };
  walk(body, false);
  flush('DIV');
  return { blocks: out, pictures };
}

/** The height of the frame document at `width` (its body's margins included), laid out as the frame would. */
function textHeight(blocks: Block[], width: number): number {
  const twin = document.createElement('div');
  twin.className = 'frame-twin';
  twin.setAttribute('aria-hidden', 'true');
  twin.style.width = `${Math.max(0, width - 2 * bodyMargin)}px`;
  for (const block of blocks) {
    const element = document.createElement(block.tag);
    element.textContent = block.text;
    twin.append(element);
  }
  document.body.append(twin);
  // The twin (positioned, so its own formatting context) includes the outer margins of its
  // first and last blocks; in the frame they collapse with the body's margin, the larger wins.
  const margin = (el: Element | null, side: 'marginTop' | 'marginBottom') =>
    el ? Number.parseFloat(getComputedStyle(el)[side]) || 0 : 0;
  const height =
    twin.offsetHeight +
    Math.max(0, bodyMargin - margin(twin.firstElementChild, 'marginTop')) +
    Math.max(0, bodyMargin - margin(twin.lastElementChild, 'marginBottom'));
  twin.remove();
  return height;
}

/** Sizes `box` (the frame's resizable wrapper) to the message document at `url`; marks it `data-fitted`. */
export async function fitFrameToMessage(box: HTMLElement, url: string): Promise<void> {
  const response = await fetch(url, { headers: { accept: 'text/html' } });
  const length = Number(response.headers.get('content-length') ?? 0);
  if (!response.ok || length > maxDocumentLength) return;
  const source = await response.text();
  // Another message was opened meanwhile, or the text view is shown (no width to lay out at).
  if (source.length > maxDocumentLength || !box.isConnected || box.clientWidth === 0) return;
  const parsed = new DOMParser().parseFromString(source, 'text/html');
  const { blocks: measured, pictures } = measureOf(parsed.body);
  // Borders of the box, on top of what the document needs.
  const borders = box.offsetHeight - box.clientHeight;
  // Half a line more, for rounding and the odd difference in wrapping, so that a message the
  // estimate fits does not scroll by a pixel or two.
  const needed = textHeight(measured, box.clientWidth) + pictures + borders + slack;
  box.style.height = `${Math.min(maxHeight, Math.max(minHeight, Math.ceil(needed)))}px`;
  box.dataset.fitted = '';
}
