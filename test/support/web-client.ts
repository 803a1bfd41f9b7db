// A minimal browser stand-in for web tests without a browser: keeps cookies, reads the CSRF
// token from pages, posts forms, and does not follow redirects (tests look at them).
import type { TestServer } from './harness.ts';

export interface WebResponse {
  status: number;
  headers: Headers;
  text: string;
  location: string | null;
}

export class WebClient {
  readonly cookies = new Map<string, string>();
  readonly #server: TestServer;
  readonly #headers: Record<string, string>;

  constructor(server: TestServer, headers: Record<string, string> = {}) {
    this.#server = server;
    this.#headers = headers;
  }

  async request(
    method: string,
    path: string,
    options: { form?: Record<string, string>; headers?: Record<string, string> } = {},
  ): Promise<WebResponse> {
    const headers: Record<string, string> = { ...this.#headers, ...options.headers };
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let body: string | undefined;
    if (options.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(options.form).toString();
    }
    const response = await fetch(`${this.#server.baseUrl}${path}`, {
      method,
      headers,
      body,
      redirect: 'manual',
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at);
      const value = pair.slice(at + 1);
      if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return {
      status: response.status,
      headers: response.headers,
      text: await response.text(),
      location: response.headers.get('location'),
    };
  }

  get(path: string, headers?: Record<string, string>) {
    return this.request('GET', path, { headers });
  }

  /** Posts a form with this client's CSRF token (fetching a page first if it has none). */
  async post(path: string, form: Record<string, string> = {}, headers?: Record<string, string>) {
    if (!this.cookies.has('bb_csrf')) await this.get('/login');
    return this.request('POST', path, {
      form: { _csrf: this.cookies.get('bb_csrf') ?? '', ...form },
      headers,
    });
  }

  /** The cookie that makes this browser the owner of its guest mailbox (sealed, not the token). */
  get guestCookie(): string | undefined {
    return this.cookies.get('bb_mailbox');
  }
}

/** The JSON data block a page hands to its script. */
export function pageData(html: string): any {
  const match = /<script type="application\/json" id="page-data">([\s\S]*?)<\/script>/.exec(html);
  return match ? JSON.parse(match[1] as string) : undefined;
}
