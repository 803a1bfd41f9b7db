// Starts `burnbox dev` as a child process the way a CI job does: read the one JSON line from its
// stdout and go. Its temporary directory is made under a folder of the test's own (TMPDIR), so
// the test can see it appear and be removed.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { childEnv } from './process.ts';

export const cliPath = new URL('../../bin/burnbox.mjs', import.meta.url).pathname;

export interface DevLine {
  http: string;
  smtp: number;
  domain: string;
  apiKey: string;
}

export interface DevProcess {
  child: ChildProcess;
  /** The parsed JSON line. */
  line: DevLine;
  /** Every stdout line so far (the JSON line first). */
  stdoutLines: string[];
  stderr(): string;
  /** The folder given to the child as TMPDIR: what `burnbox dev` made in it. */
  tmpRoot: string;
  tmpEntries(): string[];
  /** Environment for client commands against it. */
  clientEnv: Record<string, string>;
  /** Sends the signal and resolves with the exit code once the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Removes the test's TMPDIR folder (whatever is left in it). */
  cleanup(): void;
}

export async function startDev(args: string[] = [], env: Record<string, string> = {}): Promise<DevProcess> {
  const tmpRoot = mkdtempSync(path.join(os.tmpdir(), 'burnbox-devtest-'));
  const child = spawn(process.execPath, [cliPath, 'dev', ...args], {
    env: childEnv({ ...env, TMPDIR: tmpRoot }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const stdoutLines: string[] = [];
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  lines.on('line', (l) => stdoutLines.push(l));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const first = await Promise.race([
    new Promise<string>((resolve) => lines.once('line', resolve)),
    exited.then(() => {
      throw new Error(`burnbox dev exited before its line:\n${stderr}`);
    }),
  ]);
  const line = JSON.parse(first) as DevLine;
  return {
    child,
    line,
    stdoutLines,
    stderr: () => stderr,
    tmpRoot,
    tmpEntries: () => readdirSync(tmpRoot),
    clientEnv: { BURNBOX_URL: line.http, BURNBOX_API_KEY: line.apiKey },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
    cleanup() {
      rmSync(tmpRoot, { recursive: true, force: true });
    },
  };
}
