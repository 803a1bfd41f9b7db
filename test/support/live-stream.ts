// Reads a live inbox stream (Server-Sent Events) as raw text, for tests without a browser.
import http from 'node:http';

export interface ReadStreamOptions {
  headers?: Record<string, string>;
  /** Stop as soon as the text read so far matches. */
  until: RegExp;
  /** Give up after this long and resolve with what was read. */
  ms: number;
  /** Called once when the stream says it is ready (its catch-up is done). */
  onReady?: () => void;
}

export function readStream(url: string, options: ReadStreamOptions): Promise<string> {
  let onReady = options.onReady;
  return new Promise((resolve, reject) => {
    let text = '';
    const request = http.get(url, { headers: options.headers ?? {} }, (response) => {
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
        if (onReady && /event: ready/.test(text)) {
          const ready = onReady;
          onReady = undefined;
          ready();
        }
        if (options.until.test(text)) {
          request.destroy();
          resolve(text);
        }
      });
    });
    request.on('error', (err) => (text ? resolve(text) : reject(err)));
    setTimeout(() => {
      request.destroy();
      resolve(text);
    }, options.ms);
  });
}
