// The `burnbox` command. Every command reads the same configuration (BURNBOX_* variables and
// --flags) and works against the same data as a running server.
import { parseArgs } from 'node:util';
import { startBurnbox } from '../app.ts';
import { ClientError } from '../client/burnbox-client.ts';
import { clientSettingDefinitions } from '../config/client-settings.ts';
import { closest } from '../config/closest.ts';
import type { DomainType } from '../config/plans.ts';
import { publicUrlPortMismatch } from '../config/public-url.ts';
import {
  type Config,
  ConfigError,
  flagToSetting,
  loadConfig,
  printableConfig,
  type SettingName,
  settingDefinitions,
  settingToFlag,
} from '../config/settings.ts';
import { unknownSettingWarnings } from '../config/unknown-settings.ts';
import { normaliseCustomDomain } from '../domain/custom-domains.ts';
import { DomainError } from '../domain/errors.ts';
import { ListenError } from '../listen-error.ts';
import { createServices, type Services } from '../services.ts';
import { DatabaseUnavailable } from '../store/open.ts';
import { customDomainCommand } from './custom-domain-commands.ts';
import { CommandError, importSqliteCommand, migrateCommand } from './database.ts';
import { defaultDevDomain, devCommand } from './dev.ts';
import { clientFromOptions, inboxCommand } from './inbox-commands.ts';

const usage = `Usage: burnbox <command> [options]

Commands:
  serve                                        run the SMTP and HTTP servers
  domain add <domain> [--type free|premium]    host a domain (or change its type)
  domain add <domain> --owner <email>          attach a domain to a user as their custom domain
                                               (verified at once, without the DNS check)
  domain list                                  list hosted domains and users' custom domains
  domain remove <domain>                       stop hosting a domain (a custom domain: unlink it
                                               and delete its mailboxes)
  user create <email> [--password P] [--plan free|premium] [--admin]
  user plan <email> <plan>                     change a user's plan
  user admin <email> [--off]                   let a user use the web UI's admin pages (--off: no longer)
  user disable <email> | user enable <email>
  key create <user-email>                      print a new API key (replaces the old one)
  webhook show <email>                         the user's webhook URL, switch and signing secret
  webhook set <email> <url> [--disabled]       set the webhook URL (on unless --disabled; "" clears it)
  webhook rotate-secret <email>                print a new signing secret (replaces the old one)
  webhook log <email>                          recent delivery attempts, newest first
  webhook test <email>                         queue a test event (sent even while switched off)
  config                                       print the effective configuration
  migrate                                      apply database migrations now (serve also does at start)
  import-sqlite <data-dir>                     copy the embedded (SQLite) installation in <data-dir>
                                               into the PostgreSQL of BURNBOX_DATABASE_URL, with progress
  dev [--domain D]                             a throwaway server (temporary data, free ports, a domain
                                               (default ${defaultDevDomain}), a user and key); prints one JSON line

Client commands (talk to a running server over HTTP):
  inbox create [--name N] [--domain D] [--lifetime 1h|1d|3d|permanent] [--json]
  inbox list [--json]
  inbox wait <address> [--code | --link | --json] [--from T] [--subject T] [--to T] [--timeout S]
                                               wait for a message (exit 2 if none within the timeout)
  inbox delete <address>
  custom-domain add <domain> [--json]          link a domain of your own; prints the DNS records to create
  custom-domain list [--json]                  your domains, their status and what is missing
  custom-domain verify <domain> [--json]       look its DNS records up now
  custom-domain catch-all <domain> <address> | --off
                                               mail to unknown addresses of the domain goes to <address>
  custom-domain remove <domain>                unlink it (its mailboxes and messages are deleted)
  mcp                                          a Model Context Protocol server on stdio, for agents

Client settings (environment variable or flag):
${Object.entries(clientSettingDefinitions)
  .map(([name, d]) => `  ${name.padEnd(36)} ${d.flag.padEnd(30)} ${d.help}`)
  .join('\n')}

Settings (environment variable or flag; flags win):
${Object.entries(settingDefinitions)
  .map(
    ([name, d]) =>
      `  ${name.padEnd(36)} ${settingToFlag(name as SettingName).padEnd(30)} ${d.help} (default: ${'shownDefault' in d ? d.shownDefault : d.default || 'none'})`,
  )
  .join('\n')}
`;

