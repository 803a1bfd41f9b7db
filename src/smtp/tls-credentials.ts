// The certificate and key STARTTLS is offered with: read from the PEM files of BURNBOX_TLS_CERT
// and BURNBOX_TLS_KEY, checked to belong together, and read again when the files change
// (certbot renews them in place every few weeks), without a restart.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { ConfigError, type TlsFiles } from '../config/settings.ts';
import type { Logger } from '../domain/context.ts';

export interface TlsCredentials {
  cert: Buffer;
  key: Buffer;
  /** SHA-256 fingerprint of the (leaf) certificate, for the log. */
  fingerprint: string;
  /** When the certificate stops being valid (its notAfter), for the log. */
  validTo: string;
}

/** The TLS versions offered: 1.2 and later (1.0 and 1.1 are deprecated by RFC 8996). */
export const tlsMinVersion = 'TLSv1.2';

function readPem(file: string, setting: 'BURNBOX_TLS_CERT' | 'BURNBOX_TLS_KEY'): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied (the server runs as a user that cannot read it)'
          : code === 'EISDIR'
            ? 'a directory, not a file'
            : ((err as Error).message ?? 'unreadable');
    throw new ConfigError(`Invalid setting ${setting}="${file}": cannot read the file: ${why}`);
  }
}

/**
 * Reads and checks both files. Throws ConfigError naming the setting at fault: a file that cannot
 * be read, that holds no PEM certificate or key, or a key that is not the certificate's.
 */
export function readTlsCredentials(files: TlsFiles): TlsCredentials {
  const cert = readPem(files.certFile, 'BURNBOX_TLS_CERT');
  const key = readPem(files.keyFile, 'BURNBOX_TLS_KEY');
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch {
    throw new ConfigError(
      `Invalid setting BURNBOX_TLS_CERT="${files.certFile}": the file holds no PEM certificate`,
    );
  }
  let privateKey: ReturnType<typeof createPrivateKey>;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new ConfigError(
      `Invalid setting BURNBOX_TLS_KEY="${files.keyFile}": the file holds no PEM private key (or it is encrypted)`,
    );
  }
  if (!x509.checkPrivateKey(privateKey)) {
    throw new ConfigError(
      `Invalid setting BURNBOX_TLS_KEY="${files.keyFile}": the key does not match the certificate in BURNBOX_TLS_CERT="${files.certFile}"`,
    );
  }
  return { cert, key, fingerprint: x509.fingerprint256, validTo: x509.validTo };
}

export interface TlsWatchOptions {
  /** How often the files' metadata is looked at. */
  pollMs: number;
  /** A change is read once the files have stayed unchanged this long (certbot writes both). */
  settleMs: number;
}

export const defaultTlsWatch: TlsWatchOptions = { pollMs: 10_000, settleMs: 2_000 };

/** What tells a file's version apart: a renewal replaces the file (new inode) or rewrites it. */
function versionOf(file: string): string {
  try {
    const s = statSync(file);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return 'missing';
  }
}

/**
 * Looks at both files every `pollMs` (stat follows certbot's symlinks, where fs.watch on the
 * link would miss the change), and once a change has settled reads them and hands the new
 * credentials to `apply`. A pair that fails its checks is logged and the previous one kept.
 */
export class TlsFileWatcher {
  readonly #files: TlsFiles;
  readonly #apply: (credentials: TlsCredentials) => void;
  readonly #log: Logger;
  readonly #options: TlsWatchOptions;
  #seen: string;
  #poll: NodeJS.Timeout | undefined;
  #settle: NodeJS.Timeout | undefined;

  constructor(
    files: TlsFiles,
    apply: (credentials: TlsCredentials) => void,
    log: Logger,
    options: TlsWatchOptions = defaultTlsWatch,
  ) {
    this.#files = files;
    this.#apply = apply;
    this.#log = log;
    this.#options = options;
    this.#seen = this.#version();
  }

  #version(): string {
    return `${versionOf(this.#files.certFile)} ${versionOf(this.#files.keyFile)}`;
  }

  start(): void {
    this.#poll = setInterval(() => this.#look(), this.#options.pollMs);
    this.#poll.unref();
  }

  #look(): void {
    const now = this.#version();
    if (now === this.#seen) return;
    this.#seen = now;
    // Each further change restarts the wait: read once both files are written.
    clearTimeout(this.#settle);
    this.#settle = setTimeout(() => this.reload(), this.#options.settleMs);
    this.#settle.unref();
  }

  /** Reads the files now; keeps the current credentials if the new ones fail their checks. */
  reload(): boolean {
    this.#seen = this.#version();
    let credentials: TlsCredentials;
    try {
      credentials = readTlsCredentials(this.#files);
    } catch (err) {
      this.#log.error(
        { err: (err as Error).message },
        'TLS certificate not reloaded: the previous one stays in use',
      );
      return false;
    }
    this.#apply(credentials);
    this.#log.info(
      { fingerprint: credentials.fingerprint, validTo: credentials.validTo },
      'TLS certificate loaded',
    );
    return true;
  }

  stop(): void {
    clearInterval(this.#poll);
    clearTimeout(this.#settle);
  }
}
