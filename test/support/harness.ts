// Starts a real Burnbox (SQLite in a temporary directory, SMTP and HTTP on free ports) for a
// test, with helpers to talk to it over real sockets.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import { type RunningBurnbox, startBurnbox } from '../../src/app.ts';
import { loadConfig, type SettingName } from '../../src/config/settings.ts';
import type { Logger } from '../../src/domain/context.ts';
import type { DnsResolver as SenderDnsResolver } from '../../src/net/dns-lookups.ts';
import type { DnsResolver } from '../../src/net/dns-records.ts';
import type { ResolveHost } from '../../src/net/target-check.ts';
import type { TlsWatchOptions } from '../../src/smtp/tls-credentials.ts';
import { PostgresStore } from '../../src/store/postgres/store.ts';
import { FakeDns } from './fake-dns.ts';
import { dropSchema, freshSchemaName, postgresUrl } from './postgres.ts';

export interface TestServer {
  burnbox: RunningBurnbox;
  dataDir: string;
  baseUrl: string;
  smtpPort: number;
  /** Adjustable clock: tests move time forward instead of sleeping. */
  clock: { now: number; advance(ms: number): void };
  close(): Promise<void>;
}

export interface TestUser {
  email: string;
  key: string;
  id: number;
}

/**
 * The backend of test servers: the embedded SQLite, or (BURNBOX_TEST_BACKEND=postgres) a fresh
 * schema of the test PostgreSQL for each server, dropped when it closes.
 */
function backendSettings(dataDir: string | undefined): {
  settings: Partial<Record<SettingName, string>>;
  cleanup(): Promise<void>;
} {
  if (process.env.BURNBOX_TEST_BACKEND !== 'postgres') return { settings: {}, cleanup: async () => {} };
  // A test that names its data directory restarts one installation: it keeps one schema, which
  // `removeInstallation` drops.
  const schema = dataDir ? schemaOfInstallation(dataDir) : freshSchemaName('bb_api');
  return {
    settings: { BURNBOX_DATABASE_URL: postgresUrl(), BURNBOX_DATABASE_SCHEMA: schema },
    cleanup: dataDir ? async () => {} : () => dropSchema(schema),
  };
}

function schemaOfInstallation(dataDir: string): string {
  return `bb_dir_${createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 16)}`;
}

/**
 * Settings that put an installation a test names by its data directory on the test backend:
 * none for SQLite (the data directory holds it), the installation's own schema of the test
 * PostgreSQL otherwise. For `burnbox` processes the test starts (`serve`, CLI commands), which
 * do not see BURNBOX_TEST_BACKEND; `removeInstallation` drops the schema.
 */
export function installationSettings(dataDir: string): Record<string, string> {
  if (process.env.BURNBOX_TEST_BACKEND !== 'postgres') return {};
  return { BURNBOX_DATABASE_URL: postgresUrl(), BURNBOX_DATABASE_SCHEMA: schemaOfInstallation(dataDir) };
}

/** Fails unless the installation's data went where the test backend keeps it. */
export function assertOnTestBackend(dataDir: string): void {
  const sqliteFile = existsSync(path.join(dataDir, 'burnbox.db'));
  const postgres = process.env.BURNBOX_TEST_BACKEND === 'postgres';
  if (sqliteFile === postgres) {
    throw new Error(`${dataDir}: expected the data ${postgres ? 'in PostgreSQL' : 'in burnbox.db'}`);
  }
}

/** Removes an installation a test kept across restarts: its data directory (and schema). */
export async function removeInstallation(dataDir: string): Promise<void> {
  rmSync(dataDir, { recursive: true, force: true });
  if (process.env.BURNBOX_TEST_BACKEND === 'postgres') await dropSchema(schemaOfInstallation(dataDir));
}

/**
 * The resolver test servers check saved webhook hosts with and send to them with, unless a
 * test gives its own: no DNS. `localhost` is loopback, as on every system; any other name a
 * public address (the check lets it through).
 */
export const testResolveHost: ResolveHost = async (hostname) =>
  hostname === 'localhost' ? ['127.0.0.1', '::1'] : ['93.184.216.34'];

/**
 * The DNS of test servers' sender checks, unless a test gives its own: no network, and no
 * records anywhere (every check says `none`).
 */
export const noDnsRecords: SenderDnsResolver = async (name) => {
  throw Object.assign(new Error(`no records for ${name}`), { code: 'ENOTFOUND' });
};

