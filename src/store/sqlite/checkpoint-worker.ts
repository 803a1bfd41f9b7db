// The body of the checkpoint thread (see checkpointer.ts): copies the committed pages of the
// write-ahead log into the database file on its own connection, so that the copy and its fsyncs
// never hold up the server's event loop. A PASSIVE checkpoint takes no lock writers wait for.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

export interface CheckpointWorkerData {
  file: string;
  /** Past this many pages of log, the log is restarted from its beginning (briefly holding writers). */
  restartPages: number;
}

/** What one checkpoint found: pages in the log, and how many of them are in the database file now. */
export interface CheckpointResult {
  log: number;
  checkpointed: number;
}

const { file, restartPages } = workerData as CheckpointWorkerData;
const db = new Database(file, { fileMustExist: true });
// The checkpoint fsyncs the log before copying it and the database file after (what SQLite
// needs before the log may be written over from its beginning).
db.pragma('synchronous = FULL');
db.pragma('busy_timeout = 5000');

parentPort?.on('message', (message: 'checkpoint' | 'close') => {
  if (message === 'close') {
    db.close();
    parentPort?.close();
    return;
  }
  try {
    let [result] = db.pragma('wal_checkpoint(PASSIVE)') as CheckpointResult[];
    // Under steady load the log may never be wholly copied at the moment a writer starts (when
    // SQLite starts it again from its beginning): past the limit, wait for a gap to restart it.
    if (result && result.log > restartPages) {
      [result] = db.pragma('wal_checkpoint(RESTART)') as CheckpointResult[];
    }
    parentPort?.postMessage(result ?? { log: 0, checkpointed: 0 });
  } catch (err) {
    parentPort?.postMessage({ error: String((err as Error)?.message ?? err) });
  }
});
