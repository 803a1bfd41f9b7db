// A PostgreSQL server of the test's own (initdb into a temporary directory, a free port), so
// that a test may stop and start it: the shared server on 5432 is never touched. As root the
// server runs as the `postgres` user, which owns the directory.
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../support/process.ts';
import { executable, isRoot } from './prerequisites.ts';

const bin = '/usr/lib/postgresql/15/bin';

export const privatePostgresPrerequisites = {
  'not running as root (the private PostgreSQL runs as the postgres user)': isRoot,
  [`no ${bin}/initdb`]: executable(`${bin}/initdb`),
  'no postgres user': () => spawnSync('id', ['-u', 'postgres'], { stdio: 'ignore' }).status === 0,
};

export interface PrivatePostgres {
  url: string;
  port: number;
  /** Stops the server (fast shutdown: sessions are ended, as when it goes away). */
  stop(): void;
  start(): void;
  /** Starts it unless it runs (cleanup after a test that failed while it was stopped). */
  ensureRunning(): void;
  /**
   * Freezes the postmaster (SIGSTOP): sessions already open go on, but a new connection is
   * accepted by the kernel and then never answered, as with a hung server or a lost network.
   */
  pause(): void;
  resume(): void;
  /** Stops it if running and removes its directory. */
  destroy(): void;
}

function asPostgres(args: string[]): void {
  const result = spawnSync('runuser', ['-u', 'postgres', '--', ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'burnbox-pg-'));
  const data = path.join(dir, 'data');
  const sockets = path.join(dir, 'sockets');
  mkdirSync(sockets);
  const ids = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  for (const p of [dir, sockets]) chownSync(p, Number(ids.stdout), Number(gid.stdout));
  chmodSync(dir, 0o700);
  const port = await freePort();
  asPostgres([`${bin}/initdb`, '-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  const options = `-p ${port} -k ${sockets} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`;
  const pgCtl = (...args: string[]) =>
    asPostgres([`${bin}/pg_ctl`, '-D', data, '-l', path.join(dir, 'log'), '-w', '-t', '60', ...args]);
  let running = false;
  const postmasterPid = () => Number(readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const server: PrivatePostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    start() {
      pgCtl('-o', options, 'start');
      running = true;
    },
    stop() {
      pgCtl('-m', 'fast', 'stop');
      running = false;
    },
    ensureRunning() {
      if (!running) server.start();
    },
    pause() {
      process.kill(postmasterPid(), 'SIGSTOP');
    },
    resume() {
      process.kill(postmasterPid(), 'SIGCONT');
    },
    destroy() {
      if (running) {
        try {
          process.kill(postmasterPid(), 'SIGCONT');
        } catch {}
        try {
          pgCtl('-m', 'immediate', 'stop');
        } catch {}
        running = false;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  server.start();
  return server;
}
