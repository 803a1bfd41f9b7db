// A Server-Sent Events client for tests: reads a stream as raw text and parses its events.
import http from 'node:http';
import { until } from './until.ts';

export interface StreamEvent {
  id?: string;
  event?: string;
  data?: string;
}

export interface OpenStream {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Everything read so far. */
  text(): string;
  /** The events read so far (comments left out). */
  events(): StreamEvent[];
  /** Resolves once the text read so far matches. */
  until(pattern: RegExp, what: string): Promise<void>;
  close(): void;
}

export function openEventStream(url: string, headers: Record<string, string>): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    let text = '';
    let ended = false;
    const request = http.get(url, { headers: { Accept: 'text/event-stream', ...headers } }, (response) => {
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
      });
      response.on('end', () => {
        ended = true;
      });
      resolve({
        status: response.statusCode ?? 0,
        headers: response.headers,
        text: () => text,
        events: () => parseEvents(text),
        until: (pattern, what) =>
          until(() => {
            if (!pattern.test(text) && ended) throw new Error(`the stream ended before ${what}: ${text}`);
            return pattern.test(text);
          }, what),
        close: () => request.destroy(),
      });
    });
    request.on('error', (err) => (text ? undefined : reject(err)));
  });
}

function parseEvents(text: string): StreamEvent[] {
  const events: StreamEvent[] = [];
  for (const block of text.split('\n\n').slice(0, -1)) {
    const event: StreamEvent = {};
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = line.slice(0, colon);
      const value = line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id' || field === 'event' || field === 'data') event[field] = value;
    }
    if (Object.keys(event).length > 0) events.push(event);
  }
  return events;
}
