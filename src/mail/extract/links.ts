// Links of a mail: every absolute http(s) URL of the HTML anchors and of the text, entities
// decoded, deduplicated, at most maxLinks, each with its kind, the action link (verify, sign in,
// reset) first. The kind comes from the anchor's words, then the URL, then — when the anchor says
// nothing ("click here", the URL itself) — the words just before it.
import { type Deadline, noDeadline } from './deadline.ts';
import type { Anchor, Line } from './html-blocks.ts';
import { maxInputChars, maxLinkCandidates, maxLinks } from './limits.ts';
import { confirmsOther, kindFromUrl, kindFromWords, saysNothing } from './link-kinds.ts';
import type { ExtractedLink, LinkKind } from './types.ts';

const maxUrlChars = 4096;
// Bounded character class, no nested quantifier: linear.
const bareUrl = /\bhttps?:\/\/[^\s<>"'`{}|\\^[\]]+/gi;
// Starts only where a run of punctuation starts, so each run is tried once (linear: a match
// tried from every position of a long run not at the end was quadratic).
const trailingPunctuation = /(?<![.,;:!?)\]}»’”'>])[.,;:!?)\]}»’”'>]+$/;
// Links that act on an account carry a token: a run of letters mixed with digits, or a long
// base64-like run. Slugs ("configuring-two-factor-authentication") and order numbers are not.
const tokenRun = /[A-Za-z0-9_%-]{8,}/g;

interface Found {
  url: string;
  kind: LinkKind;
  /** 3: the anchor's words, 2: the URL, 1: the words before it, 0: none. */
  evidence: number;
  order: number;
  /** What the URL's last reading was given, when it did not need the surroundings. */
  lastReading: { words: string; navigation: boolean } | null;
}

function absoluteUrl(raw: string): string | null {
  const url = raw.trim();
  if (url.length > maxUrlChars || !/^https?:\/\/[^/\s]/i.test(url)) return null;
  return url;
}

// Templates repeat one link on every row (a help centre, a shop): its URL is read once in a row.
let lastTokenUrl = '';
let lastTokenVerdict = false;

function carriesToken(url: string): boolean {
  if (url !== lastTokenUrl) {
    lastTokenVerdict = readsAsToken(url);
    lastTokenUrl = url;
  }
  return lastTokenVerdict;
}

function readsAsToken(url: string): boolean {
  tokenRun.lastIndex = 0;
  for (let m = tokenRun.exec(url); m; m = tokenRun.exec(url)) {
    const run = m[0];
    if (/[A-Za-z]/.test(run) && /\d/.test(run)) return true;
    if (run.length >= 24 && /[a-z]/.test(run) && /[A-Z]/.test(run) && !run.includes('-')) return true;
  }
  return false;
}