export async function startTestServer(
  settings: Partial<Record<SettingName, string>> = {},
  options: {
    resolveHost?: ResolveHost;
    dnsResolver?: DnsResolver;
    senderDns?: SenderDnsResolver;
    tlsWatch?: TlsWatchOptions;
    log?: Logger;
  } = {},
): Promise<TestServer> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'burnbox-test-'));
  const backend = backendSettings(settings.BURNBOX_DATA_DIR);
  const config = loadConfig(
    {},
    {
      BURNBOX_DATA_DIR: dataDir,
      BURNBOX_SMTP_HOST: '127.0.0.1',
      BURNBOX_SMTP_PORT: '0',
      BURNBOX_HTTP_HOST: '127.0.0.1',
      BURNBOX_HTTP_PORT: '0',
      BURNBOX_LOG_LEVEL: 'silent',
      BURNBOX_PUBLIC_URL: 'https://mail.test',
      ...backend.settings,
      ...settings,
    },
  );
  const clock = {
    now: Date.now(),
    advance(ms: number) {
      this.now += ms;
    },
  };
  const burnbox = await startBurnbox(config, {
    now: () => clock.now,
    resolveHost: options.resolveHost ?? testResolveHost,
    // Custom domains' DNS: only what a test publishes (none by default), never the network.
    dnsResolver: options.dnsResolver ?? new FakeDns(),
    tlsWatch: options.tlsWatch,
    log: options.log,
    senderDns: options.senderDns ?? noDnsRecords,
  });
  return {
    burnbox,
    dataDir,
    baseUrl: `http://127.0.0.1:${burnbox.httpPort}`,
    smtpPort: burnbox.smtpPort,
    clock,
    async close() {
      await burnbox.close();
      await backend.cleanup();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function addDomain(server: TestServer, name: string, type: 'free' | 'premium' = 'free') {
  return server.burnbox.services.domains.add(name, type);
}

export async function createUser(server: TestServer, email: string, plan = 'free'): Promise<TestUser> {
  const { accounts } = server.burnbox.services;
  const user = await accounts.createUser({ email, plan });
  return { email, id: user.id, key: await accounts.issueApiKey(user.id) };
}

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  raw: Buffer;
}

/** An HTTP request to the server, authenticated with `key` as a Bearer token when given. */
export interface ApiRequest {
  key?: string;
  /** How the key is sent: Authorization: Bearer (default) or the key dialect's X-API-Key. */
  scheme?: 'bearer' | 'x-api-key';
  headers?: Record<string, string>;
  /** Sent as JSON; a string is sent as the raw body (with a JSON content type unless given). */
  body?: unknown;
}

export async function api<T = any>(
  server: TestServer,
  method: string,
  urlPath: string,
  options: ApiRequest = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (options.key !== undefined) {
    if (options.scheme === 'x-api-key') headers['X-API-Key'] = options.key;
    else headers.Authorization = `Bearer ${options.key}`;
  }
  Object.assign(headers, options.headers);
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['Content-Type'] ??= 'application/json';
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  }
  const response = await fetch(server.baseUrl + urlPath, { method, headers, body });
  const raw = Buffer.from(await response.arrayBuffer());
  const isJson = response.headers.get('content-type')?.includes('application/json');
  return {
    status: response.status,
    headers: response.headers,
    body: isJson ? JSON.parse(raw.toString()) : raw,
    raw,
  };
}

export interface SendResult {
  accepted: string[];
  rejected: string[];
  response: string;
}

/** Sends one message over a fresh SMTP connection (nodemailer as the client). */
async function send(server: TestServer, mail: SendMailOptions): Promise<SendResult> {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: server.smtpPort,
    secure: false,
    ignoreTLS: true,
  });
  try {
    const info = await transport.sendMail(mail);
    return {
      accepted: info.accepted.map(String),
      rejected: info.rejected.map(String),
      response: info.response,
    };
  } finally {
    transport.close();
  }
}

/** Sends a raw RFC 5322 message over SMTP; resolves with the server's final reply. */
export function sendRaw(server: TestServer, raw: Buffer | string, envelope: { from: string; to: string[] }) {
  return send(server, { envelope, raw });
}

/** Sends a simple message built by nodemailer. */
export function sendMail(server: TestServer, mail: SendMailOptions & { to: string | string[] }) {
  return send(server, { from: 'Sender <sender@example.org>', ...mail });
}

/** Creates a mailbox through the user API and returns its `data`. */
export async function createMailbox(server: TestServer, user: TestUser) {
  const res = await api(server, 'POST', '/api/emails', { key: user.key });
  if (res.status !== 200)
    throw new Error(`mailbox creation failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data as {
    id: number;
    email: string;
    domain: string;
    expire_at: string;
    expires_in_seconds: number;
    created_at: string;
    email_token: string;
  };
}

/**
 * Keys of the message blobs kept outside the rows (those larger than the inline limit): files in
 * the data directory with SQLite (named by their key), blob rows with PostgreSQL.
 */
export async function storedBlobKeys(server: TestServer): Promise<string[]> {
  const { store } = server.burnbox.services;
  if (store instanceof PostgresStore) {
    const rows = await store.sql<{ key: string }[]>`SELECT key FROM blobs ORDER BY key`;
    return rows.map((r) => r.key);
  }
  const dir = path.join(server.dataDir, 'blobs');
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => e.name)
    .sort();
}

export async function storedBlobCount(server: TestServer): Promise<number> {
  return (await storedBlobKeys(server)).length;
}

/** The whole of a stored blob, read back through the server's blob store. */
export async function readStoredBlob(server: TestServer, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of server.burnbox.services.context.blobs.read(key)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Messages kept inside the database, committed with their rows (the inline blobs). */
export async function inlineBlobCount(server: TestServer): Promise<number> {
  const { store } = server.burnbox.services;
  if (store instanceof PostgresStore) {
    const [row] = await store.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM inline_blobs`;
    return row?.n ?? 0;
  }
  const db = new Database(path.join(server.dataDir, 'burnbox.db'), { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM inline_blobs').get() as { n: number }).n;
  } finally {
    db.close();
  }
}
