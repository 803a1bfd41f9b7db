// A fix to postgres.js applied as it is loaded. postgres.js 3.4.9 (the latest release) defers a
// small write to a setImmediate; when the connection closes before it runs (PostgreSQL stopped
// or restarted under load), the deferred write dereferences the closed socket and throws from
// the timer, where nothing can catch it: the whole Burnbox process dies. Reported upstream
// (porsager/postgres#1154, #1208); the fix proposed there (#1209) is this one: with no socket,
// drop the write and fail the queries waiting on it (CONNECTION_CLOSED), as a closed connection
// does. The fault test test/faults/postgres.test.ts shows the crash without it.
//
// It must be registered before postgres.js is loaded (bin/burnbox.mjs does it first). When the
// driver's source no longer has the code this fix replaces (a fixed release), nothing is changed.
import { registerHooks } from 'node:module';

const unguarded = `  function nextWrite(fn) {
    const x = socket.write(chunk, fn)`;

const guarded = `  function nextWrite(fn) {
    if (!socket) {
      nextWriteTimer !== null && clearImmediate(nextWriteTimer)
      chunk = nextWriteTimer = null
      error(Errors.connection('CONNECTION_CLOSED', options))
      return false
    }
    const x = socket.write(chunk, fn)`;

/** The driver's connection source with the guard, or unchanged when it has no such code. */
export function patchConnectionSource(source: string): string {
  return source.includes(unguarded) ? source.replace(unguarded, guarded) : source;
}

registerHooks({
  load(url, context, nextLoad) {
    const loaded = nextLoad(url, context);
    if (!url.endsWith('/postgres/src/connection.js') || loaded.source === undefined) return loaded;
    return { ...loaded, source: patchConnectionSource(String(loaded.source)) };
  },
});