/** More than a site's home page: a path or a query. */
function pointsSomewhere(url: string): boolean {
  return /^https?:\/\/[^/?#]+[/?#]./i.test(url);
}

/**
 * The kind of a link from its words, its URL and its surroundings, with how it was known. The
 * surroundings are read only when the words say nothing (most anchors say something).
 */
function classify(
  url: string,
  words: string,
  context: () => string,
  navigation = false,
): { kind: LinkKind; evidence: number } {
  if (navigation) {
    // A row of links ("Sign in · Unsubscribe", "Terms ・ Privacy ・ Sign in") is the site's
    // navigation: only its unsubscribe link does something to this mail's recipient.
    const kind = kindFromWords(words) ?? kindFromUrl(url);
    return kind === 'unsubscribe' ? { kind, evidence: 3 } : { kind: 'other', evidence: 0 };
  }
  // Words name the action; the URL must still look like one: "Sign in" in a site's navigation is
  // a plain link, a sign-in link carries a token; a verify or reset link at least goes somewhere.
  const fromWords = (kind: LinkKind | null): boolean =>
    kind !== null &&
    (kind === 'unsubscribe' || (kind === 'magic_link' ? carriesToken(url) : pointsSomewhere(url)));
  const byWords = kindFromWords(words);
  if (byWords !== null)
    return fromWords(byWords) ? { kind: byWords, evidence: 3 } : { kind: 'other', evidence: 0 };
  // "Confirm order received": the URL's "confirm" is the order's, not an address's.
  if (confirmsOther(words)) return { kind: 'other', evidence: 0 };
  const byUrl = kindFromUrl(url);
  if (byUrl !== null && (byUrl === 'unsubscribe' || carriesToken(url))) return { kind: byUrl, evidence: 2 };
  if (saysNothing(words)) {
    const byContext = kindFromWords(context());
    if (fromWords(byContext)) return { kind: byContext as LinkKind, evidence: 1 };
  }
  return { kind: 'other', evidence: 0 };
}

const sentenceBreak = /[.!?。！？]\s/g;

function lastSentence(text: string): string {
  let cut = 0;
  sentenceBreak.lastIndex = 0;
  for (let m = sentenceBreak.exec(text); m; m = sentenceBreak.exec(text)) cut = m.index + m[0].length;
  return text.slice(cut);
}

/**
 * The words that introduce a link at column `column` of line `index`: its sentence, or when the
 * link starts its line, the last sentence of the line above ("To reset your password, visit:").
 */
function contextBefore(lines: Line[], index: number, column: number): string {
  const here = lastSentence(lines[index]?.text.slice(Math.max(0, column - 160), column) ?? '');
  if (/[\p{L}]{2}/u.test(here)) return here;
  const above = lines[index - 1]?.text.slice(-160) ?? '';
  const sentence = lastSentence(above);
  // "… réinitialiser votre mot de passe. Cliquez ici :" — the sentence before says more.
  return saysNothing(sentence) ? above : sentence;
}

const noContext = () => '';

function bareUrlsOf(
  lines: Line[],
  visit: (url: string, words: string, context: () => string) => void,
  budget: () => boolean,
  deadline: Deadline,
): void {
  for (let i = 0; i < lines.length && budget(); i++) {
    deadline.step();
    const text = (lines[i] as Line).text;
    if (!text.includes('://')) continue;
    bareUrl.lastIndex = 0;
    for (let m = bareUrl.exec(text); m && budget(); m = bareUrl.exec(text)) {
      const url = m[0].replace(trailingPunctuation, '');
      // A bare URL has no anchor text: the sentence that introduces it plays that part.
      visit(url, contextBefore(lines, i, m.index), noContext);
    }
  }
}

/** The mail's links, action link first. */
export function findLinks(
  anchors: Anchor[],
  htmlLines: Line[],
  textLines: Line[],
  deadline: Deadline = noDeadline,
): ExtractedLink[] {
  const byUrl = new Map<string, Found>();
  let seen = 0;
  const budget = () => seen < maxLinkCandidates;
  // A template repeats one link on every row: its URL is checked once in a row.
  let lastRaw: string | undefined;
  let lastUrl: string | null = null;
  const visit = (raw: string, words: string, context: () => string, navigation = false) => {
    seen++;
    if (raw !== lastRaw) {
      lastRaw = raw;
      lastUrl = absoluteUrl(raw);
    }
    const url = lastUrl;
    if (!url) return;
    const prior = byUrl.get(url);
    // A row of a template repeats its link with the same words: the same reading again cannot
    // raise what the first one found.
    const last = prior?.lastReading;
    if (last && last.words === words && last.navigation === navigation) return;
    let readContext = false;
    const contextRead = () => {
      readContext = true;
      return context();
    };
    const { kind, evidence } = classify(url, words, contextRead, navigation);
    const lastReading = readContext ? null : { words, navigation };
    if (!prior) byUrl.set(url, { url, kind, evidence, order: byUrl.size, lastReading });
    else {
      prior.lastReading = lastReading;
      if (evidence > prior.evidence) {
        prior.kind = kind;
        prior.evidence = evidence;
      }
    }
  };
  const anchorsPerLine = new Map<number, number>();
  for (const a of anchors) anchorsPerLine.set(a.line, (anchorsPerLine.get(a.line) ?? 0) + 1);
  for (const a of anchors) {
    if (!budget()) break;
    deadline.step();
    const navigation = (anchorsPerLine.get(a.line) ?? 0) > 1;
    visit(a.href, a.text, () => contextBefore(htmlLines, a.line, a.column), navigation);
  }
  bareUrlsOf(textLines, visit, budget, deadline);
  bareUrlsOf(htmlLines, visit, budget, deadline);

  const all = [...byUrl.values()];
  const isAction = (f: Found) => f.kind === 'verify' || f.kind === 'magic_link' || f.kind === 'reset';
  const actions = all.filter(isAction).sort((a, b) => b.evidence - a.evidence || a.order - b.order);
  const rest = all.filter((f) => !isAction(f));
  return [...actions, ...rest].slice(0, maxLinks).map(({ url, kind }) => ({ url, kind }));
}

/** Lines of a text part (its first maxInputChars). */
export function textLines(text: string): Line[] {
  const bounded = text.length > maxInputChars ? text.slice(0, maxInputChars) : text;
  return bounded
    .split(/\r?\n/)
    .map((line) => ({ text: line.trim(), emphasis: [] }))
    .filter((line) => line.text.length > 0);
}
