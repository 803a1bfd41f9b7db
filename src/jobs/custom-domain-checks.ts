// Looks up the DNS records of pending custom domains in the background, round after round, so a
// user who creates the records later sees the domain verified without asking again. A round
// takes only the claims that are due (each claim is looked at every check interval); several
// processes share the work through the store (a claim taken by one is not due for the others).
import type { Logger } from '../domain/context.ts';
import type { CustomDomainService } from '../domain/custom-domains.ts';

/** Rounds run at least this often, so a new claim is looked at soon after it is added. */
const longestPauseMs = 30_000;

export class CustomDomainChecks {
  readonly #service: CustomDomainService;
  readonly #log: Logger;
  readonly #pauseMs: number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<number> | undefined;

  constructor(service: CustomDomainService, checkIntervalMs: number, log: Logger) {
    this.#service = service;
    this.#log = log;
    this.#pauseMs = Math.min(checkIntervalMs, longestPauseMs);
  }

  /** One round now (tests call it after moving the clock); a round already running is joined. */
  runDue(): Promise<number> {
    this.#running ??= this.#service.runDueChecks().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  start(): void {
    this.#timer = setInterval(() => {
      this.runDue().catch((err) => this.#log.error({ err }, 'custom domain checks failed'));
    }, this.#pauseMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running?.catch(() => {});
  }
}
