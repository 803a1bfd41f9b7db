// HTML built from tagged templates: every interpolated value is escaped unless it is already
// SafeHtml, so a page cannot forget to escape a subject line or an address.

export class SafeHtml {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
  toString(): string {
    return this.value;
  }
}

const escapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => escapes[c] as string);
}

/** Trusted markup (our own templates), inserted as is. */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

type Interpolation = SafeHtml | string | number | boolean | null | undefined | Interpolation[];

function render(value: Interpolation): string {
  if (value === null || value === undefined || value === false || value === true) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? '');
  return new SafeHtml(out);
}

/** JSON for a `<script type="application/json">` data block: `<` is escaped so it cannot end the block. */
export function jsonData(value: unknown): SafeHtml {
  return new SafeHtml(JSON.stringify(value).replace(/</g, '\\u003c'));
}

/**
 * A left-to-right fragment (address, URL, key, header, path, code) inside text of either
 * direction. `<bdi dir="ltr">` isolates it: in an Arabic sentence its neutral characters
 * (`<`, `/`, `:`, `.`) stay where they are written instead of being reordered with the
 * right-to-left text around it, and the block keeps the page's alignment.
 */
export function ltr(text: Interpolation): SafeHtml {
  return html`<bdi dir="ltr">${text}</bdi>`;
}

/** Code (a header, a path, a placeholder) inside a sentence: monospaced and isolated as `ltr`. */
export function ltrCode(text: Interpolation): SafeHtml {
  return html`<code dir="ltr">${text}</code>`;
}

/**
 * A translated sentence as markup: its text escaped, each `{name}` replaced by `params[name]`
 * (escaped too, unless it is SafeHtml such as an `ltr` fragment).
 */
export function phrase(text: string, params: Record<string, Interpolation> = {}): SafeHtml {
  const parts = text.split(/\{(\w+)\}/);
  return new SafeHtml(
    parts.map((part, i) => (i % 2 === 0 ? escapeHtml(part) : render(params[part] ?? `{${part}}`))).join(''),
  );
}

/**
 * Reference text (the OpenAPI descriptions) with its backtick `code` spans shown as isolated
 * `<code>`; left-to-right marks written around them for plain-text readers are dropped.
 */
export function withCodeSpans(text: string): SafeHtml {
  return new SafeHtml(
    text
      .split(/\u200e?`([^`]+)`\u200e?/)
      .map((part, i) => (i % 2 === 0 ? escapeHtml(part) : ltrCode(part.trim()).value))
      .join(''),
  );
}
