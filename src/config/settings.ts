// Burnbox configuration: one table of settings, read from BURNBOX_* environment variables and
// overridden by the matching command-line flags (BURNBOX_SMTP_PORT <-> --smtp-port).
// Every value is validated at start; the first bad one stops the start with one clear line.
import { isIP } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { plainErrors } from './expectations.ts';
import { type Plans, parsePlans } from './plans.ts';
import { localPublicUrl } from './public-url.ts';

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();

/** `192.0.2.53`, `192.0.2.53:5353`, `2001:db8::53` or `[2001:db8::53]:5353`, as node:dns takes them. */
function isDnsServer(server: string): boolean {
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(server);
  const withPort = /^([\d.]+):(\d{1,5})$/.exec(server);
  const [host, port] = bracketed
    ? [bracketed[1], bracketed[2]]
    : withPort
      ? [withPort[1], withPort[2]]
      : [server];
  return isIP(host ?? '') !== 0 && (port === undefined || (Number(port) > 0 && Number(port) < 65536));
}
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function isPostgresUrl(value: string): boolean {
  try {
    return ['postgres:', 'postgresql:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && !url.search && !url.hash;
  } catch {
    return false;
  }
}

/** Each setting: its environment name, default, and what a valid value is. */
export const settingDefinitions = {
  BURNBOX_DATABASE_URL: {
    default: '',
    alias: 'DATABASE_URL',
    schema: z
      .string()
      .refine((v) => v === '' || isPostgresUrl(v), 'must be a postgres:// URL (or empty for SQLite)'),
    help: 'PostgreSQL to store everything in (messages included), shared by every process; empty = embedded SQLite in the data directory. DATABASE_URL is read too',
  },
  BURNBOX_DATABASE_SCHEMA: {
    default: 'public',
    schema: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case PostgreSQL identifier'),
    help: 'PostgreSQL schema holding the tables (several installations can share one database)',
  },
  BURNBOX_DATA_DIR: {
    default: './data',
    schema: z.string().min(1),
    help: 'Directory for the SQLite database and stored message files',
  },
  BURNBOX_SMTP_HOST: {
    default: '0.0.0.0',
    schema: z.string().min(1),
    help: 'Address the SMTP server listens on',
  },
  BURNBOX_SMTP_PORT: { default: '2525', schema: port, help: 'SMTP port (0 = any free port)' },
  BURNBOX_HTTP_HOST: {
    default: '0.0.0.0',
    schema: z.string().min(1),
    help: 'Address the HTTP server listens on',
  },
  BURNBOX_HTTP_PORT: { default: '8080', schema: port, help: 'HTTP port (0 = any free port)' },
  BURNBOX_PUBLIC_URL: {
    default: '',
    shownDefault: 'http://localhost:<HTTP port>',
    schema: z
      .string()
      .refine((v) => v === '' || isHttpUrl(v), 'must be an http:// or https:// URL without query or fragment')
      .transform((u) => u.replace(/\/+$/, '')),
    help: 'Public origin users reach; the API base URL is this plus /api, and attachment URLs, share links and docs samples use it',
  },
  BURNBOX_TIMEZONE: {
    default: 'UTC',
    schema: z.string().refine(isTimeZone, 'must be an IANA time zone such as UTC or Asia/Karachi'),
    help: 'Time zone of API dates and of the monthly quota reset',
  },
  BURNBOX_HOSTNAME: {
    default: os.hostname(),
    schema: z.string().min(1),
    help: 'Name the SMTP server greets with (the host your MX record points at)',
  },
  BURNBOX_MAX_MESSAGE_BYTES: {
    default: String(25 * 1024 * 1024),
    schema: positiveInt,
    help: 'Largest message accepted over SMTP (advertised with SIZE; bigger ones get 552)',
  },
  BURNBOX_INLINE_MESSAGE_BYTES: {
    default: String(256 * 1024),
    schema: z.coerce.number().int().min(0),
    help: 'Messages up to this size (raw + attachments) are kept in the database, larger ones as files (0 = always files)',
  },
  BURNBOX_MAX_RECIPIENTS: {
    default: '100',
    schema: positiveInt,
    help: 'Most recipients accepted per message',
  },
  BURNBOX_SMTP_MAX_CLIENTS: {
    default: '1000',
    schema: positiveInt,
    help: 'Most concurrent SMTP connections',
  },
  BURNBOX_SMTP_MAX_CLIENTS_PER_ADDRESS: {
    default: '20',
    schema: positiveInt,
    help: 'Most concurrent SMTP connections from one client address (one IPv6 /64 counts as one address); more get 421',
  },
  BURNBOX_SMTP_MAX_SESSION_SECONDS: {
    default: '600',
    schema: positiveInt,
    help: 'An SMTP connection open longer than this is closed with 421 (after the reply to a message being stored)',
  },
  BURNBOX_SMTP_MAX_MESSAGES_PER_SESSION: {
    default: '1000',
    schema: positiveInt,
    help: 'Most transactions (MAIL FROM) in one SMTP connection; the next one gets 421 and the sender reconnects',
  },
  BURNBOX_SMTP_SPOOL_BYTES: {
    default: String(1024 * 1024),
    schema: z.coerce.number().int().min(0),
    help: 'A message growing past this size while received is written to a spool file in the data directory instead of memory (0 = always)',
  },
  BURNBOX_SMTP_MAX_BYTES_IN_FLIGHT: {
    default: String(256 * 1024 * 1024),
    schema: positiveInt,
    help: 'Most message bytes being received or stored at once, over all connections; past it a message gets 451 (try again later)',
  },
  BURNBOX_TLS_CERT: {
    default: '',
    schema: z.string(),
    help: "PEM certificate (chain) file for STARTTLS, e.g. certbot's fullchain.pem; with BURNBOX_TLS_KEY, SMTP offers STARTTLS (TLS 1.2+) and reloads both files when they change",
  },
  BURNBOX_TLS_KEY: {
    default: '',
    schema: z.string(),
    help: "PEM private key file of BURNBOX_TLS_CERT, e.g. certbot's privkey.pem",
  },
  BURNBOX_SMTP_STORE_TIMEOUT_SECONDS: {
    default: '60',
    schema: positiveInt,
    help: 'A message not stored within this time is answered 451 (try again later)',
  },
  BURNBOX_QUARANTINE_SECONDS: {
    default: String(7 * 24 * 3600),
    schema: z.coerce.number().int().min(0),
    help: 'How long a released address stays reserved for its last owner',
  },
  BURNBOX_SWEEP_INTERVAL_SECONDS: {
    default: '30',
    schema: positiveInt,
    help: 'How often expired mailboxes are deleted',
  },
  BURNBOX_SWEEP_BATCH: {
    default: '200',
    schema: positiveInt,
    help: 'Mailboxes deleted per sweeper transaction',
  },
  BURNBOX_PLANS: {
    default: '',
    schema: z.string(),
    help: 'JSON overriding the plans (see "Plans"), e.g. {"free":{"monthlyRequests":1000}}',
  },
  BURNBOX_LOG_LEVEL: {
    default: 'info',
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    help: 'Log level (logs are JSON lines on stdout)',
  },
  BURNBOX_SYNC_WRITES: {
    default: 'true',
    schema: bool,
    help: 'fsync every commit and stored file before answering 250 (false trades crash safety for speed)',
  },
  BURNBOX_WEBHOOK_TIMEOUT_SECONDS: {
    default: '10',
    schema: positiveInt,
    help: 'A webhook endpoint that has not answered within this time counts as a failed attempt',
  },
  BURNBOX_WEBHOOK_RETRY_HOURS: {
    default: '24',
    schema: z.coerce.number().positive(),
    help: 'Failed webhook deliveries are retried (with backoff) until this long after the event, then given up',
  },
  BURNBOX_WEBHOOK_ALLOW_PRIVATE: {
    default: 'false',
    schema: bool,
    help: 'Let webhooks reach loopback, private, link-local and other internal addresses',
  },
  BURNBOX_WEBHOOK_CONCURRENCY: {
    default: '16',
    schema: positiveInt,
    help: 'Most webhook requests in flight at once, over all users',
  },
  BURNBOX_WEBHOOK_USER_CONCURRENCY: {
    default: '2',
    schema: positiveInt,
    help: "Most webhook requests in flight at once for one user (a slow endpoint never holds up others')",
  },
  BURNBOX_SENDER_AUTH: {
    default: 'true',
    schema: bool,
    help: 'Check every received message (SPF, DKIM, DMARC, ARC) right after it is stored',
  },
  BURNBOX_DNS_SERVERS: {
    default: '',
    schema: z
      .string()
      .transform((v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      )
      .refine((servers) => servers.every(isDnsServer), 'must be IP addresses, each with an optional :port'),
    help: 'DNS servers of the sender checks (comma-separated IP[:port]); empty = the system resolvers',
  },
  BURNBOX_TRUST_PROXY: {
    default: 'false',
    schema: z
      .string()
      .regex(
        /^(true|false|[0-9a-fA-F.:/]+(\s*,\s*[0-9a-fA-F.:/]+)*)$/,
        'must be true, false, or proxy addresses',
      )
      .transform((v) => (v === 'true' ? true : v === 'false' ? false : v)),
    help: 'Behind a reverse proxy: true, or its addresses/CIDRs (comma-separated), so X-Forwarded-For gives the client address used by rate limits',
  },
  BURNBOX_METRICS_TOKEN: {
    default: '',
    schema: z
      .string()
      .refine((v) => v === '' || v.length >= 16, 'must be at least 16 characters (or empty: no /metrics)'),
    help: 'Serves GET /metrics (Prometheus) to requests with "Authorization: Bearer <this token>"; empty = no /metrics',
  },
  BURNBOX_SESSION_TTL_HOURS: {
    default: '720',
    schema: z.coerce.number().positive(),
    help: 'How long a web UI login lasts (hours; may be fractional)',
  },
  BURNBOX_GUEST_MAILBOX_LIMIT: {
    default: '30',
    schema: z.coerce.number().int().min(0),
    help: 'Mailboxes the web UI creates without an account, per client address per hour (0 = none)',
  },
  BURNBOX_LOGIN_ATTEMPT_LIMIT: {
    default: '10',
    schema: positiveInt,
    help: 'Web UI login attempts allowed per client address and email per 15 minutes',
  },
  BURNBOX_LIVE_STREAMS_PER_CLIENT: {
    default: '20',
    schema: positiveInt,
    help: 'Live inbox streams one client address may hold open at once (per process); more are answered 429',
  },
  BURNBOX_CUSTOM_DOMAIN_CHECK_INTERVAL_SECONDS: {
    default: '300',
    schema: positiveInt,
    help: "How often the DNS records of users' pending custom domains are looked up again",
  },
  BURNBOX_CUSTOM_DOMAIN_CHECK_HOURS: {
    default: '48',
    schema: z.coerce.number().positive(),
    help: 'A custom domain whose DNS records are still not right this long after it was added is marked failed (may be fractional)',
  },
  BURNBOX_DNS_TIMEOUT_SECONDS: {
    default: '2',
    schema: z.coerce.number().positive(),
    help: 'A DNS lookup not answered within this time fails: a sender check gives temperror, a custom domain check counts as not found for this try (may be fractional)',
  },
  BURNBOX_HTML_WORKERS: {
    default: '1',
    schema: positiveInt,
    help: 'Worker threads that sanitise received HTML and make text of it, off the event loop',
  },
  BURNBOX_HTML_MAX_BYTES: {
    default: String(8 * 1024 * 1024),
    schema: positiveInt,
    help: 'HTML of a message beyond this size is left out of its shown document and text (the raw message keeps it)',
  },
  BURNBOX_HTML_TIME_BUDGET_SECONDS: {
    default: '10',
    schema: z.coerce.number().positive(),
    help: "Sanitising or converting one message's HTML is stopped after this long (the result is empty); may be fractional",
  },
} as const;

export type SettingName = keyof typeof settingDefinitions;

export interface Config {
  /** PostgreSQL connection URL; undefined = embedded SQLite under dataDir. */
  databaseUrl: string | undefined;
  databaseSchema: string;
  dataDir: string;
  smtp: {
    host: string;
    port: number;
    hostname: string;
    maxMessageBytes: number;
    maxRecipients: number;
    maxClients: number;
    maxClientsPerAddress: number;
    maxSessionMs: number;
    maxMessagesPerSession: number;
    /** Messages growing past this are spooled to a file while received. */
    spoolBytes: number;
    /** Where spool files live (data directory/spool). */
    spoolDir: string;
    maxBytesInFlight: number;
    storeTimeoutMs: number;
    /** The PEM files STARTTLS is offered with; undefined = no STARTTLS. */
    tls: TlsFiles | undefined;
  };
  http: { host: string; port: number; trustProxy: boolean | string };
  publicUrl: string;
  /** The public URL was not set: it is localhost on the HTTP port, settled at start when that is 0. */
  publicUrlFollowsHttpPort: boolean;
  timeZone: string;
  quarantineMs: number;
  inlineMessageBytes: number;
  sweep: { intervalMs: number; batchSize: number };
  plans: Plans;
  logLevel: string;
  syncWrites: boolean;
  webhooks: {
    timeoutMs: number;
    retryHorizonMs: number;
    allowPrivate: boolean;
    concurrency: number;
    userConcurrency: number;
  };
  /** Checking the sender of received mail (src/domain/sender-auth.ts). */
  senderAuth: { enabled: boolean; dnsTimeoutMs: number; dnsServers: string[] };
  web: {
    sessionTtlMs: number;
    /** Guest mailboxes per client address per hour. */
    guestMailboxesPerHour: number;
    /** Failed logins per client address and email per 15 minutes. */
    loginAttemptsPer15Min: number;
    /** Live inbox streams open at once per client address, in one process. */
    liveStreamsPerClient: number;
  };
  /** The worker pool for received HTML (src/mail/html-work.ts). */
  html: { workers: number; maxBytes: number; budgetMs: number };
  /** Verifying users' own domains (src/domain/custom-domains.ts). */
  customDomains: { checkIntervalMs: number; checkWindowMs: number; dnsTimeoutMs: number };
  /** Bearer token of GET /metrics; empty = not served. */
  metricsToken: string;
}

/** Certificate and key files (PEM) for STARTTLS. */
export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

export class ConfigError extends Error {}

/** The configuration for showing to people: the database password and the metrics token are masked. */
export function printableConfig(config: Config): Config {
  const shown = config.metricsToken ? { ...config, metricsToken: '***' } : config;
  if (!shown.databaseUrl) return shown;
  const url = new URL(shown.databaseUrl);
  if (url.password) url.password = '***';
  return { ...shown, databaseUrl: url.toString() };
}

/** Both TLS files or neither: one alone is a mistake (STARTTLS would silently stay off). */
function tlsFiles(
  certFile: string,
  keyFile: string,
  source: (name: SettingName) => string,
): TlsFiles | undefined {
  if (!certFile && !keyFile) return undefined;
  if (!keyFile)
    throw new ConfigError(
      `Invalid setting ${source('BURNBOX_TLS_CERT')}=${JSON.stringify(certFile)}: must be set together with BURNBOX_TLS_KEY (both or neither)`,
    );
  if (!certFile)
    throw new ConfigError(
      `Invalid setting ${source('BURNBOX_TLS_KEY')}=${JSON.stringify(keyFile)}: must be set together with BURNBOX_TLS_CERT (both or neither)`,
    );
  return { certFile: path.resolve(certFile), keyFile: path.resolve(keyFile) };
}

/** Turns `--smtp-port` into `BURNBOX_SMTP_PORT`. */
export function flagToSetting(flag: string): SettingName | undefined {
  const name = `BURNBOX_${flag.replace(/^--/, '').replace(/-/g, '_').toUpperCase()}`;
  return name in settingDefinitions ? (name as SettingName) : undefined;
}

export function settingToFlag(name: SettingName): string {
  return `--${name.slice('BURNBOX_'.length).toLowerCase().replace(/_/g, '-')}`;
}

/**
 * Builds the configuration from the environment and flag overrides.
 * Throws ConfigError naming the first invalid setting.
 */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  flags: Partial<Record<SettingName, string>> = {},
): Config {
  const raw: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(settingDefinitions)) {
    const alias = 'alias' in def ? env[def.alias] : undefined;
    const given = flags[name as SettingName] ?? env[name] ?? alias;
    const source = flags[name as SettingName] !== undefined ? settingToFlag(name as SettingName) : name;
    const value = given === undefined || given === '' ? def.default : given;
    const parsed = (def.schema as z.ZodType).safeParse(value, { error: plainErrors(def.schema) });
    if (!parsed.success) {
      const reason = parsed.error.issues[0]?.message ?? 'invalid value';
      throw new ConfigError(`Invalid setting ${source}=${JSON.stringify(value)}: ${reason}`);
    }
    raw[name] = parsed.data;
  }
  // A message the size limit allows must fit in flight on its own, or its sender would be told
  // to retry forever.
  if ((raw.BURNBOX_SMTP_MAX_BYTES_IN_FLIGHT as number) < (raw.BURNBOX_MAX_MESSAGE_BYTES as number)) {
    throw new ConfigError(
      `Invalid setting BURNBOX_SMTP_MAX_BYTES_IN_FLIGHT="${raw.BURNBOX_SMTP_MAX_BYTES_IN_FLIGHT}": must be at least BURNBOX_MAX_MESSAGE_BYTES (${raw.BURNBOX_MAX_MESSAGE_BYTES}), or a message of the largest size could never be accepted`,
    );
  }
  const tls = tlsFiles(raw.BURNBOX_TLS_CERT as string, raw.BURNBOX_TLS_KEY as string, (name) =>
    flags[name] !== undefined ? settingToFlag(name) : name,
  );
  let plans: Plans;
  try {
    plans = parsePlans(raw.BURNBOX_PLANS as string);
  } catch (err) {
    throw new ConfigError(`Invalid setting BURNBOX_PLANS: ${(err as Error).message}`);
  }
  return {
    databaseUrl: (raw.BURNBOX_DATABASE_URL as string) || undefined,
    databaseSchema: raw.BURNBOX_DATABASE_SCHEMA as string,
    dataDir: path.resolve(raw.BURNBOX_DATA_DIR as string),
    smtp: {
      host: raw.BURNBOX_SMTP_HOST as string,
      port: raw.BURNBOX_SMTP_PORT as number,
      hostname: raw.BURNBOX_HOSTNAME as string,
      maxMessageBytes: raw.BURNBOX_MAX_MESSAGE_BYTES as number,
      maxRecipients: raw.BURNBOX_MAX_RECIPIENTS as number,
      maxClients: raw.BURNBOX_SMTP_MAX_CLIENTS as number,
      maxClientsPerAddress: raw.BURNBOX_SMTP_MAX_CLIENTS_PER_ADDRESS as number,
      maxSessionMs: (raw.BURNBOX_SMTP_MAX_SESSION_SECONDS as number) * 1000,
      maxMessagesPerSession: raw.BURNBOX_SMTP_MAX_MESSAGES_PER_SESSION as number,
      spoolBytes: raw.BURNBOX_SMTP_SPOOL_BYTES as number,
      spoolDir: path.join(path.resolve(raw.BURNBOX_DATA_DIR as string), 'spool'),
      maxBytesInFlight: raw.BURNBOX_SMTP_MAX_BYTES_IN_FLIGHT as number,
      storeTimeoutMs: (raw.BURNBOX_SMTP_STORE_TIMEOUT_SECONDS as number) * 1000,
      tls,
    },
    http: {
      host: raw.BURNBOX_HTTP_HOST as string,
      port: raw.BURNBOX_HTTP_PORT as number,
      trustProxy: raw.BURNBOX_TRUST_PROXY as boolean | string,
    },
    publicUrl: (raw.BURNBOX_PUBLIC_URL as string) || localPublicUrl(raw.BURNBOX_HTTP_PORT as number),
    publicUrlFollowsHttpPort: !raw.BURNBOX_PUBLIC_URL,
    timeZone: raw.BURNBOX_TIMEZONE as string,
    quarantineMs: (raw.BURNBOX_QUARANTINE_SECONDS as number) * 1000,
    inlineMessageBytes: raw.BURNBOX_INLINE_MESSAGE_BYTES as number,
    sweep: {
      intervalMs: (raw.BURNBOX_SWEEP_INTERVAL_SECONDS as number) * 1000,
      batchSize: raw.BURNBOX_SWEEP_BATCH as number,
    },
    plans,
    logLevel: raw.BURNBOX_LOG_LEVEL as string,
    syncWrites: raw.BURNBOX_SYNC_WRITES as boolean,
    webhooks: {
      timeoutMs: (raw.BURNBOX_WEBHOOK_TIMEOUT_SECONDS as number) * 1000,
      retryHorizonMs: Math.round((raw.BURNBOX_WEBHOOK_RETRY_HOURS as number) * 3600 * 1000),
      allowPrivate: raw.BURNBOX_WEBHOOK_ALLOW_PRIVATE as boolean,
      concurrency: raw.BURNBOX_WEBHOOK_CONCURRENCY as number,
      userConcurrency: raw.BURNBOX_WEBHOOK_USER_CONCURRENCY as number,
    },
    senderAuth: {
      enabled: raw.BURNBOX_SENDER_AUTH as boolean,
      dnsTimeoutMs: Math.max(1, Math.round((raw.BURNBOX_DNS_TIMEOUT_SECONDS as number) * 1000)),
      dnsServers: raw.BURNBOX_DNS_SERVERS as string[],
    },
    web: {
      sessionTtlMs: Math.round((raw.BURNBOX_SESSION_TTL_HOURS as number) * 3600 * 1000),
      guestMailboxesPerHour: raw.BURNBOX_GUEST_MAILBOX_LIMIT as number,
      loginAttemptsPer15Min: raw.BURNBOX_LOGIN_ATTEMPT_LIMIT as number,
      liveStreamsPerClient: raw.BURNBOX_LIVE_STREAMS_PER_CLIENT as number,
    },
    html: {
      workers: raw.BURNBOX_HTML_WORKERS as number,
      maxBytes: raw.BURNBOX_HTML_MAX_BYTES as number,
      budgetMs: Math.max(1, Math.round((raw.BURNBOX_HTML_TIME_BUDGET_SECONDS as number) * 1000)),
    },
    customDomains: {
      checkIntervalMs: (raw.BURNBOX_CUSTOM_DOMAIN_CHECK_INTERVAL_SECONDS as number) * 1000,
      checkWindowMs: Math.round((raw.BURNBOX_CUSTOM_DOMAIN_CHECK_HOURS as number) * 3600 * 1000),
      dnsTimeoutMs: Math.max(1, Math.round((raw.BURNBOX_DNS_TIMEOUT_SECONDS as number) * 1000)),
    },
    metricsToken: raw.BURNBOX_METRICS_TOKEN as string,
  };
}
