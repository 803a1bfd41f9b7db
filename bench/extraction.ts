// Extraction benchmark (part of `npm run bench`, BENCH_EXTRACT=0 skips it; alone:
// `npx node bench/extraction.ts`): the cost of reading a mail's verification codes and links
// (src/mail/extract), once per message at ingest. Per message, median and p99, on a 20 KB
// verification mail (HTML and text) and over the extraction corpus (test/fixtures/extraction),
// and on hostile input (1 MB of digits, 100,000 nested elements) to show the bound holds.
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { extractVerification } from '../src/mail/extract/index.ts';
import type { ExtractionInput } from '../src/mail/extract/types.ts';
import { loadCorpus } from '../test/extract/corpus.ts';
import { percentiles } from './stats.ts';

const iterations = Number(process.env.BENCH_EXTRACT_ITERATIONS ?? 2000);

/** A verification mail of about `bytes` (HTML plus text): a code, a button, and a long account summary. */
export function verificationMail(bytes = 20 * 1024): ExtractionInput {
  const head =
    '<!DOCTYPE html><html><head><meta charset="utf-8"><style>td{font-family:Arial}.btn{color:#fff}</style></head><body>' +
    '<table width="100%"><tr><td align="center"><table width="600" style="border:1px solid #ddd">' +
    '<tr><td><img src="https://static.example.com/logo.png" alt="Example"></td></tr>' +
    '<tr><td><h1 style="font-size:24px">Verify your sign-in</h1><p>Enter this verification code to continue:</p></td></tr>' +
    '<tr><td style="font-size:32px;letter-spacing:6px;font-weight:bold">482 913</td></tr>' +
    '<tr><td><a class="btn" href="https://click.example.com/ls/click?upn=Qk3mZ9xLp2Wv8RyT5sN4bC7dE0&amp;id=1">Confirm email address</a></td></tr>' +
    '<tr><td><p>Recent activity on your account:</p><table>';
  const row = (i: number) =>
    `<tr><td>Dec ${(i % 28) + 1}, 2024 10:${String(i % 60).padStart(2, '0')} AM</td><td>Order #${112000 + i}</td>` +
    `<td style="font-weight:bold">$${(i * 3.17).toFixed(2)}</td><td><a href="https://www.example.com/orders/${112000 + i}?ref=email&amp;utm_source=activity">View order</a></td></tr>\n`;
  const foot =
    '</table></td></tr><tr><td style="font-size:11px;color:#999">Example Inc., 410 Terry Ave N, Seattle, WA 98109 · ' +
    '<a href="https://www.example.com/unsubscribe?u=8f7e6d5c">Unsubscribe</a></td></tr></table></td></tr></table></body></html>';
  const text =
    'Verify your sign-in\n\nEnter this verification code to continue: 482 913\n\nConfirm email address: https://click.example.com/ls/click?upn=Qk3mZ9xLp2Wv8RyT5sN4bC7dE0&id=1\n\n';
  let html = head;
  for (let i = 0; html.length + foot.length + text.length < bytes; i++) html += row(i);
  html += foot;
  return { subject: 'Your verification code', text, html };
}

function measure(inputs: ExtractionInput[], rounds: number): number[] {
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const input of inputs) {
      const start = performance.now();
      extractVerification(input);
      samples.push(performance.now() - start);
    }
  }
  return samples;
}

export async function runExtractionBench(): Promise<[string, string][]> {
  const mail = verificationMail();
  const corpus = loadCorpus().map(({ subject, text, html }) => ({ subject, text, html }));
  const hostile: ExtractionInput[] = [
    { subject: '', text: '7'.repeat(1024 * 1024), html: '' },
    { subject: '', text: '', html: `${'<div>'.repeat(100_000)}code 482913${'</div>'.repeat(100_000)}` },
  ];
  // Warm-up: JIT.
  measure([mail], 300);
  measure(corpus, 5);
  const big = percentiles(measure([mail], iterations));
  const all = percentiles(measure(corpus, Math.max(1, Math.round(iterations / corpus.length))));
  const worst = percentiles(measure(hostile, 5));
  const size = (mail.html.length + mail.text.length) / 1024;
  return [
    [
      `extraction, ${size.toFixed(0)} KB verification mail (per message)`,
      `p50 ${big.p50.toFixed(3)} ms, p99 ${big.p99.toFixed(3)} ms`,
    ],
    [
      `extraction, corpus of ${corpus.length} mails (per message)`,
      `p50 ${all.p50.toFixed(3)} ms, p99 ${all.p99.toFixed(3)} ms`,
    ],
    [
      'extraction, hostile (1 MB digits, 100k nested divs)',
      `p50 ${worst.p50.toFixed(1)} ms, max ${worst.max.toFixed(1)} ms`,
    ],
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const [k, v] of await runExtractionBench()) console.log(`${k} | ${v}`);
}
