// The live inbox: renders the message list from the page data, keeps it current over the
// mailbox's event stream (reconnecting and catching up by itself), counts down the expiry,
// and shows a message with its HTML in a sandboxed frame.
import type { ExtractionView } from '../inbox/extraction-view.ts';
import type { MailboxView, MessageDetailView, MessageSummaryView } from '../inbox/present.ts';
import type { SenderView } from '../inbox/sender-view.ts';
import { formatTimeLeft } from '../shared/duration.ts';
import { formatSize } from '../shared/size.ts';
import { csrfToken, interpolate, ltrText, pageData } from './common.ts';
import { fitFrameToMessage } from './frame-height.ts';
import { messageIdInUrl, urlOfMessage } from './message-url.ts';

interface InboxData {
  mailbox: MailboxView;
  messages: MessageSummaryView[];
  strings: Record<string, string>;
  lang: string;
  timeZone: string;
  now: number;
}

/** A message as the reader gets it: in full, with its remote images counted and its code and action link. */
type ReaderMessage = MessageDetailView & {
  blockedImages: number;
  extraction: ExtractionView;
  sender: SenderView;
};

const data = pageData<InboxData>();
if (data) startInbox(data);

function startInbox(data: InboxData): void {
  const { mailbox, strings } = data;
  const s = (key: string, params?: Record<string, string | number>) =>
    interpolate(strings[key] ?? key, params);
  const clockSkew = data.now - Date.now();
  const now = () => Date.now() + clockSkew;
  const dates = new Intl.DateTimeFormat(data.lang, {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: data.timeZone,
  });
  const base = `/inbox/${mailbox.token}`;
  const messages = new Map<string, MessageSummaryView>();
  for (const m of data.messages) messages.set(m.id, m);

  const list = document.getElementById('messages') as HTMLUListElement;
  const empty = document.getElementById('empty') as HTMLElement;
  const count = document.getElementById('message-count') as HTMLElement;
  const reader = document.getElementById('reader') as HTMLElement;
  const status = document.getElementById('live-status') as HTMLElement;
  const expiry = document.getElementById('expiry') as HTMLElement;
  const pageTitle = document.title;
  let openId: string | undefined;
  let unseenWhileHidden = 0;

  function el<K extends keyof HTMLElementTagNameMap>(
    tag: K,
    props: Partial<HTMLElementTagNameMap[K]> = {},
    ...children: (Node | string)[]
  ) {
    const node = Object.assign(document.createElement(tag), props);
    node.append(...children);
    return node;
  }

  function sorted(): MessageSummaryView[] {
    return [...messages.values()].sort((a, b) => b.receivedAt - a.receivedAt || (a.id < b.id ? 1 : -1));
  }

  function renderList(): void {
    const items = sorted().map((m) => {
      const button = el(
        'button',
        { type: 'button', className: 'message-item' },
        el('span', { className: 'message-from', dir: 'auto' }, m.fromName || m.from),
        el(
          'time',
          { className: 'message-time', dateTime: new Date(m.receivedAt).toISOString() },
          dates.format(m.receivedAt),
        ),
        el('span', { className: 'message-subject', dir: 'auto' }, m.subject || s('message.noSubject')),
        el('span', { className: 'message-preview', dir: 'auto' }, m.preview),
      );
      button.dataset.id = m.id;
      if (!m.seen) button.append(el('span', { className: 'unread-dot', title: s('message.unread') }));
      if (m.id === openId) button.setAttribute('aria-current', 'true');
      button.addEventListener('click', () => void openMessage(m.id));
      const li = el('li', {}, button);
      li.dataset.id = m.id;
      if (!m.seen) li.classList.add('unread');
      return li;
    });
    list.replaceChildren(...items);
    empty.hidden = items.length > 0;
    count.textContent = items.length > 0 ? new Intl.NumberFormat(data.lang).format(items.length) : '';
  }

  function setStatus(state: 'live' | 'connecting' | 'offline'): void {
    status.dataset.state = state;
    status.textContent = s(`inbox.${state}`);
  }

  function tickExpiry(): void {
    if (mailbox.expiresAt === null) return;
    const left = mailbox.expiresAt - now();
    expiry.textContent =
      left > 0 ? s('inbox.expiresIn', { time: formatTimeLeft(left, data.lang) }) : s('inbox.expired');
  }

  function added(message: MessageSummaryView): void {
    lastSeenAt = Math.max(lastSeenAt, message.receivedAt);
    const isNew = !messages.has(message.id);
    messages.set(message.id, message);
    renderList();
    if (!isNew) return;
    list.querySelector(`li[data-id="${CSS.escape(message.id)}"]`)?.classList.add('arrived');
    if (document.hidden) {
      unseenWhileHidden++;
      document.title = `(${unseenWhileHidden}) ${pageTitle}`;
    }
  }

  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) {
      unseenWhileHidden = 0;
      document.title = pageTitle;
    }
  });

  async function refresh(): Promise<void> {
    const response = await fetch(`${base}/messages`, { headers: { accept: 'application/json' } });
    if (response.status === 404) return gone();
    if (!response.ok) return;
    const body = (await response.json()) as { messages: MessageSummaryView[] };
    messages.clear();
    for (const m of body.messages) messages.set(m.id, m);
    renderList();
  }

  function gone(): void {
    setStatus('offline');
    status.textContent = s('inbox.gone');
    source?.close();
    source = undefined;
  }

  let source: EventSource | undefined;
  // Where this view is complete up to (server time): a new stream catches up from here.
  let lastSeenAt = data.now;
  let retryDelay = 1000;
  function connect(): void {
    setStatus('connecting');
    source = new EventSource(`${base}/events?since=${lastSeenAt}`);
    source.addEventListener('ready', () => {
      retryDelay = 1000;
      setStatus('live');
    });
    source.addEventListener('message', (event) => added(JSON.parse(event.data) as MessageSummaryView));
    source.addEventListener('gone', gone);
    source.addEventListener('error', () => {
      if (!source) return;
      setStatus('offline');
      // The browser retries by itself (with Last-Event-ID) unless the stream was refused;
      // then start over after a pause and catch up from the list.
      if (source.readyState === EventSource.CLOSED) {
        source = undefined;
        setTimeout(() => {
          void refresh().then(() => {
            if (status.dataset.state !== 'offline' || !source) connect();
          });
        }, retryDelay);
        retryDelay = Math.min(retryDelay * 2, 30_000);
      }
    });
  }

  /** How opening or closing a message changes the address: a new history entry, this one, or none (it already says so). */
  type UrlChange = 'push' | 'replace' | 'none';

  function setUrl(id: string | undefined, change: UrlChange): void {
    if (change === 'none' || messageIdInUrl() === id) return;
    if (change === 'push') history.pushState(null, '', urlOfMessage(id));
    else history.replaceState(null, '', urlOfMessage(id));
  }

  async function openMessage(id: string, change: UrlChange = 'push'): Promise<void> {
    const response = await fetch(`${base}/messages/${encodeURIComponent(id)}`, {
      headers: { accept: 'application/json' },
    });
    if (!response.ok) {
      if (response.status === 404) {
        messages.delete(id);
        // An address naming a message that is gone shows the list.
        if (messageIdInUrl() === id) closeReader('replace');
        else renderList();
      }
      return;
    }
    const message = (await response.json()) as ReaderMessage;
    openId = id;
    setUrl(id, change);
    const summary = messages.get(id);
    if (summary) summary.seen = true;
    renderList();
    renderReader(message);
  }

  /** The message's code with a copy button, and its action link, above the body; undefined when it has neither. */
  /** Whether the sender is who the From says: its domain passed DMARC, or not (with the results). */
  function senderBadge({ state, domain, detail }: SenderView): HTMLElement {
    const badge = el('p', { className: `sender-badge sender-${state}` });
    badge.dataset.senderState = state;
    if (state === 'verified') badge.append(s('message.senderVerified'), ' ', ltrText(domain));
    else if (state === 'pending') badge.append(s('message.senderPending'));
    else badge.append(s('message.senderUnverified'), ' ', ltrText(`(${detail})`));
    return badge;
  }

  function extractionPanel({ code, actionLink }: ExtractionView): HTMLElement | undefined {
    if (code === null && actionLink === null) return undefined;
    const panel = el('section', { className: 'reader-extract' });
    if (code !== null) {
      const value = el('code', { className: 'extract-code', dir: 'ltr' }, code);
      const copy = el('button', { type: 'button', className: 'button copy-code' }, s('message.copyCode'));
      copy.addEventListener('click', () => {
        void copyText(code, value).then((copied) => {
          if (!copied) return;
          copy.textContent = s('message.copied');
          setTimeout(() => {
            copy.textContent = s('message.copyCode');
          }, 2000);
        });
      });
      panel.append(el('span', { className: 'extract-label' }, s('message.code')), value, copy);
    }
    if (actionLink !== null) {
      const link = el(
        'a',
        {
          className: 'button button-primary action-link',
          href: actionLink.url,
          target: '_blank',
          rel: 'noopener noreferrer',
        },
        s(`message.actionLink.${actionLink.kind}`),
        ' ',
        ltrText(actionLink.host),
      );
      link.referrerPolicy = 'no-referrer';
      panel.append(link);
    }
    return panel;
  }

  /**
   * Puts `text` on the clipboard; where the Clipboard API is missing (a page served over plain
   * HTTP to another machine is not a secure context), selects the shown code and copies that.
   */
  async function copyText(text: string, shown: HTMLElement): Promise<boolean> {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      const range = document.createRange();
      range.selectNodeContents(shown);
      const selection = window.getSelection();
      selection?.removeAllRanges();
      selection?.addRange(range);
      return document.execCommand('copy');
    }
  }

  function renderReader(message: ReaderMessage): void {
    const header = el(
      'header',
      { className: 'reader-header' },
      el('h2', { className: 'reader-subject', dir: 'auto' }, message.subject || s('message.noSubject')),
      el(
        'dl',
        { className: 'reader-meta' },
        el('dt', {}, s('message.from')),
        el(
          'dd',
          {},
          ...(message.fromName
            ? [el('bdi', {}, message.fromName), ' ', ltrText(`<${message.from}>`)]
            : [ltrText(message.from)]),
        ),
        el('dt', {}, s('message.to')),
        el('dd', {}, ltrText(message.to)),
        el('dt', {}, s('message.date')),
        el(
          'dd',
          {},
          el(
            'time',
            { dateTime: new Date(message.receivedAt).toISOString() },
            dates.format(message.receivedAt),
          ),
        ),
        // How the sending server delivered it, when recorded (not for mail stored before).
        ...(message.tls === undefined
          ? []
          : [
              el('dt', {}, s('message.transport')),
              el(
                'dd',
                { className: 'reader-transport' },
                ...(message.tls
                  ? [s('message.overTls'), ' ', ltrText(`(${message.tls.protocol}, ${message.tls.cipher})`)]
                  : [s('message.plainText')]),
              ),
            ]),
      ),
      senderBadge(message.sender),
    );
    const tools = el(
      'div',
      { className: 'reader-tools' },
      el('a', { className: 'button', href: message.rawUrl, download: '' }, s('message.raw')),
    );
    if (mailbox.canWrite) {
      const del = el('button', { type: 'button', className: 'button button-danger' }, s('message.delete'));
      del.addEventListener('click', () => void deleteMessage(message.id));
      tools.append(del);
    }
    const back = el('button', { type: 'button', className: 'button reader-back' }, s('message.back'));
    back.addEventListener('click', () => closeReader());
    tools.prepend(back);

    const body = el('div', { className: 'reader-body' });
    const textView = el('pre', { className: 'text-body', dir: 'auto' }, message.text || s('message.noText'));
    // Sized to the message once it is on the page (see frame-height.ts).
    let frameBox: HTMLElement | undefined;
    if (message.hasHtml) {
      const frame = el('iframe', {
        className: 'html-body',
        title: s('message.frameTitle'),
        src: message.htmlUrl,
      });
      frame.setAttribute('sandbox', 'allow-popups allow-popups-to-escape-sandbox');
      frame.setAttribute('referrerpolicy', 'no-referrer');
      frame.setAttribute('loading', 'lazy');
      frameBox = el('div', { className: 'html-frame' }, frame);
      const tabs = el('div', { className: 'tabs', role: 'tablist' });
      const htmlTab = el('button', { type: 'button', className: 'tab', role: 'tab' }, s('message.html'));
      const textTab = el('button', { type: 'button', className: 'tab', role: 'tab' }, s('message.text'));
      // Remote images are a matter of the HTML view: their button shows with it only.
      const images =
        message.blockedImages > 0
          ? el(
              'button',
              { type: 'button', className: 'button show-images' },
              s('message.showImages', { count: message.blockedImages }),
            )
          : undefined;
      const box = frameBox;
      const show = (which: 'html' | 'text') => {
        htmlTab.setAttribute('aria-selected', String(which === 'html'));
        textTab.setAttribute('aria-selected', String(which === 'text'));
        box.hidden = which !== 'html';
        if (images) images.hidden = which !== 'html';
        textView.hidden = which !== 'text';
      };
      htmlTab.addEventListener('click', () => show('html'));
      textTab.addEventListener('click', () => show('text'));
      tabs.append(htmlTab, textTab);
      body.append(tabs);
      if (images) {
        images.addEventListener('click', () => {
          frame.src = `${message.htmlUrl}?images=1`;
          images.remove();
          // The pictures now shown take the room they declare.
          void fitFrameToMessage(box, frame.src);
        });
        body.append(images);
      }
      body.append(frameBox, textView);
      show('html');
    } else {
      body.append(textView);
    }
    const extract = extractionPanel(message.extraction);
    const parts = extract ? [header, tools, extract, body] : [header, tools, body];
    const files = message.attachmentList;
    if (files.length > 0) {
      parts.push(
        el(
          'section',
          { className: 'attachments' },
          el('h3', {}, s('message.attachments')),
          el(
            'ul',
            {},
            ...files.map((file) =>
              el(
                'li',
                {},
                el('a', { href: file.url, download: file.name, dir: 'auto' }, file.name),
                ' ',
                el('span', { className: 'muted' }, formatSize(file.size, data.lang)),
              ),
            ),
          ),
        ),
      );
    }
    reader.replaceChildren(...parts);
    if (frameBox) void fitFrameToMessage(frameBox, message.htmlUrl);
    reader.classList.add('open');
    reader.focus();
    if (window.matchMedia('(max-width: 50rem)').matches) reader.scrollIntoView({ block: 'start' });
  }

  function closeReader(change: UrlChange = 'push'): void {
    setUrl(undefined, change);
    const id = openId;
    openId = undefined;
    reader.classList.remove('open');
    reader.replaceChildren(el('p', { className: 'muted' }, s('message.select')));
    renderList();
    if (id) list.querySelector<HTMLButtonElement>(`li[data-id="${CSS.escape(id)}"] button`)?.focus();
  }

  async function deleteMessage(id: string): Promise<void> {
    const response = await fetch(`${base}/messages/${id}`, {
      method: 'DELETE',
      headers: { 'x-csrf-token': csrfToken() },
    });
    if (response.ok || response.status === 404) {
      messages.delete(id);
      closeReader('replace');
    }
  }

  reader.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') closeReader();
  });

  // Back and forward (and a fragment typed by hand) open the message the address names.
  window.addEventListener('popstate', () => {
    const id = messageIdInUrl();
    if (id === undefined) {
      if (openId !== undefined) closeReader('none');
    } else if (id !== openId) {
      void openMessage(id, 'none');
    }
  });
  const named = messageIdInUrl();
  if (named) void openMessage(named, 'none');

  renderList();
  tickExpiry();
  setInterval(tickExpiry, 1000);
  connect();
}
