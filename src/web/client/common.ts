// Behaviour every page shares: copy buttons and confirmations before destructive forms.

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

async function copy(button: HTMLButtonElement): Promise<void> {
  const text = button.dataset.copy ?? '';
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
  const label = button.textContent;
  button.textContent = button.dataset.copied ?? '✓';
  button.dataset.state = 'copied';
  setTimeout(() => {
    button.textContent = label;
    delete button.dataset.state;
  }, 1500);
}

document.addEventListener('click', (event) => {
  const button = (event.target as Element | null)?.closest<HTMLButtonElement>('button[data-copy]');
  if (button) void copy(button);
});

document.addEventListener('submit', (event) => {
  const form = event.target as HTMLFormElement;
  const question = form.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});
