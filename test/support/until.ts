// Waiting for a condition in tests: checked on every turn of the event loop, never a fixed sleep.
import { setImmediate as nextTurn } from 'node:timers/promises';

/** Resolves once `condition` holds; fails after `ms` with `what` in the message. */
export async function until(condition: () => boolean | Promise<boolean>, what: string, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await nextTurn();
  }
}
