// The extraction corpus (test/fixtures/extraction/*.json: real-looking verification, sign-in,
// reset and ordinary mails in seven languages) and its scoring: precision and top-1 recall of
// codes, and of the action link (the first link, when it is a verify, magic_link or reset link).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractVerification } from '../../src/mail/extract/index.ts';
import type { Extraction, ExtractionInput, LinkKind } from '../../src/mail/extract/types.ts';

export const corpusDir = fileURLToPath(new URL('../fixtures/extraction/', import.meta.url));

export interface CorpusMail extends ExtractionInput {
  name: string;
  about: string;
  expect: { code: string | null; action: { kind: LinkKind; url: string } | null };
}

export function loadCorpus(): CorpusMail[] {
  return readdirSync(corpusDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({
      name: path.basename(f, '.json'),
      ...JSON.parse(readFileSync(path.join(corpusDir, f), 'utf8')),
    }));
}

export interface Score {
  /** Answers given (a code, an action link). */
  answered: number;
  /** Answers that were right. */
  right: number;
  /** Mails that have one. */
  expected: number;
  /** Mails that have one whose first answer is right. */
  found: number;
  precision: number;
  recall: number;
  misses: string[];
}

function score(
  mails: CorpusMail[],
  results: Extraction[],
  expected: (m: CorpusMail) => string | null,
  answer: (r: Extraction) => string | null,
): Score {
  const s: Score = { answered: 0, right: 0, expected: 0, found: 0, precision: 1, recall: 1, misses: [] };
  mails.forEach((m, i) => {
    const want = expected(m);
    const got = answer(results[i] as Extraction);
    if (got !== null) s.answered++;
    if (want !== null) s.expected++;
    if (got !== null && got === want) s.right++;
    if (want !== null && got === want) s.found++;
    if (got !== want) s.misses.push(`${m.name}: expected ${want ?? 'none'}, got ${got ?? 'none'}`);
  });
  s.precision = s.answered === 0 ? 1 : s.right / s.answered;
  s.recall = s.expected === 0 ? 1 : s.found / s.expected;
  return s;
}

export function scoreCorpus(mails: CorpusMail[]): { codes: Score; actions: Score } {
  const results = mails.map((m) => extractVerification({ subject: m.subject, text: m.text, html: m.html }));
  const actionKinds = new Set<LinkKind>(['verify', 'magic_link', 'reset']);
  return {
    codes: score(
      mails,
      results,
      (m) => m.expect.code,
      (r) => r.codes[0]?.value ?? null,
    ),
    actions: score(
      mails,
      results,
      (m) => (m.expect.action ? `${m.expect.action.kind} ${m.expect.action.url}` : null),
      (r) => {
        const first = r.links[0];
        return first && actionKinds.has(first.kind) ? `${first.kind} ${first.url}` : null;
      },
    ),
  };
}

export function describe(label: string, s: Score): string {
  return `${label}: precision ${(s.precision * 100).toFixed(1)} % (${s.right}/${s.answered}), top-1 recall ${(s.recall * 100).toFixed(1)} % (${s.found}/${s.expected})`;
}
