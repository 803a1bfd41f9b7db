// A JSON response body made piece by piece as the client reads it. Serialising a message whose
// HTML or text is megabytes long in one go holds the event loop for tens of milliseconds (every
// character is checked for escaping); sent this way, its long strings are escaped a slice at a
// time, and sent a slice per turn of the event loop (pacedBody), between which other requests and
// SMTP sessions get theirs.
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pacedBody, sliceBytes } from './paced-body.ts';

/** A value already written as JSON (e.g. stored), sent as its chunks come. */
export class RawJson {
  readonly chunks: AsyncIterable<Buffer>;
  constructor(chunks: AsyncIterable<Buffer>) {
    this.chunks = chunks;
  }
}

/** Strings longer than this are escaped in slices of `sliceLength`. */
const longString = 64 * 1024;
/** Escaped at a time: about what is sent in a turn. */
const sliceLength = sliceBytes;

/** The JSON text of `value` (as JSON.stringify makes it, RawJson values as they are), as a stream. */
export function jsonStream(value: unknown): Readable {
  const long: (string | RawJson)[] = [];
  // Long strings and raw values are set aside, with a placeholder no string of the value can imitate.
  const tag = `\u0000${randomUUID()}:`;
  const skeleton = JSON.stringify(value, (_key, v: unknown) =>
    (typeof v === 'string' && v.length > longString) || v instanceof RawJson
      ? `${tag}${long.push(v) - 1}`
      : v,
  );
  const placeholder = new RegExp(`"${JSON.stringify(tag).slice(1, -1).replace(/\\/g, '\\\\')}(\\d+)"`);
  return pacedBody(pieces(skeleton, placeholder, long));
}

async function* pieces(
  skeleton: string,
  placeholder: RegExp,
  long: (string | RawJson)[],
): AsyncGenerator<Buffer> {
  let rest = skeleton;
  for (let match = placeholder.exec(rest); match; match = placeholder.exec(rest)) {
    const value = long[Number(match[1])] as string | RawJson;
    if (value instanceof RawJson) {
      yield Buffer.from(rest.slice(0, match.index));
      yield* value.chunks;
    } else {
      yield Buffer.from(`${rest.slice(0, match.index)}"`);
      yield* escapedSlices(value);
      yield Buffer.from('"');
    }
    rest = rest.slice(match.index + match[0].length);
  }
  yield Buffer.from(rest);
}

/** The JSON escaping of `text`, without its quotes, a slice at a time. */
function* escapedSlices(text: string): Generator<Buffer> {
  for (let start = 0; start < text.length; ) {
    let end = Math.min(start + sliceLength, text.length);
    // A surrogate pair stays in one slice (alone, each half would be escaped as \udXXX).
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
    yield Buffer.from(JSON.stringify(text.slice(start, end)).slice(1, -1));
    start = end;
  }
}
