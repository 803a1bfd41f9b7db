// Behaviour of the docs page: the code samples of each endpoint become tabs (curl, JavaScript,
// Python, PHP) with the chosen language remembered for every endpoint and the next visit, and
// each sample gets a copy button. Without this script every sample is shown, one after another.
import { copyText } from './common.ts';

const storageKey = 'burnbox.docs.sampleLang';

function savedLang(): string | null {
  try {
    return localStorage.getItem(storageKey);
  } catch {
    return null; // storage disabled
  }
}

function saveLang(lang: string): void {
  try {
    localStorage.setItem(storageKey, lang);
  } catch {
    // storage disabled: the choice lasts for this page only
  }
}

interface SampleGroup {
  tabs: HTMLButtonElement[];
  panels: HTMLElement[];
}

const groups: SampleGroup[] = [];

/** Shows `lang` in one group (or its first sample when it has no such language). */
function showIn(group: SampleGroup, lang: string): void {
  const index = Math.max(
    0,
    group.panels.findIndex((panel) => panel.dataset.sample === lang),
  );
  group.tabs.forEach((tab, i) => {
    tab.setAttribute('aria-selected', String(i === index));
    tab.tabIndex = i === index ? 0 : -1;
  });
  group.panels.forEach((panel, i) => {
    panel.hidden = i !== index;
  });
}

/** Shows `lang` everywhere, keeping `anchor` (the tab just used) where it was on screen. */
function select(lang: string, anchor?: HTMLElement): void {
  const before = anchor?.getBoundingClientRect().top;
  for (const group of groups) showIn(group, lang);
  if (anchor && before !== undefined) window.scrollBy(0, anchor.getBoundingClientRect().top - before);
  saveLang(lang);
}

function copyButton(container: HTMLElement, code: HTMLElement): HTMLButtonElement {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'button copy-button';
  const label = container.dataset.copyLabel ?? 'Copy';
  button.textContent = label;
  button.addEventListener('click', async () => {
    await copyText(code.textContent ?? '');
    button.textContent = container.dataset.copiedLabel ?? '✓';
    button.dataset.state = 'copied';
    setTimeout(() => {
      button.textContent = label;
      delete button.dataset.state;
    }, 1500);
  });
  return button;
}

function onKey(event: KeyboardEvent, group: SampleGroup, index: number): void {
  const rtl = getComputedStyle(group.tabs[index] as HTMLElement).direction === 'rtl';
  const step: Record<string, number> = {
    ArrowRight: rtl ? -1 : 1,
    ArrowLeft: rtl ? 1 : -1,
  };
  let next: number;
  if (event.key in step) next = (index + (step[event.key] as number) + group.tabs.length) % group.tabs.length;
  else if (event.key === 'Home') next = 0;
  else if (event.key === 'End') next = group.tabs.length - 1;
  else return;
  event.preventDefault();
  const tab = group.tabs[next] as HTMLButtonElement;
  select(tab.dataset.sample ?? '', tab);
  tab.focus();
}

function enhance(container: HTMLElement): void {
  const panels = [...container.querySelectorAll<HTMLElement>(':scope > [data-sample]')];
  if (panels.length === 0) return;
  const tablist = document.createElement('div');
  tablist.className = 'tabs';
  tablist.setAttribute('role', 'tablist');
  tablist.setAttribute('aria-label', container.dataset.tablistLabel ?? '');
  const group: SampleGroup = { tabs: [], panels };
  panels.forEach((panel, index) => {
    const tab = document.createElement('button');
    tab.type = 'button';
    tab.className = 'tab';
    tab.id = `${panel.id}-tab`;
    tab.dataset.sample = panel.dataset.sample;
    tab.textContent = panel.dataset.label ?? panel.dataset.sample ?? '';
    tab.setAttribute('role', 'tab');
    tab.setAttribute('aria-controls', panel.id);
    tab.addEventListener('click', () => select(tab.dataset.sample ?? '', tab));
    tab.addEventListener('keydown', (event) => onKey(event, group, index));
    tablist.append(tab);
    group.tabs.push(tab);

    panel.setAttribute('role', 'tabpanel');
    panel.setAttribute('aria-labelledby', tab.id);
    panel.tabIndex = 0;
    const label = panel.querySelector<HTMLElement>('[data-sample-label]');
    if (label) label.hidden = true;
    const code = panel.querySelector<HTMLElement>('code');
    if (code) panel.prepend(copyButton(container, code));
  });
  container.prepend(tablist);
  groups.push(group);
}

for (const container of document.querySelectorAll<HTMLElement>('[data-samples]')) enhance(container);
const initial = savedLang() ?? groups[0]?.panels[0]?.dataset.sample ?? '';
for (const group of groups) showIn(group, initial);

// Another tab of the docs changed the language: follow it.
window.addEventListener('storage', (event) => {
  if (event.key === storageKey && event.newValue) for (const group of groups) showIn(group, event.newValue);
});