class UsageError extends Error {}
/** An option no command knows; told in one line with the nearest known option. */
class UnknownOption extends Error {}

const commandOptions = {
  type: { type: 'string' },
  password: { type: 'string' },
  plan: { type: 'string' },
  disabled: { type: 'boolean' },
  admin: { type: 'boolean' },
  off: { type: 'boolean' },
  owner: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  // `dev` and the client commands (inbox …, mcp)
  domain: { type: 'string' },
  name: { type: 'string' },
  lifetime: { type: 'string' },
  json: { type: 'boolean' },
  code: { type: 'boolean' },
  link: { type: 'boolean' },
  from: { type: 'string' },
  subject: { type: 'string' },
  to: { type: 'string' },
  timeout: { type: 'string' },
  url: { type: 'string' },
  'api-key': { type: 'string' },
} as const;
type CommandOptions = {
  [K in keyof typeof commandOptions]?: (typeof commandOptions)[K]['type'] extends 'string' ? string : boolean;
};

/** The command options of `args`; refuses unknown options and missing or surplus values in words. */
function parseCommandOptions(args: string[]) {
  const { values, positionals, tokens } = parseArgs({
    args,
    allowPositionals: true,
    strict: false,
    tokens: true,
    options: commandOptions,
  });
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const option = commandOptions[token.name as keyof typeof commandOptions];
    if (!option) {
      const known = [
        ...Object.keys(commandOptions),
        ...Object.keys(settingDefinitions).map((n) => settingToFlag(n as SettingName).slice(2)),
      ];
      const near = closest(token.name, known);
      const hint = near ? `did you mean --${near}?` : 'run "burnbox help" for the options';
      throw new UnknownOption(`unknown option ${token.rawName} (${hint})`);
    }
    if (
      option.type === 'string' &&
      (token.value === undefined || (!token.inlineValue && token.value.startsWith('-')))
    )
      throw new UsageError(
        token.value === undefined
          ? `${token.rawName} needs a value`
          : `${token.rawName} needs a value; to give one starting with "-", write ${token.rawName}=${token.value}`,
      );
    if (option.type === 'boolean' && token.value !== undefined)
      throw new UsageError(`${token.rawName} takes no value`);
  }
  return { values: values as CommandOptions, positionals };
}

/** Splits argv into setting flags (any command), command options and positionals. */
function parseCommandLine(argv: string[]) {
  const settingFlags: Partial<Record<SettingName, string>> = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.split(/=(.*)/s, 2) as [string, string | undefined];
    const setting = arg.startsWith('--') ? flagToSetting(flag) : undefined;
    if (!setting) {
      rest.push(arg);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    settingFlags[setting] = value;
  }
  const { values, positionals } = parseCommandOptions(rest);
  return { settingFlags, options: values, positionals };
}

async function withServices<T>(config: Config, run: (s: Services) => Promise<T>): Promise<T> {
  const services = await createServices(config);
  try {
    return await run(services);
  } finally {
    await services.close();
  }
}

function need(value: string | undefined, what: string): string {
  if (!value) throw new UsageError(`missing ${what}`);
  return value;
}

/** A set public URL naming this machine on another port than HTTP's would make every link dead. */
function warnOfPublicUrl(config: Config, httpPort: number, warn: (line: string) => void): void {
  const mismatch = config.publicUrlFollowsHttpPort
    ? undefined
    : publicUrlPortMismatch(config.publicUrl, httpPort);
  if (mismatch) warn(`burnbox: warning: ${mismatch}`);
}

