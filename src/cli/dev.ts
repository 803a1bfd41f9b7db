// `burnbox dev`: a throwaway Burnbox for a test suite or a CI job. It keeps everything in a new
// temporary directory (removed when it stops, on SIGINT/SIGTERM too), listens on free loopback
// ports unless told otherwise, hosts one domain, makes a user with an API key, and prints one
// JSON line saying where all that is, so the caller can read the line and go.
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startBurnbox } from '../app.ts';
import { loadConfig, type SettingName } from '../config/settings.ts';

export const defaultDevDomain = 'burnbox.test';

/** The origin to reach a listener on `host` from this machine (a wildcard address means loopback). */
function originOf(host: string, port: number): string {
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}

export async function devCommand(
  options: { domain?: string },
  settingFlags: Partial<Record<SettingName, string>>,
  env: Record<string, string | undefined>,
  out: (line: string) => void,
  warn: (line: string) => void,
): Promise<void> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'burnbox-dev-'));
  const removeDataDir = () => rmSync(dataDir, { recursive: true, force: true });
  // Whatever ends the process, the directory goes with it (the signal handlers below close
  // the server first; this catches the rest, an uncaught error included).
  process.on('exit', removeDataDir);
  const config = loadConfig(env, {
    ...settingFlags,
    // Throwaway by design: its own SQLite in the temporary directory, whatever the environment
    // says about a database or data directory meant for `serve`.
    BURNBOX_DATA_DIR: dataDir,
    BURNBOX_DATABASE_URL: '',
    BURNBOX_HTTP_HOST: settingFlags.BURNBOX_HTTP_HOST ?? '127.0.0.1',
    BURNBOX_SMTP_HOST: settingFlags.BURNBOX_SMTP_HOST ?? '127.0.0.1',
    BURNBOX_HTTP_PORT: settingFlags.BURNBOX_HTTP_PORT ?? '0',
    BURNBOX_SMTP_PORT: settingFlags.BURNBOX_SMTP_PORT ?? '0',
    // Nothing of it outlives the run, so nothing is worth an fsync (unless asked for).
    BURNBOX_SYNC_WRITES: settingFlags.BURNBOX_SYNC_WRITES ?? 'false',
    // Stdout carries the one JSON line and nothing else.
    BURNBOX_LOG_LEVEL: 'silent',
    BURNBOX_PUBLIC_URL: '',
  });
  // Signal handlers from the start: a job cancelled while the server is still starting leaves
  // nothing behind either.
  let running: Awaited<ReturnType<typeof startBurnbox>> | undefined;
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await running?.close();
    removeDataDir();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());

  try {
    running = await startBurnbox(config);
  } catch (err) {
    removeDataDir();
    throw err;
  }
  const http = originOf(config.http.host, running.httpPort);
  // Attachment URLs and the like point where the line says the server is.
  running.services.config.publicUrl = http;
  const { services } = running;
  const domain = options.domain ?? defaultDevDomain;
  let apiKey: string;
  try {
    await services.domains.add(domain, 'free');
    // Premium: the longest lifetimes, every lifetime of the key API and no cap on mailboxes.
    const user = await services.accounts.createUser({ email: `dev@${domain}`, plan: 'premium' });
    apiKey = await services.accounts.issueApiKey(user.id);
  } catch (err) {
    await running.close();
    removeDataDir();
    throw err;
  }
  if (stopping) return;
  out(JSON.stringify({ http, smtp: running.smtpPort, domain, apiKey }));
  warn(`burnbox dev: ready; data in ${dataDir}, removed when stopped (Ctrl-C or SIGTERM)`);
}
