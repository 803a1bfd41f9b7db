// `burnbox inbox create | list | wait | delete`: a shell client of a running Burnbox (CI jobs,
// scripts), a thin adapter over the HTTP client module.
import {
  BurnboxClient,
  ClientError,
  type InboxLifetime,
  inboxLifetimes,
  type SenderAuth,
} from '../client/burnbox-client.ts';
import { loadClientSettings } from '../config/client-settings.ts';

export interface InboxOptions {
  url?: string;
  'api-key'?: string;
  name?: string;
  domain?: string;
  lifetime?: string;
  json?: boolean;
  code?: boolean;
  link?: boolean;
  from?: string;
  subject?: string;
  to?: string;
  timeout?: string;
}

/** Seconds `inbox wait` waits without --timeout (the server's own default). */
const defaultWaitSeconds = 30;

export function clientFromOptions(options: InboxOptions, env: Record<string, string | undefined>) {
  return new BurnboxClient(loadClientSettings(env, { url: options.url, apiKey: options['api-key'] }));
}

/** Runs `inbox <sub> …`; a wrong argument is a ClientError told in one line like the server's. */
export async function inboxCommand(
  sub: string | undefined,
  args: string[],
  options: InboxOptions,
  out: (line: string) => void,
  env: Record<string, string | undefined> = process.env,
): Promise<void> {
  switch (sub) {
    case 'create': {
      if (options.lifetime !== undefined && !(options.lifetime in inboxLifetimes))
        throw new ClientError(
          `--lifetime must be one of ${Object.keys(inboxLifetimes).join(', ')} (not "${options.lifetime}")`,
          0,
        );
      const inbox = await clientFromOptions(options, env).createInbox({
        name: options.name,
        domain: options.domain,
        lifetime: options.lifetime as InboxLifetime | undefined,
      });
      out(options.json ? JSON.stringify(inbox) : inbox.address);
      return;
    }
    case 'list': {
      const inboxes = await clientFromOptions(options, env).listInboxes();
      if (options.json) out(JSON.stringify(inboxes));
      else for (const i of inboxes) out(`${i.address}\t${i.expiresAt ?? 'permanent'}`);
      return;
    }
    case 'wait': {
      const address = requireArgument(args[0], 'address');
      if (options.code && options.link) throw new ClientError('--code and --link cannot be used together', 0);
      const timeoutSeconds = options.timeout === undefined ? defaultWaitSeconds : Number(options.timeout);
      if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0)
        throw new ClientError(`--timeout must be a positive number of seconds (not "${options.timeout}")`, 0);
      const message = await clientFromOptions(options, env).waitForMessage({
        address,
        timeoutSeconds,
        from: options.from,
        subject: options.subject,
        to: options.to,
      });
      if (options.code) {
        const code = message.codes[0];
        if (!code) throw new ClientError(`the message "${message.subject}" (${message.id}) holds no code`, 0);
        out(code.value);
      } else if (options.link) {
        const link = message.links[0];
        if (!link) throw new ClientError(`the message "${message.subject}" (${message.id}) holds no link`, 0);
        out(link.url);
      } else if (options.json) {
        out(JSON.stringify(message));
      } else {
        out(`id\t${message.id}`);
        out(
          `from\t${message.from.name ? `${message.from.name} <${message.from.address}>` : message.from.address}`,
        );
        out(`to\t${message.to}`);
        out(`subject\t${message.subject}`);
        out(`received\t${message.receivedAt}`);
        out(`sender\t${senderLine(message.auth)}`);
        // Its codes and links are as trustworthy as the sender line says (`trusted` in --json).
        for (const c of message.codes) out(`code\t${c.value}`);
        for (const l of message.links) out(`link\t${l.kind}\t${l.url}`);
      }
      return;
    }
    case 'delete': {
      const address = requireArgument(args[0], 'address');
      await clientFromOptions(options, env).deleteInbox(address);
      out(`deleted ${address}`);
      return;
    }
    default:
      throw new ClientError(
        `unknown command "inbox${sub ? ` ${sub}` : ''}" (inbox create, list, wait or delete)`,
        0,
      );
  }
}

/** `verified (example.com: dmarc=pass spf=pass dkim=pass arc=none)`, or `not verified (…)`. */
function senderLine(auth: SenderAuth): string {
  const detail = `dmarc=${auth.dmarc} spf=${auth.spf} dkim=${auth.dkim} arc=${auth.arc}`;
  const domain = auth.from_domain ? `${auth.from_domain}: ` : '';
  return `${auth.dmarc === 'pass' ? 'verified' : 'not verified'} (${domain}${detail})`;
}

function requireArgument(value: string | undefined, what: string): string {
  if (!value) throw new ClientError(`missing ${what}`, 0);
  return value;
}
