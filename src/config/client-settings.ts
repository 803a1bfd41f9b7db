// Settings of the client commands (`burnbox inbox …`, `burnbox mcp`): where a running Burnbox is
// and the API key to use there. They are no server settings (`serve` ignores them), but they are
// BURNBOX_* variables all the same, so the unknown-setting warning must know them.
import { ConfigError, isHttpUrl } from './settings.ts';

export const clientSettingDefinitions = {
  BURNBOX_URL: {
    flag: '--url',
    help: 'Origin of the Burnbox the client commands talk to, e.g. http://127.0.0.1:8080',
  },
  BURNBOX_API_KEY: { flag: '--api-key', help: 'API key the client commands use there' },
} as const;

export interface ClientSettings {
  url: string;
  apiKey: string;
}

/** The client settings from flags (first) or the environment; a missing or bad one is a ConfigError. */
export function loadClientSettings(
  env: Record<string, string | undefined>,
  flags: { url?: string; apiKey?: string },
): ClientSettings {
  const url = flags.url ?? env.BURNBOX_URL ?? '';
  const apiKey = flags.apiKey ?? env.BURNBOX_API_KEY ?? '';
  if (!url)
    throw new ConfigError('no server to talk to: set BURNBOX_URL or --url (e.g. http://127.0.0.1:8080)');
  // The client appends API paths to it: a query or fragment would swallow them.
  if (!isHttpUrl(url))
    throw new ConfigError(
      `Invalid setting BURNBOX_URL=${JSON.stringify(url)}: must be an http:// or https:// URL without query or fragment`,
    );
  if (!apiKey) throw new ConfigError('no API key: set BURNBOX_API_KEY or --api-key');
  return { url, apiKey };
}
