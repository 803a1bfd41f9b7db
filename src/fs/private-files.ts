// The data directory holds every received message, the token and cookie secrets and webhook
// secrets: nobody but the server's own user may read it. Directories are created 0700 and
// files 0600 whatever the umask, and a data directory left readable by an older version (0755
// directories, 0644 files) is tightened at start.
import { chmodSync, closeSync, mkdirSync, openSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export const privateDirMode = 0o700;
export const privateFileMode = 0o600;

/** Whether group or others have any access to the file or directory at `p`. */
function isLoose(p: string): boolean {
  return (statSync(p).mode & 0o077) !== 0;
}

/** Creates `dir` (and any missing parents) 0700, or makes an existing one 0700. */
export function makePrivateDirSync(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: privateDirMode });
  if (isLoose(dir)) chmodSync(dir, privateDirMode);
}

/** Creates an empty file 0600 if `file` is missing, or makes an existing one 0600. */
export function makePrivateFileSync(file: string): void {
  closeSync(openSync(file, 'a', privateFileMode));
  if (isLoose(file)) chmodSync(file, privateFileMode);
}

/**
 * Makes `dir` and everything under it private. A private directory without subdirectories
 * (link count 2 on the usual file systems; others report 1 and are listed) is not listed: this
 * server writes message files private into private directories, so once a tree is tightened a
 * start costs one look per directory, not one per message file.
 */
export function tightenTreeSync(dir: string): void {
  const stats = statSync(dir);
  const loose = (stats.mode & 0o077) !== 0;
  if (loose) chmodSync(dir, privateDirMode);
  if (!loose && stats.nlink === 2) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const entryPath = path.join(dir, entry.name);
    if (entry.isDirectory()) tightenTreeSync(entryPath);
    else if (entry.isFile() && isLoose(entryPath)) chmodSync(entryPath, privateFileMode);
  }
}

/**
 * Prepares the data directory at start: created private when missing; when it exists, it and
 * what it holds (the database and its -wal/-shm files, the message files) are made private.
 */
export function preparePrivateDataDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: privateDirMode });
  tightenTreeSync(dir);
}
