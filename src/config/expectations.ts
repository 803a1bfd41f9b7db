// What a valid value of a setting is, in words, read off its schema. A setting that fails
// validation is reported as "must be <this>" instead of the validator's own wording ("expected
// number, received NaN"), so every setting gets a plain sentence without writing one.
import type { z } from 'zod';

// The parts of zod's schema definitions read here (zod 4 keeps them under `_zod.def`).
interface Def {
  type: string;
  in?: Schema;
  out?: Schema;
  innerType?: Schema;
  element?: Schema;
  entries?: Record<string, string | number>;
  checks?: { _zod: { def: CheckDef } }[];
}
interface CheckDef {
  check: string;
  value?: number;
  inclusive?: boolean;
  format?: string;
}
interface Schema {
  _zod: { def: Def };
}

/** "a, b or c". */
export function oneOf(values: string[]): string {
  return values.length <= 1 ? (values[0] ?? '') : `${values.slice(0, -1).join(', ')} or ${values.at(-1)}`;
}

interface Bound {
  value: number;
  inclusive: boolean;
}

function numberPhrase(def: Def): string {
  const checks = (def.checks ?? []).map((c) => c._zod.def);
  const whole = checks.some((c) => c.check === 'number_format' && /int/.test(c.format ?? ''));
  let min: Bound | undefined;
  let max: Bound | undefined;
  for (const c of checks) {
    if (c.value === undefined) continue;
    if (c.check === 'greater_than') min = { value: c.value, inclusive: c.inclusive ?? false };
    if (c.check === 'less_than') max = { value: c.value, inclusive: c.inclusive ?? false };
  }
  // For whole numbers an exclusive bound reads better as the inclusive one: "> 0" is "at least 1".
  if (whole && min && !min.inclusive) min = { value: min.value + 1, inclusive: true };
  if (whole && max && !max.inclusive) max = { value: max.value - 1, inclusive: true };
  const noun = whole ? 'a whole number' : 'a number';
  if (min?.inclusive && max?.inclusive) return `${noun} from ${min.value} to ${max.value}`;
  const limits: string[] = [];
  if (min) limits.push(min.inclusive ? `of at least ${min.value}` : `greater than ${min.value}`);
  if (max) limits.push(max.inclusive ? `of at most ${max.value}` : `less than ${max.value}`);
  return limits.length > 0 ? `${noun} ${limits.join(' and ')}` : noun;
}

/** A noun phrase for the values the schema accepts ("a whole number from 0 to 65535"). */
export function expectedValue(schema: z.ZodType | Schema): string {
  const def = (schema as Schema)._zod.def;
  switch (def.type) {
    case 'pipe':
      // Validated then transformed (`z.enum(…).transform(…)`): what is accepted is what goes in.
      // Transformed then validated (`….transform(…).pipe(z.number())`): what comes out.
      if (def.out && def.out._zod.def.type !== 'transform') return expectedValue(def.out);
      return def.in ? expectedValue(def.in) : 'a valid value';
    case 'optional':
    case 'default':
      return def.innerType ? expectedValue(def.innerType) : 'a valid value';
    case 'nullable':
      return def.innerType ? `${expectedValue(def.innerType)}, or null` : 'a valid value';
    case 'number':
      return numberPhrase(def);
    case 'boolean':
      return 'true or false';
    case 'enum':
      return oneOf(Object.values(def.entries ?? {}).map(String));
    case 'array': {
      const nonEmpty = (def.checks ?? []).some((c) => c._zod.def.check === 'min_length');
      const list = nonEmpty ? 'a non-empty list' : 'a list';
      return def.element ? `${list} of ${expectedValue(def.element)}` : list;
    }
    case 'string': {
      const nonEmpty = (def.checks ?? []).some((c) => c._zod.def.check === 'min_length');
      return nonEmpty ? 'a non-empty text' : 'a text';
    }
    default:
      return 'a valid value';
  }
}

/**
 * A zod error map for parsing a setting: every issue without a message of its own (a refine
 * or regex with a message keeps it) becomes "must be <what the schema accepts>".
 */
export function plainErrors(schema: z.ZodType): () => string {
  const expected = `must be ${expectedValue(schema)}`;
  return () => expected;
}
