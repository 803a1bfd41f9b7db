// Mounts powercut_fs.py (a FUSE file system that keeps only what was fsynced) and cuts the power
// on it: unmounting makes it write its durable state, which the next mount serves.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { until } from '../../support/until.ts';
import { executable, exists, isRoot } from './prerequisites.ts';

const python = '/usr/bin/python3';
const script = new URL('./powercut_fs.py', import.meta.url).pathname;

export const powerCutPrerequisites = {
  'not running as root (mounting needs it)': isRoot,
  'no /dev/fuse': exists('/dev/fuse'),
  [`no ${python}`]: executable(python),
  'python3-fusepy is not installed (apt-get install fuse3 python3-fusepy)': () =>
    spawnSync(python, ['-c', 'import fusepy'], { stdio: 'ignore' }).status === 0 ||
    spawnSync(python, ['-c', 'import fuse'], { stdio: 'ignore' }).status === 0,
};

/** What the file system held at the cut, and what of it was durable. */
export interface CutSummary {
  files: number;
  bytes: number;
  durable_files: number;
  durable_bytes: number;
  fsyncs: number;
  dir_fsyncs: number;
}

export interface PowerCutMount {
  mountpoint: string;
  /** Unmounts, dropping everything not fsynced; nothing may have a file open there. */
  cut(): Promise<CutSummary>;
}

function mounted(mountpoint: string): boolean {
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .some((line) => line.split(' ')[1] === mountpoint);
}

/** Mounts the file system at `mountpoint`, serving the durable state kept in `stateFile` (if any). */
export async function mountPowerCut(mountpoint: string, stateFile: string): Promise<PowerCutMount> {
  const child: ChildProcess = spawn(python, [script, mountpoint, stateFile], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  await until(
    () => gone || mounted(mountpoint),
    `the power-cut file system is mounted at ${mountpoint}`,
    20_000,
  );
  if (gone) throw new Error(`the power-cut file system did not mount:\n${stderr}`);
  return {
    mountpoint,
    async cut() {
      // The last process with a file open there may take a moment to be reaped.
      await until(
        () => spawnSync('umount', [mountpoint], { stdio: 'ignore' }).status === 0 || !mounted(mountpoint),
        `${mountpoint} is unmounted`,
        20_000,
      );
      await exited;
      const line = stderr.trim().split('\n').at(-1) ?? '';
      try {
        return JSON.parse(line) as CutSummary;
      } catch {
        throw new Error(`the power-cut file system did not report its state:\n${stderr}`);
      }
    },
  };
}

/** Unmounts whatever is left mounted at `mountpoint` (cleanup after a failure). */
export function forceUnmount(mountpoint: string): void {
  if (mounted(mountpoint)) spawnSync('umount', ['-l', mountpoint], { stdio: 'ignore' });
}
