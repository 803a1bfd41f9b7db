// The fault suites need root (mounts, a private PostgreSQL run as its own user) and some system
// tools. Locally a suite lacking them is skipped, saying why; in CI (CI set) that is a failure:
// there the fault tests must run.
import { accessSync, constants, existsSync } from 'node:fs';

/** The first missing prerequisite among `checks` (name → present), or undefined. */
export function missing(checks: Record<string, () => boolean>): string | undefined {
  for (const [what, present] of Object.entries(checks)) {
    let ok = false;
    try {
      ok = present();
    } catch {
      ok = false;
    }
    if (!ok) return what;
  }
  return undefined;
}

/**
 * The `skip` option of a fault suite: false when everything is there, else the reason. In CI a
 * missing prerequisite throws instead, so that the run fails rather than passes without testing.
 */
export function skipUnless(checks: Record<string, () => boolean>): false | string {
  const lacking = missing(checks);
  if (!lacking) return false;
  const reason = `fault suite skipped: ${lacking}`;
  if (process.env.CI) throw new Error(`${reason} (required in CI)`);
  return reason;
}

export const isRoot = () => process.getuid?.() === 0;

export const executable = (file: string) => () => {
  accessSync(file, constants.X_OK);
  return true;
};

export const exists = (file: string) => () => existsSync(file);
