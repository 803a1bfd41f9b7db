// A listener that cannot open its port is a mistake in the settings, not a crash: it is told
// as one sentence naming the setting to change, without the stack of the failed listen().
import { type SettingName, settingToFlag } from './config/settings.ts';

export class ListenError extends Error {}

interface Listener {
  /** "SMTP" or "HTTP". */
  name: string;
  host: string;
  port: number;
  hostSetting: SettingName;
  portSetting: SettingName;
}

function change(setting: SettingName): string {
  return `${setting} or ${settingToFlag(setting)}`;
}

/** The failure of `listen()` as a ListenError when it is about the address, else unchanged. */
export function listenError(err: unknown, l: Listener): unknown {
  switch ((err as { code?: string }).code) {
    case 'EADDRINUSE':
      return new ListenError(
        `${l.name} port ${l.port} is already in use on ${l.host} (choose another with ${change(l.portSetting)})`,
      );
    case 'EACCES':
      return new ListenError(
        `${l.name} port ${l.port} on ${l.host} needs privileges this process lacks (choose a port from 1024 with ${change(l.portSetting)})`,
      );
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return new ListenError(
        `${l.name} cannot listen on ${l.host}: not an address of this machine (choose another with ${change(l.hostSetting)})`,
      );
    default:
      return err;
  }
}
