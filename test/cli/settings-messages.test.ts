// What `burnbox` says about its settings and options: a bad value is one sentence naming the
// setting, the value and what is expected; an unknown option is refused in one line with the
// nearest known one; an unknown BURNBOX_* variable is warned of in every command, serve too.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runCli, startServe } from '../support/process.ts';

let dataDir: string;
let env: Record<string, string>;

before(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'burnbox-settings-'));
  env = { BURNBOX_DATA_DIR: dataDir };
});
after(() => rmSync(dataDir, { recursive: true, force: true }));

test('a bad setting is one plain sentence: setting, value, what is expected; exit code 1', () => {
  const cases: [string[], Record<string, string>, string][] = [
    [
      [],
      { BURNBOX_SMTP_PORT: 'abc' },
      'Invalid setting BURNBOX_SMTP_PORT="abc": must be a whole number from 0 to 65535',
    ],
    [['--http-port', '1.5'], {}, 'Invalid setting --http-port="1.5": must be a whole number from 0 to 65535'],
    [
      [],
      { BURNBOX_MAX_RECIPIENTS: '0' },
      'Invalid setting BURNBOX_MAX_RECIPIENTS="0": must be a whole number of at least 1',
    ],
    [
      [],
      { BURNBOX_WEBHOOK_RETRY_HOURS: 'soon' },
      'Invalid setting BURNBOX_WEBHOOK_RETRY_HOURS="soon": must be a number greater than 0',
    ],
    [
      [],
      { BURNBOX_SYNC_WRITES: 'maybe' },
      'Invalid setting BURNBOX_SYNC_WRITES="maybe": must be 0, 1, true or false',
    ],
    [
      [],
      { BURNBOX_LOG_LEVEL: 'loud' },
      'Invalid setting BURNBOX_LOG_LEVEL="loud": must be fatal, error, warn, info, debug, trace or silent',
    ],
    [
      [],
      { BURNBOX_PLANS: '{"free":{"monthlyRequests":"lots"}}' },
      'Invalid setting BURNBOX_PLANS: plan "free": monthlyRequests must be a whole number of at least 0 (got "lots")',
    ],
  ];
  for (const [flags, vars, message] of cases) {
    const result = runCli(['domain', 'list', ...flags], { ...env, ...vars });
    assert.equal(result.status, 1, message);
    assert.equal(result.stderr, `burnbox: ${message}\n`);
  }
});

test('an unknown option is one line naming the nearest known option, exit code 1', () => {
  const cases: [string[], string][] = [
    [['domain', 'list', '--smtp-prot', '25'], 'unknown option --smtp-prot (did you mean --smtp-port?)'],
    [['domain', 'add', 'x.test', '--tpye', 'premium'], 'unknown option --tpye (did you mean --type?)'],
    [['user', 'create', 'a@b.test', '--admn'], 'unknown option --admn (did you mean --admin?)'],
    [['domain', 'list', '--frobnicate'], 'unknown option --frobnicate (run "burnbox help" for the options)'],
  ];
  for (const [args, message] of cases) {
    const result = runCli(args, env);
    assert.equal(result.status, 1, args.join(' '));
    assert.equal(result.stderr, `burnbox: ${message}\n`);
  }
  assert.doesNotMatch(
    runCli(['domain', 'list', '--tpye'], env).stderr,
    /parseArgs|ERR_PARSE_ARGS|Unknown option '/,
  );
  // Other mistakes on the command line are one line too.
  const missing = runCli(['user', 'create', 'a@b.test', '--password'], env);
  assert.equal(missing.status, 1);
  assert.equal(missing.stderr, 'burnbox: --password needs a value (run "burnbox help" for usage)\n');
});

test('an unknown BURNBOX_* variable is warned of, with the nearest setting, by every command', () => {
  const typo = { ...env, BURNBOX_SMTP_PROT: '25', BURNBOX_COLOUR: 'blue' };
  const warnings = [
    'burnbox: warning: unknown setting BURNBOX_COLOUR is ignored (see "burnbox help" for the settings)',
    'burnbox: warning: unknown setting BURNBOX_SMTP_PROT is ignored (did you mean BURNBOX_SMTP_PORT?)',
  ];
  for (const args of [['domain', 'list'], ['config'], ['migrate']]) {
    const result = runCli(args, typo);
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(result.stderr.split('\n').filter(Boolean), warnings, args.join(' '));
  }
  // Settings that exist are not warned of.
  assert.equal(runCli(['domain', 'list'], { ...env, BURNBOX_SMTP_PORT: '2626' }).stderr, '');
});

test('serve warns of an unknown BURNBOX_* variable at start', async () => {
  const serve = await startServe({ ...env, BURNBOX_HTTP_PORTS: '9999' });
  await serve.stop();
  assert.equal(
    serve.stderr(),
    'burnbox: warning: unknown setting BURNBOX_HTTP_PORTS is ignored (did you mean BURNBOX_HTTP_PORT?)\n',
  );
});
