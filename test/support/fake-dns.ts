// A DNS resolver for tests: answers only what a test put in it, never touches the network.
import type { DnsResolver } from '../../src/net/dns-records.ts';

const notFound = (name: string) =>
  Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });

export class FakeDns implements DnsResolver {
  readonly txt = new Map<string, string[][]>();
  readonly mx = new Map<string, { exchange: string; priority: number }[]>();
  /** Names whose lookups never answer (the checker's timeout must end them). */
  readonly silent = new Set<string>();
  lookups = 0;

  /** The records a real owner of `domain` would create for `token`, pointing at `mailHost`. */
  publish(domain: string, token: string, mailHost: string): void {
    this.txt.set(domain, [['v=spf1 -all'], ['burnbox-verify=', token]]);
    this.mx.set(domain, [{ exchange: `${mailHost}.`, priority: 10 }]);
  }

  resolveTxt(name: string): Promise<string[][]> {
    return this.#answer(name, this.txt.get(name));
  }

  resolveMx(name: string): Promise<{ exchange: string; priority: number }[]> {
    return this.#answer(name, this.mx.get(name));
  }

  #answer<T>(name: string, records: T[] | undefined): Promise<T[]> {
    this.lookups++;
    if (this.silent.has(name)) return new Promise(() => {});
    return records ? Promise.resolve(records) : Promise.reject(notFound(name));
  }
}
