// `npm test`'s runner. First every test on the embedded backend (the PostgreSQL store, cluster
// and browser suites included: each skips itself, saying why, when its server or browser is
// missing), but for the fault suites of test/faults: they are slow and need root, and
// `npm run faults` runs them. Then, when PostgreSQL is reachable, the API, web, webhook and SMTP
// suites again (the kill -9 and storage-failure ones among them) with
// BURNBOX_TEST_BACKEND=postgres: every test server, and every `burnbox` process these tests
// start, on a PostgreSQL schema of its own. Exits non-zero if any run fails.
//
// Not in the second pass: suites that need no store, or test it directly (test/store runs the
// contract on both itself), the cluster suites (PostgreSQL only anyway), the browser suites,
// and the CLI's, which are about SQLite files by nature (the data directory's file modes, the
// import from SQLite) or about the command line rather than storage.
import { spawnSync } from 'node:child_process';
import { globSync } from 'node:fs';
import { postgresUnavailable, postgresUrl } from '../test/support/postgres.ts';

const apiSuites = [
  'test/user-api/*.test.ts',
  'test/key-api/*.test.ts',
  'test/webhooks/*.test.ts',
  'test/web/*.test.ts',
  'test/smtp/*.test.ts',
];

function nodeTest(files: string[], env: Record<string, string> = {}): number {
  const result = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...files], {
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
  return result.status ?? 1;
}

const only = process.argv.slice(2);
const everyTest = globSync('test/**/*.test.ts').filter((file) => !file.startsWith('test/faults/'));
let failed = nodeTest(only.length > 0 ? only : everyTest) !== 0;

if (only.length === 0) {
  const skipped = await postgresUnavailable();
  if (skipped) {
    console.log(
      `\n== PostgreSQL suites SKIPPED: ${skipped}.\n   To run them, start PostgreSQL (or set BURNBOX_TEST_DATABASE_URL=postgres://…) and run npm test again.`,
    );
  } else {
    console.log(`\n== API, web, webhook and SMTP suites again, on PostgreSQL (${postgresUrl()})`);
    failed = nodeTest(apiSuites, { BURNBOX_TEST_BACKEND: 'postgres' }) !== 0 || failed;
  }
}
process.exit(failed ? 1 : 0);
