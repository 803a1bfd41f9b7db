// Verification codes: numbers (or letter-digit groups) that the words around them, their place
// (a line, a table cell of their own) or their type (big, bold, spaced) mark as a code, and that
// nothing marks as something else (a year, date, time, price, phone, postcode, order or tracking
// number, card ending). Best guess first.

import { type Deadline, noDeadline } from './deadline.ts';
import { type KeywordHit, keywordsIn, mentionsCode } from './keywords.ts';
import { maxCandidates, maxCodes } from './limits.ts';
import type { ExtractedCode } from './types.ts';

export interface CodeLine {
  /** Text with ASCII digits (see normalizeDigits). */
  text: string;
  /** [start, end) pairs of emphasised text (HTML only). */
  emphasis: number[];
}

/** A part of the mail: the subject, the text part or the HTML, as lines. */
export type CodeSource = CodeLine[];

interface Candidate {
  value: string;
  start: number;
  end: number;
  /** Letters as well as digits: only taken right next to a code word. */
  alphanumeric: boolean;
}

// Digit runs with single separators inside: "482913", "381-204", "381 204", "4 8 2 9 1 3", and
// the things that contain dots, commas, colons and slashes (dates, times, prices, versions), read
// whole so that none of their parts is taken for a code: /\d+(?:[ \-.,:/]\d+)*/, read by character
// code (readNumberRuns). Linear: every repetition eats a separator.
const letterDigitGroup = /(?<![A-Za-z0-9])[A-Z0-9]{2,8}(?:-[A-Z0-9]{2,8}){0,2}(?![A-Za-z0-9])/g;
const latinOrCyrillic = /[A-Za-z\u00C0-\u024F\u0400-\u04FF]/;
// Marks of money, ids, card masks and multiplication before a number.
const notBeforeCode = new Set([...'#№$€£¥₽*•@+©xX×~']);
const notAfterCode = new Set([...'%€$₽£¥°+*']);
const yearLike = /^(19|20)\d\d$/;
// A new sentence starts with a capital or a letter of a caseless script: "руб. в OZON" and
// "Nr. 5" go on, "Done. Order 5" does not.
const sentenceBreak = /[.!?;]\s+(?=[\p{Lu}\p{Lo}])|[。！？]|[|•·]/gu;

