// Behaviour every page shares (loaded once per page): copy buttons, confirmations before
// destructive forms, and the page's own address after a refused form (see layout.ts).
import { copyText } from './common.ts';

async function copy(button: HTMLButtonElement): Promise<void> {
  await copyText(button.dataset.copy ?? '');
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

const address = document.querySelector<HTMLMetaElement>('meta[name="page-address"]')?.content;
if (address && address !== location.pathname) history.replaceState(null, '', address + location.hash);
