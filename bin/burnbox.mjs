#!/usr/bin/env node
// Entry point of the `burnbox` command. Burnbox is written in TypeScript that Node 24 runs
// directly; when this file is started by an older system Node, re-run it on the Node 24
// that `npm ci` installed (the `node` package) so `npx burnbox` works everywhere.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

const major = Number(process.versions.node.split('.')[0]);
if (major >= 24) {
  // Stored files are fsynced on libuv's thread pool; its default of 4 threads would
  // serialise concurrent SMTP deliveries behind each other's fsyncs.
  process.env.UV_THREADPOOL_SIZE ??= '16';
  // Before anything loads the PostgreSQL driver: a fix to it is applied as it is loaded.
  await import('../src/store/postgres/driver-patch.ts');
  const { main } = await import('../src/cli/main.ts');
  await main(process.argv.slice(2));
} else {
  const require = createRequire(import.meta.url);
  const pinnedNode = require.resolve('node/bin/node');
  const child = spawn(pinnedNode, [new URL(import.meta.url).pathname, ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => (signal ? process.kill(process.pid, signal) : process.exit(code ?? 1)));
}
