// Helpers the page scripts share. No side effects here: every script bundles this file.

/** The page's data block, written by the server as JSON. */
export function pageData<T>(): T | undefined {
  const block = document.getElementById('page-data');
  return block?.textContent ? (JSON.parse(block.textContent) as T) : undefined;
}

export function csrfToken(): string {
  return document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? '';
}

export function interpolate(text: string, params: Record<string, string | number> = {}): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    params[name] === undefined ? whole : String(params[name]),
  );
}

/** Puts text on the clipboard, with a fallback where the Clipboard API is refused. */
export async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // Clipboard API refused (e.g. not a secure context): select a temporary field and copy.
    const field = document.createElement('textarea');
    field.value = text;
    document.body.append(field);
    field.select();
    document.execCommand('copy');
    field.remove();
  }
}

/**
 * A left-to-right fragment (address, URL) for text of either direction, isolated as the
 * pages' `ltr()` does: `<bdi dir="ltr">`.
 */
export function ltrText(text: string): HTMLElement {
  const bdi = document.createElement('bdi');
  bdi.dir = 'ltr';
  bdi.textContent = text;
  return bdi;
}
