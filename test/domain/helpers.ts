// Shared pieces of the domain tests: the real services on a fresh data directory with an
// adjustable clock (like test/support/harness.ts, without the listeners: these tests need no
// sockets), mail delivered through the ingest service, and assertions on domain errors.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type SettingName } from '../../src/config/settings.ts';
import { DomainError, type DomainErrorKind } from '../../src/domain/errors.ts';
import { createServices, type Services } from '../../src/services.ts';
import type { MailboxRecord } from '../../src/store/types.ts';

export const minute = 60_000;
export const hour = 60 * minute;

export interface DomainHarness {
  services: Services;
  dataDir: string;
  /** Adjustable clock: tests move time instead of sleeping. */
  clock: { now: number; advance(ms: number): void };
  /** Delivers a small message to the live mailboxes at `to`, as SMTP ingest would. */
  receive(to: MailboxRecord[], subject?: string): Promise<number>;
  close(): Promise<void>;
}

export async function startServices(
  settings: Partial<Record<SettingName, string>> = {},
): Promise<DomainHarness> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'burnbox-domain-'));
  const config = loadConfig(
    {},
    { BURNBOX_DATA_DIR: dataDir, BURNBOX_LOG_LEVEL: 'silent', BURNBOX_SYNC_WRITES: 'false', ...settings },
  );
  const clock = {
    now: Date.now(),
    advance(ms: number) {
      this.now += ms;
    },
  };
  const services = await createServices(config, { now: () => clock.now });
  return {
    services,
    dataDir,
    clock,
    async receive(to, subject = 'Hello') {
      const raw = Buffer.from(
        `From: Sender <sender@example.org>\r\nTo: ${to.map((m) => m.address).join(', ')}\r\n` +
          `Subject: ${subject}\r\n\r\nBody of ${subject}\r\n`,
      );
      return (await services.ingest.deliver(raw, to, 'sender@example.org')).length;
    },
    async close() {
      await services.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Asserts that `promise` rejects with a DomainError of `kind` (and a message matching `message`). */
export async function rejectsWith(
  promise: Promise<unknown>,
  kind: DomainErrorKind,
  message?: RegExp | string,
): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof DomainError, `expected a DomainError, got ${String(err)}`);
    assert.equal(err.kind, kind, `kind of "${err.message}"`);
    if (typeof message === 'string') assert.equal(err.message, message);
    else if (message) assert.match(err.message, message);
    return true;
  });
}
