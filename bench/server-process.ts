// Runs a real Burnbox server as a child process for benchmarks (so the load client does not
// share its event loop), on free loopback ports with a fresh data directory.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli, startServe } from '../test/support/process.ts';

/** The kernel's clock ticks per second (USER_HZ), 100 on Linux everywhere that matters. */
const clockTicksPerSecond = 100;

export interface BenchServer {
  httpPort: number;
  smtpPort: number;
  baseUrl: string;
  /** Process id of the server. */
  pid: number;
  /** Its data directory (the SQLite database is `burnbox.db` there). */
  dataDir: string;
  /** Runs a `burnbox` admin command against the same data; returns its stdout. */
  cli(...args: string[]): string;
  /** Peak resident set size of the server process, in MiB (VmHWM). */
  peakRssMiB(): number;
  /**
   * CPU time the server process has used so far (all its threads), in seconds: less swayed than
   * a rate by what else runs on a shared machine.
   */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/** `cliPath`: another checkout's bin/burnbox.mjs, to measure that code side by side with this. */
export async function startBenchServer(
  settings: Record<string, string>,
  cliPath?: string,
): Promise<BenchServer> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'burnbox-bench-'));
  // BENCH_SERVER_NODE_ARGS: Node flags for the server, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`
  // (NODE_OPTIONS refuses --cpu-prof); the profile is written as the server stops.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const serve = await startServe(
    { BURNBOX_DATA_DIR: dataDir, BURNBOX_LOG_LEVEL: 'warn', ...settings },
    cliPath,
    nodeArgs,
  );
  return {
    httpPort: serve.httpPort,
    smtpPort: serve.smtpPort,
    baseUrl: serve.baseUrl,
    pid: serve.child.pid as number,
    dataDir,
    cli(...args) {
      const result = runCli(args, serve.env, cliPath);
      if (result.status !== 0) throw new Error(`burnbox ${args.join(' ')}: ${result.stderr}`);
      return result.stdout;
    },
    peakRssMiB() {
      const status = readFileSync(`/proc/${serve.child.pid}/status`, 'utf8');
      return Math.round(Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
    },
    cpuSeconds() {
      // utime and stime, the 14th and 15th fields, after the command name in parentheses.
      const stat = readFileSync(`/proc/${serve.child.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond;
    },
    async stop() {
      await serve.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
