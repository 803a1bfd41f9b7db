// BURNBOX_* variables that are no setting: most likely a typo, which would otherwise leave the
// setting meant at its default without a word.
import { clientSettingDefinitions } from './client-settings.ts';
import { closest } from './closest.ts';
import { settingDefinitions } from './settings.ts';

const prefix = 'BURNBOX_';

/** One warning per unknown BURNBOX_* variable, naming the nearest setting when one is near. */
export function unknownSettingWarnings(env: Record<string, string | undefined>): string[] {
  // The client commands' settings are known too: they are read by other commands than `serve`.
  const names = [...Object.keys(settingDefinitions), ...Object.keys(clientSettingDefinitions)];
  const known = names.map((name) => name.slice(prefix.length));
  const warnings: string[] = [];
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith(prefix) || names.includes(name)) continue;
    const near = closest(name.slice(prefix.length), known);
    const hint = near ? `did you mean ${prefix}${near}?` : 'see "burnbox help" for the settings';
    warnings.push(`unknown setting ${name} is ignored (${hint})`);
  }
  return warnings;
}