/** Candidates of one number run, or none when the run is something else (date, phone, price). */
function readNumberRun(run: string, offset: number, into: Candidate[]): void {
  // The longest code written out is "4 8 2 9 1 3 5 7"; longer runs are tables of figures.
  if (run.length > 24) return;
  if (/[.,:/]/.test(run)) return; // dates, times, prices, versions, addresses
  const groups = run.split(/[ -]/);
  const digits = groups.join('');
  if (groups.length === 1) {
    if (digits.length >= 4 && digits.length <= 8) {
      into.push({ value: digits, start: offset, end: offset + run.length, alphanumeric: false });
    }
    return;
  }
  // Grouped: equal groups of three or four ("381-204", "4829 1357"), or single spaced digits
  // ("4 8 2 9 1 3"); one kind of separator. Phone numbers, dates and IBAN-like runs fail this.
  const separators = new Set(run.replace(/\d/g, ''));
  if (separators.size !== 1) return;
  const size = (groups[0] as string).length;
  const equal = groups.every((g) => g.length === size);
  const grouped = equal && (size === 3 || size === 4) && digits.length <= 8;
  const spacedDigits = equal && size === 1 && separators.has(' ') && digits.length >= 4 && digits.length <= 8;
  if (grouped || spacedDigits) {
    into.push({ value: digits, start: offset, end: offset + run.length, alphanumeric: false });
  }
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Separators read inside a run of digits: space, `-`, `.`, `,`, `:`, `/`. */
function isRunSeparator(c: number): boolean {
  return c === 32 || c === 45 || c === 46 || c === 44 || c === 58 || c === 47;
}

/** The runs of digits of `text`, each handed to readNumberRun. */
function readNumberRuns(text: string, into: Candidate[]): void {
  const n = text.length;
  let i = 0;
  while (i < n && into.length < 64) {
    if (!isDigit(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    while (i < n && isDigit(text.charCodeAt(i))) i++;
    const plainEnd = i;
    while (i + 1 < n && isRunSeparator(text.charCodeAt(i)) && isDigit(text.charCodeAt(i + 1))) {
      i += 2;
      while (i < n && isDigit(text.charCodeAt(i))) i++;
    }
    // Every code has four digits or more: shorter runs ("Dec 5", "10") are passed over uncopied,
    // and a run of digits alone needs none of readNumberRun's reading of separators.
    if (i - start < 4) continue;
    if (i === plainEnd) {
      if (i - start <= 8) into.push({ value: text.slice(start, i), start, end: i, alphanumeric: false });
      continue;
    }
    readNumberRun(text.slice(start, i), start, into);
  }
}

const anyCapital = /[A-Z]/;

/**
 * Whether some run of capitals, digits and dashes holds both a capital and a digit: a
 * letter-digit code can only stand in such a run, and most lines have none, so the
 * letterDigitGroup scan is skipped for them.
 */
function mayHoldLetterDigitGroup(text: string): boolean {
  // No capital at all (a long run of digits, a lower-case sentence): one quick search says so.
  if (!anyCapital.test(text)) return false;
  let capital = false;
  let digit = false;
  for (let k = 0; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (c >= 65 && c <= 90) capital = true;
    else if (isDigit(c)) digit = true;
    else if (c !== 45) {
      capital = false;
      digit = false;
      continue;
    }
    if (capital && digit) return true;
  }
  return false;
}

function candidatesOf(text: string): Candidate[] {
  const found: Candidate[] = [];
  readNumberRuns(text, found);
  if (found.length < 64 && mayHoldLetterDigitGroup(text)) {
    letterDigitGroup.lastIndex = 0;
    for (let m = letterDigitGroup.exec(text); m && found.length < 64; m = letterDigitGroup.exec(text)) {
      const value = m[0].replace(/-/g, '');
      // "FB-48291": initials before a number are read with the number (see markedAsOther).
      const initials = /^[A-Z]{1,2}-\d+$/.test(m[0]);
      if (!initials && value.length >= 5 && value.length <= 10 && /[A-Z]/.test(value) && /\d/.test(value)) {
        found.push({ value, start: m.index, end: m.index + m[0].length, alphanumeric: true });
      }
    }
  }
  return found.length === 0 ? found : found.filter((c) => !markedAsOther(text, c));
}

function isMark(ch: string): boolean {
  return ch === '*' || ch === '•';
}

/** A currency, "#", a card mask, a letter glued on: the number is a price, an id, a card ending. */
function markedAsOther(text: string, c: Candidate): boolean {
  const before = text[c.start - 1] ?? '';
  const before2 = text[c.start - 2] ?? '';
  const after = text[c.end] ?? '';
  const after2 = text[c.end + 1] ?? '';
  const masked = notBeforeCode.has(before) || (before === ' ' && notBeforeCode.has(before2));
  // "**** 4242" is a card ending, "*** 5 6 2 0 1 9 ***" a code set between stars.
  if (masked && !(isMark(after) || (after === ' ' && isMark(after2)))) return true;
  // "INV-2024", "v1.2345", "12/2024" are ids, versions and dates; "G-482913" and "FB-48291"
  // (a service's initials) are codes.
  const letterPrefix =
    before === '-' && /(?:^|[^A-Za-z0-9])[A-Z]{1,2}$/.test(text.slice(Math.max(0, c.start - 4), c.start - 1));
  if ((before === '-' || before === '/' || before === '.' || before === '_') && /[A-Za-z0-9]/.test(before2)) {
    if (!letterPrefix) return true;
  }
  if (latinOrCyrillic.test(before) && !c.alphanumeric) return true;
  if (letterPrefix && c.alphanumeric) return true;
  if ((notAfterCode.has(after) || (after === ' ' && notAfterCode.has(after2))) && !masked) return true;
  if (latinOrCyrillic.test(after) && !c.alphanumeric) return true;
  if ((after === '-' || after === '/' || after === '_') && /[A-Za-z0-9]/.test(after2)) return true;
  return false;
}

/** The part of `window` after its last sentence break (the words that speak of what follows). */
function afterLastBreak(window: string): string {
  let cut = 0;
  sentenceBreak.lastIndex = 0;
  for (let m = sentenceBreak.exec(window); m; m = sentenceBreak.exec(window)) cut = m.index + m[0].length;
  return window.slice(cut);
}

function beforeFirstBreak(window: string): string {
  sentenceBreak.lastIndex = 0;
  const m = sentenceBreak.exec(window);
  return m ? window.slice(0, m.index) : window;
}

function last<T>(xs: T[]): T | undefined {
  return xs[xs.length - 1];
}

/**
 * +1: the nearest word before says code; -1: it says something else; 0: nothing near. With the
 * number of characters between that word and the number.
 */
function nearestBefore(text: string, start: number): { polarity: number; distance: number } {
  const window = afterLastBreak(text.slice(Math.max(0, start - 100), start));
  // "-25 % avec le code HIVER25": a percentage says sale.
  if (window.includes('%')) return { polarity: -1, distance: 0 };
  // A word against codes speaks of the number next to it: "на сумму 2 499 руб. … код: 81620493"
  // puts "сумму" and "руб" on 2 499, not on the code. So such words count only when no other
  // number stands between them and the candidate, and none just before them.
  const hits = keywordsIn(window).filter(
    (h) =>
      h.polarity > 0 ||
      h.veto ||
      !(/\d\s?$/.test(window.slice(0, h.start)) || /\d/.test(window.slice(h.end))),
  );
  if (hits.some((h) => h.veto)) return { polarity: -1, distance: 0 };
  const hit = last(hits);
  return hit ? { polarity: hit.polarity, distance: window.length - hit.end } : { polarity: 0, distance: 0 };
}

function nearestAfter(text: string, end: number): { polarity: number; distance: number } {
  const window = beforeFirstBreak(text.slice(end, end + 40));
  const hits = keywordsIn(window);
  // "Use code MOVE10 for 10% off": sale words after the code veto it too.
  if (window.includes('%') || hits.some((h) => h.veto)) return { polarity: -1, distance: 0 };
  const hit: KeywordHit | undefined = hits[0];
  // Only a word right after the number, with no punctuation between, speaks of it.
  const attached = hit !== undefined && /^\s{0,2}$/.test(window.slice(0, hit.start));
  return hit ? { polarity: hit.polarity, distance: attached ? 0 : hit.start } : { polarity: 0, distance: 0 };
}

function isAlone(text: string, c: Candidate): boolean {
  // Only short lines can hold nothing but the code (and spares a copy of a long one per candidate).
  if (text.length > c.end - c.start + 16) return false;
  return (
    (text.slice(0, c.start) + text.slice(c.end)).replace(/[\s:.\-–—|*>→»"'“”«»()[\]【】「」]/g, '') === ''
  );
}

function isEmphasised(line: CodeLine, c: Candidate): boolean {
  for (let k = 0; k + 1 < line.emphasis.length; k += 2) {
    if (c.start >= (line.emphasis[k] as number) && c.start < (line.emphasis[k + 1] as number)) return true;
  }
  return false;
}

/**
 * What a label line says of the number next to it. Above: "Your order number:" is a no (the
 * label ends with what the number is), "Use the code below to sign in to account gamer1984:" a
 * yes (a code word, and what follows it names no number). Below: the first word decides.
 */
function lineSays(window: string, step: -1 | 1): number {
  const hits = keywordsIn(window);
  if (hits.length === 0) return 0;
  if (hits.some((h) => h.veto)) return -1;
  if (step === 1) return (hits[0] as KeywordHit).polarity;
  const final = last(hits) as KeywordHit;
  if (final.polarity < 0 && /^[\s:#.：-]*$/.test(window.slice(final.end))) return -1;
  if (hits.some((h) => h.polarity > 0)) return 1;
  return -1;
}

/** What the nearest neighbouring line says (the label above a code cell, the note under it). */
function neighbourSays(lines: CodeLine[], index: number, step: -1 | 1): number {
  for (let k = 1; k <= 2; k++) {
    const neighbour = lines[index + step * k];
    if (!neighbour) return 0;
    const text = step === -1 ? neighbour.text.slice(-120) : neighbour.text.slice(0, 80);
    const window = step === -1 ? afterLastBreak(text) : beforeFirstBreak(text);
    const says = lineSays(window, step);
    if (says !== 0) return says;
    // A line between label and code must be short (a separator, an icon's alt text).
    if (neighbour.text.length > 40) return 0;
  }
  return 0;
}

/** The codes in the mail's parts, best first, at most maxCodes. */
export function findCodes(sources: CodeSource[], deadline: Deadline = noDeadline): ExtractedCode[] {
  const best = new Map<string, { score: number; order: number; seen: number }>();
  let order = 0;
  let weighed = 0;
  let mailMentionsCode: boolean | undefined;
  const mentions = () => {
    mailMentionsCode ??= sources.some((lines) => lines.some((l) => mentionsCode(l.text.slice(0, 2000))));
    return mailMentionsCode;
  };

  for (const lines of sources) {
    for (let i = 0; i < lines.length && weighed < maxCandidates; i++) {
      deadline.step();
      const line = lines[i] as CodeLine;
      if (!/\d/.test(line.text)) continue;
      for (const c of candidatesOf(line.text)) {
        if (++weighed > maxCandidates) break;
        deadline.step();
        const score = scoreOf(lines, i, line, c, mentions);
        if (score === null) continue;
        const prior = best.get(c.value);
        if (!prior) best.set(c.value, { score, order: order++, seen: 1 });
        else {
          prior.score = Math.max(prior.score, score);
          prior.seen++;
        }
      }
    }
  }
  return [...best.entries()]
    .map(([value, b]) => ({ value, rank: b.score + Math.min(b.seen - 1, 2) * 0.25, order: b.order }))
    .sort((a, b) => b.rank - a.rank || a.order - b.order)
    .slice(0, maxCodes)
    .map(({ value }) => ({ value, kind: 'otp' as const }));
}

/** How strongly `c` reads as a code, or null when it is not one. */
function scoreOf(
  lines: CodeLine[],
  i: number,
  line: CodeLine,
  c: Candidate,
  mentions: () => boolean,
): number | null {
  const near = nearestBefore(line.text, c.start);
  const before = near.polarity;
  if (before < 0) return null;
  const after = nearestAfter(line.text, c.end);
  // "4829 руб", "482913 is your order number": a word right after says what the number is.
  if (after.polarity < 0 && (before === 0 || after.distance === 0)) return null;

  const alone = isAlone(line.text, c);
  let score = 0;
  let adjacent = false;
  if (before > 0) {
    score += 4;
    adjacent = true;
  } else if (after.polarity > 0) {
    score += 3.5;
    adjacent = true;
  } else if (alone) {
    const above = neighbourSays(lines, i, -1);
    const below = above === 0 ? neighbourSays(lines, i, 1) : 0;
    if (above < 0 || (above === 0 && below < 0)) return null;
    if (above > 0) {
      score += 3.5;
      adjacent = true;
    } else if (below > 0) {
      score += 2.5;
      adjacent = true;
    }
  }
  const emphasised = isEmphasised(line, c);
  if (alone) score += 1;
  if (emphasised) score += 1.5;

  if (c.alphanumeric) {
    if (!adjacent) return null;
    score -= 0.5;
  }
  if (yearLike.test(c.value)) {
    // "changed on December 4, 2024": a year needs its code word right before it, or a line of its own.
    if (!(adjacent && (alone || (before > 0 && near.distance <= 12)))) return null;
    score -= 1;
  }
  if (!adjacent) {
    // No word says "code" next to it: only a number set apart (a line or cell of its own) in a
    // mail that speaks of a code somewhere (and nowhere of a voucher).
    if (!(alone && mentions())) return null;
  }
  if (c.value.length === 6) score += 0.3;
  else if (c.value.length === 4 || c.value.length === 8) score -= 0.2;
  return score;
}
