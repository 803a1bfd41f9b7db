// `burnbox custom-domain add | list | verify | catch-all | remove`: the key's user manages their
// own domains on a running Burnbox, a thin adapter over the HTTP client module.
import { ClientError, type CustomDomain } from '../client/burnbox-client.ts';
import { clientFromOptions, type InboxOptions } from './inbox-commands.ts';

export interface CustomDomainOptions extends InboxOptions {
  off?: boolean;
}

/** One line for the domain, then the records to create while it is not verified, then the problem. */
function describe(d: CustomDomain, out: (line: string) => void): void {
  out([d.domain, d.status, d.catch_all ? `catch-all ${d.catch_all}` : ''].join('\t').trimEnd());
  if (d.status !== 'verified') {
    for (const r of d.records)
      out(`  ${r.type}\t${r.name}\t${r.priority === undefined ? r.value : `${r.priority} ${r.value}`}`);
  }
  if (d.problem) out(`  ${d.problem}`);
}

export async function customDomainCommand(
  sub: string | undefined,
  args: string[],
  options: CustomDomainOptions,
  out: (line: string) => void,
  env: Record<string, string | undefined> = process.env,
): Promise<void> {
  const client = () => clientFromOptions(options, env);
  const show = (d: CustomDomain) => (options.json ? out(JSON.stringify(d)) : describe(d, out));
  switch (sub) {
    case 'add':
      return show(await client().addCustomDomain(requireArgument(args[0], 'domain')));
    case 'list': {
      const domains = await client().listCustomDomains();
      if (options.json) out(JSON.stringify(domains));
      else for (const d of domains) describe(d, out);
      return;
    }
    case 'verify':
      return show(await client().verifyCustomDomain(requireArgument(args[0], 'domain')));
    case 'catch-all': {
      const domain = requireArgument(args[0], 'domain');
      if (Boolean(options.off) === (args[1] !== undefined))
        throw new ClientError("give the catch-all mailbox's address, or --off to remove it", 0);
      return show(await client().setCatchAll(domain, options.off ? null : (args[1] as string)));
    }
    case 'remove': {
      const domain = requireArgument(args[0], 'domain');
      await client().removeCustomDomain(domain);
      out(`removed ${domain}`);
      return;
    }
    default:
      throw new ClientError(
        `unknown command "custom-domain${sub ? ` ${sub}` : ''}" (custom-domain add, list, verify, catch-all or remove)`,
        0,
      );
  }
}

function requireArgument(value: string | undefined, what: string): string {
  if (!value) throw new ClientError(`missing ${what}`, 0);
  return value;
}
