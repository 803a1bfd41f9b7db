// Runs the real `burnbox` command as child processes, for tests of the CLI and of crashes.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import net from 'node:net';

const cli = new URL('../../bin/burnbox.mjs', import.meta.url).pathname;

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

/**
 * The environment of a child `burnbox`: this one's, less the test runner's own BURNBOX_TEST_*
 * and BURNBOX_CHROMIUM variables (burnbox would rightly warn of them as unknown settings).
 */
export function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const inherited = Object.entries(process.env).filter(
    ([name]) => !name.startsWith('BURNBOX_TEST_') && name !== 'BURNBOX_CHROMIUM',
  );
  return { ...Object.fromEntries(inherited), ...env };
}

/** Runs `burnbox <args>` to completion (`cliPath`: another checkout's bin/burnbox.mjs). */
export function runCli(args: string[], env: Record<string, string>, cliPath = cli) {
  const result = spawnSync(process.execPath, [cliPath, ...args], {
    env: childEnv(env),
    encoding: 'utf8',
    timeout: 30000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Resolves once something accepts connections on the port (bounded wait). */
export async function waitForPort(port: number, timeoutMs = 20000): Promise<void> {
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
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listened on port ${port} within ${timeoutMs} ms`);
}

export interface ServeProcess {
  child: ChildProcess;
  smtpPort: number;
  httpPort: number;
  baseUrl: string;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
  env: Record<string, string>;
  /** What the process wrote to stderr so far (all of it once `exited` has resolved). */
  stderr(): string;
  /** What it wrote to stdout (its log lines) so far. */
  stdout(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts `burnbox serve` on free loopback ports and waits until both listeners are up.
 * `nodeArgs`: flags for Node itself (a benchmark's `--cpu-prof`).
 */
export async function startServe(
  env: Record<string, string>,
  cliPath = cli,
  nodeArgs: string[] = [],
): Promise<ServeProcess> {
  const smtpPort = await freePort();
  const httpPort = await freePort();
  const fullEnv = {
    BURNBOX_SMTP_HOST: '127.0.0.1',
    BURNBOX_HTTP_HOST: '127.0.0.1',
    BURNBOX_SMTP_PORT: String(smtpPort),
    BURNBOX_HTTP_PORT: String(httpPort),
    BURNBOX_LOG_LEVEL: 'silent',
    ...env,
  };
  const child = spawn(process.execPath, [...nodeArgs, cliPath, 'serve'], {
    env: childEnv(fullEnv),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout?.on('data', (chunk) => {
    stdout += chunk;
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  // 'close', not 'exit': by then stdout and stderr have been read to their ends.
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  try {
    await Promise.race([
      Promise.all([waitForPort(smtpPort), waitForPort(httpPort)]),
      exited.then(() => {
        throw new Error('burnbox serve exited before listening');
      }),
    ]);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${stderr}`);
  }
  return {
    child,
    smtpPort,
    httpPort,
    baseUrl: `http://127.0.0.1:${httpPort}`,
    exited,
    env: fullEnv,
    stderr: () => stderr,
    stdout: () => stdout,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
