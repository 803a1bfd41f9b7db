// BURNBOX_LOG_LEVEL: `serve` writes its log as JSON lines on stdout, down to that level. The same
// start and stop are logged at info; at error they are left out (checked once the process has
// exited, so its output is complete).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { startServe } from '../support/process.ts';

/** The log lines of a `serve` started and stopped at `level`. */
async function logOfStartAndStop(level: string): Promise<{ level: number; msg: string }[]> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'burnbox-log-level-'));
  try {
    const serve = await startServe({ BURNBOX_DATA_DIR: dataDir, BURNBOX_LOG_LEVEL: level });
    await serve.stop();
    return serve
      .stdout()
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

test('BURNBOX_LOG_LEVEL=info logs the start and stop as JSON lines; error leaves them out', async () => {
  const info = await logOfStartAndStop('info');
  const messages = info.map((line) => [line.level, line.msg]);
  assert.deepEqual(
    messages.filter(([, msg]) => msg === 'burnbox is running' || msg === 'shutting down'),
    [
      [30, 'burnbox is running'],
      [30, 'shutting down'],
    ],
  );
  const error = await logOfStartAndStop('error');
  assert.deepEqual(
    error.filter((line) => line.level < 50),
    [],
  );
});