async function serve(config: Config, warn: (line: string) => void): Promise<void> {
  // The signals are handled from the start: one that comes while the server is still starting
  // (its ports may already answer) waits for the start, then stops it cleanly, with its log.
  const starting = startBurnbox(config);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const running = await starting.catch(() => undefined);
    if (running) {
      running.http.log.info({ signal }, 'shutting down');
      await running.close();
    }
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  // A renewed certificate is picked up within seconds anyway; SIGHUP (systemctl reload) does it now.
  process.on('SIGHUP', () => void starting.then((running) => running.reloadTls()).catch(() => {}));
  const running = await starting;
  warnOfPublicUrl(config, running.httpPort, warn);
  running.http.log.info(
    {
      smtpPort: running.smtpPort,
      httpPort: running.httpPort,
      dataDir: config.dataDir,
      publicUrl: running.services.config.publicUrl,
    },
    'burnbox is running',
  );
}

export async function run(
  argv: string[],
  out: (line: string) => void = console.log,
  warn: (line: string) => void = console.error,
): Promise<void> {
  // Before anything can fail: a mistyped variable is the likeliest cause of a surprise below.
  for (const warning of unknownSettingWarnings(process.env)) warn(`burnbox: warning: ${warning}`);
  const { settingFlags, options, positionals } = parseCommandLine(argv);
  const [command, sub, ...args] = positionals;
  if (!command || options.help || command === 'help') {
    out(usage);
    return;
  }
  // Client commands read only the client settings: a server setting meant for `serve` on
  // this machine has no say in them.
  if (command === 'inbox') return inboxCommand(sub, args, options, out);
  if (command === 'custom-domain') return customDomainCommand(sub, args, options, out);
  if (command === 'mcp') {
    const { runMcpServer } = await import('../mcp/server.ts');
    return runMcpServer(clientFromOptions(options, process.env));
  }
  if (command === 'dev') return devCommand({ domain: options.domain }, settingFlags, process.env, out, warn);
  const config = loadConfig(process.env, settingFlags);
  switch (
    `${command} ${command === 'serve' || command === 'config' || command === 'migrate' || command === 'import-sqlite' ? '' : (sub ?? '')}`.trim()
  ) {
    case 'serve':
      return serve(config, warn);
    case 'config':
      // Port 0 is only known once bound: nothing to compare with before.
      if (config.http.port !== 0) warnOfPublicUrl(config, config.http.port, warn);
      out(JSON.stringify(printableConfig(config), null, 2));
      return;
    case 'migrate':
      return migrateCommand(config, out);
    case 'import-sqlite':
      return importSqliteCommand(config, need(sub, 'SQLite data directory'), out);
    case 'domain add':
      if (options.owner !== undefined) {
        if (options.type !== undefined) throw new UsageError('--owner and --type cannot be used together');
        return withServices(config, async (s) => {
          const owner = await s.accounts.requireUserByEmail(need(options.owner, 'owner email'));
          const d = await s.customDomains.attach(owner, need(args[0], 'domain'));
          out(`${d.name} (custom domain of ${owner.email}, verified)`);
        });
      }
      return withServices(config, async (s) => {
        const d = await s.domains.add(need(args[0], 'domain'), (options.type ?? 'free') as DomainType);
        out(`${d.name} (${d.type})`);
      });
    case 'domain list':
      return withServices(config, async (s) => {
        for (const d of await s.domains.list()) out(`${d.name}\t${d.type}`);
        for (const d of await s.customDomains.listAll()) {
          const owner = await s.store.getUserById(d.userId);
          out(`${d.name}\tcustom\t${owner?.email ?? `user ${d.userId}`}\t${d.status}`);
        }
      });
    case 'domain remove':
      return withServices(config, async (s) => {
        const name = need(args[0], 'domain');
        // An operator's domain by that name, else every account's claim on it.
        const normalised = normaliseCustomDomain(name);
        if ((await s.domains.list()).some((d) => d.name === normalised)) await s.domains.remove(name);
        else await s.customDomains.removeByOperator(name);
        out(`removed ${name}`);
      });
    case 'user create':
      return withServices(config, async (s) => {
        let u = await s.accounts.createUser({
          email: need(args[0], 'email'),
          password: options.password,
          plan: options.plan,
        });
        if (options.admin) u = await s.accounts.setAdmin(u.email, true);
        out(`created ${u.email} (plan ${u.plan}, id ${u.uuid}${u.isAdmin ? ', admin' : ''})`);
      });
    case 'user admin':
      return withServices(config, async (s) => {
        const u = await s.accounts.setAdmin(need(args[0], 'email'), !options.off);
        out(`${u.email} is ${u.isAdmin ? 'an admin' : 'not an admin'}`);
      });
    case 'user plan':
      return withServices(config, async (s) => {
        const u = await s.accounts.setPlan(need(args[0], 'email'), need(args[1], 'plan'));
        out(`${u.email} is now on plan ${u.plan}`);
      });
    case 'user disable':
    case 'user enable':
      return withServices(config, async (s) => {
        const u = await s.accounts.setDisabled(need(args[0], 'email'), sub === 'disable');
        out(`${u.email} is ${u.disabled ? 'disabled' : 'enabled'}`);
      });
    case 'key create':
      return withServices(config, async (s) => {
        const user = await s.accounts.requireUserByEmail(
          need(sub === 'create' ? args[0] : undefined, 'user email'),
        );
        out(await s.accounts.issueApiKey(user.id));
      });
    case 'webhook show':
      return withServices(config, async (s) => {
        const user = await s.accounts.requireUserByEmail(need(args[0], 'user email'));
        const secret = await s.webhooks.secret(user);
        const hook = await s.webhooks.get(user);
        out(`url\t${hook.url || '(none)'}`);
        out(`enabled\t${hook.enabled}`);
        out(`secret\t${secret}`);
      });
    case 'webhook set':
      return withServices(config, async (s) => {
        const user = await s.accounts.requireUserByEmail(need(args[0], 'user email'));
        const url = args[1];
        if (url === undefined) throw new UsageError('missing url (use "" to clear it)');
        const hook = await s.webhooks.set(user, { url, enabled: !options.disabled && url.trim() !== '' });
        out(`${user.email}: webhook ${hook.enabled ? 'on' : 'off'}${hook.url ? `, ${hook.url}` : ''}`);
      });
    case 'webhook rotate-secret':
      return withServices(config, async (s) => {
        const user = await s.accounts.requireUserByEmail(need(args[0], 'user email'));
        out(await s.webhooks.rotateSecret(user));
      });
    case 'webhook log':
      return withServices(config, async (s) => {
        const user = await s.accounts.requireUserByEmail(need(args[0], 'user email'));
        const attempts = await s.webhooks.log(user);
        if (attempts.length === 0) out('no delivery attempts yet');
        for (const a of attempts) {
          out(
            [
              new Date(a.attemptedAt).toISOString(),
              `#${a.attempt}`,
              a.statusCode !== null ? `HTTP ${a.statusCode}` : (a.error ?? 'no response'),
              `${a.durationMs} ms`,
              a.outcome,
              a.event,
              a.deliveryId,
              a.statusCode !== null && a.error ? a.error : '',
            ]
              .join('\t')
              .trimEnd(),
          );
        }
      });
    case 'webhook test':
      return withServices(config, async (s) => {
        const user = await s.accounts.requireUserByEmail(need(args[0], 'user email'));
        const id = await s.webhooks.sendTestEvent(user);
        out(`queued test event ${id}; a running server sends it within seconds (see "webhook log")`);
      });
    default:
      throw new UsageError(`unknown command "${positionals.join(' ')}"`);
  }
}

export async function main(argv: string[]): Promise<void> {
  try {
    await run(argv);
  } catch (err) {
    if (
      err instanceof ConfigError ||
      err instanceof DomainError ||
      err instanceof CommandError ||
      err instanceof DatabaseUnavailable ||
      err instanceof ListenError ||
      err instanceof UnknownOption ||
      err instanceof ClientError
    ) {
      console.error(`burnbox: ${err.message}`);
      // A wait that ended without a message is an answer, not a failure of the command: its own code.
      if (err instanceof ClientError && err.timedOut) {
        process.exitCode = 2;
        return;
      }
    } else if (err instanceof UsageError) {
      console.error(`burnbox: ${(err as Error).message} (run "burnbox help" for usage)`);
    } else {
      console.error('burnbox: unexpected error:', err);
    }
    process.exitCode = 1;
  }
}
