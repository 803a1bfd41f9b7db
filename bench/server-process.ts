// Runs a real Burnbox server as a child process for benchmarks (so the load client does not
// share its event loop), on free loopback ports with a fresh data directory.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const cli = new URL('../bin/burnbox.mjs', import.meta.url).pathname;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server did not open port ${port} within ${timeoutMs} ms`);
}

export interface BenchServer {
  env: Record<string, string>;
  httpPort: number;
  smtpPort: number;
  baseUrl: string;
  /** Runs a `burnbox` admin command against the same data; returns its stdout. */
  cli(...args: string[]): string;
  /** Peak resident set size of the server process, in MiB (VmHWM). */
  peakRssMiB(): number;
  stop(): Promise<void>;
}

export async function startBenchServer(settings: Record<string, string>): Promise<BenchServer> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'burnbox-bench-'));
  const httpPort = await freePort();
  const smtpPort = await freePort();
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    BURNBOX_DATA_DIR: dataDir,
    BURNBOX_HTTP_HOST: '127.0.0.1',
    BURNBOX_SMTP_HOST: '127.0.0.1',
    BURNBOX_HTTP_PORT: String(httpPort),
    BURNBOX_SMTP_PORT: String(smtpPort),
    BURNBOX_PUBLIC_URL: `http://127.0.0.1:${httpPort}`,
    BURNBOX_LOG_LEVEL: 'warn',
    ...settings,
  };
  const run = (...args: string[]) =>
    execFileSync(process.execPath, [cli, ...args], { env, encoding: 'utf8' });
  const child: ChildProcess = spawn(process.execPath, [cli, 'serve'], {
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  await waitForPort(httpPort, 20000);
  await waitForPort(smtpPort, 20000);
  return {
    env,
    httpPort,
    smtpPort,
    baseUrl: `http://127.0.0.1:${httpPort}`,
    cli: run,
    peakRssMiB() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
      return Math.round(kb / 1024);
    },
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
