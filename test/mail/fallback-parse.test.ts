// A spooled message the MIME parser rejects (here: more parts than it allows) is shown from the
// start of its file, not read back whole into memory; the raw message is kept in full elsewhere.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { AttachmentsInMemory } from '../../src/mail/attachment-sinks.ts';
import { parseMail } from '../../src/mail/parse.ts';

test('a rejected spooled message is read from its first megabyte only', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'burnbox-fallback-'));
  try {
    const parts = Array.from(
      { length: 1_500 },
      (_, i) => `--b\r\nContent-Type: text/plain\r\n\r\npart ${i}\r\n`,
    );
    const filler = 'x'.repeat(76);
    const body = `${parts.join('')}--b--\r\n${`${filler}\r\n`.repeat(40_000)}`;
    const raw = `From: Someone <someone@example.org>\r\nSubject: Many parts\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n${body}`;
    assert.ok(raw.length > 3 * 1024 * 1024);
    const file = path.join(dir, 'spooled');
    await writeFile(file, raw);
    const parsed = await parseMail({ file }, '', new AttachmentsInMemory());
    assert.equal(parsed.subject, 'Many parts');
    assert.equal(parsed.fromEmail, 'someone@example.org');
    assert.ok(parsed.text.length <= 1024 * 1024, `text of ${parsed.text.length} characters`);
    assert.ok(parsed.text.startsWith('--b'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
