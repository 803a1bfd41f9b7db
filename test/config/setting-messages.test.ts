// Every setting of the table, present and future, is refused in a plain sentence: its name, the
// value given and what it must be; never the validator's wording. And every one of them is a
// known variable, while a near miss is warned of with the setting meant.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { expectedValue } from '../../src/config/expectations.ts';
import { ConfigError, loadConfig, type SettingName, settingDefinitions } from '../../src/config/settings.ts';
import { unknownSettingWarnings } from '../../src/config/unknown-settings.ts';

const junk = ['abc', '-1', '1.5', '0', '99999999999999999999', 'maybe', 'ftp://x', '{', ' '];
// Words of zod's own messages ("Invalid input: expected number, received NaN", "Too small: …").
const validatorWords = /expected|received|Invalid input|Too (small|big)|Invalid (option|string)|NaN|>=|<=/;

test("every setting's refusal is a sentence naming it, the value and what is expected", () => {
  let refusals = 0;
  for (const name of Object.keys(settingDefinitions) as SettingName[]) {
    for (const value of junk) {
      let message: string | undefined;
      try {
        loadConfig({ [name]: value });
      } catch (err) {
        assert.ok(err instanceof ConfigError, `${name}=${value}: ${err}`);
        message = err.message;
      }
      if (message === undefined) continue;
      refusals++;
      const prefix =
        name === 'BURNBOX_PLANS'
          ? `Invalid setting ${name}: `
          : `Invalid setting ${name}=${JSON.stringify(value)}: `;
      assert.ok(message.startsWith(prefix), message);
      assert.match(message.slice(prefix.length), /^(must|plan|not|unknown)\b/, message);
      assert.doesNotMatch(message, validatorWords, message);
      assert.ok(!message.includes('\n'), message);
    }
  }
  assert.ok(refusals > 50, `only ${refusals} refusals: the junk values no longer exercise the table`);
});

test('every setting of the table is known; a near miss names the setting meant', () => {
  const all = Object.fromEntries(Object.keys(settingDefinitions).map((name) => [name, 'x']));
  assert.deepEqual(unknownSettingWarnings({ ...all, PATH: '/bin', DATABASE_URL: 'x' }), []);
  assert.deepEqual(unknownSettingWarnings({ BURNBOX_TIME_ZONE: 'UTC', BURNBOX_DATA_DIRECTORY: 'x' }), [
    'unknown setting BURNBOX_DATA_DIRECTORY is ignored (did you mean BURNBOX_DATA_DIR?)',
    'unknown setting BURNBOX_TIME_ZONE is ignored (did you mean BURNBOX_TIMEZONE?)',
  ]);
});

test('the expected value is read off the shapes settings are written in', () => {
  const cases: [z.ZodType, string][] = [
    [z.coerce.number().int().min(1).max(100), 'a whole number from 1 to 100'],
    [z.coerce.number().int().positive(), 'a whole number of at least 1'],
    [z.coerce.number().int().min(0), 'a whole number of at least 0'],
    [z.coerce.number().positive(), 'a number greater than 0'],
    [z.coerce.number().max(5), 'a number of at most 5'],
    [z.enum(['a', 'b', 'c']).transform((v) => v.toUpperCase()), 'a, b or c'],
    [z.string().transform(Number).pipe(z.number().int().min(2).max(9)), 'a whole number from 2 to 9'],
    [z.string().min(1), 'a non-empty text'],
  ];
  for (const [schema, expected] of cases) assert.equal(expectedValue(schema), expected);
});
