/**
 * Self-check for the bench load generators: `npx node bench/selftest.ts`
 *
 * Forks a sink process (smtp-server sinks + a tiny node:http server, all on 127.0.0.1 port 0) so
 * client and server do not share a CPU, then:
 *   1. SMTP, pipelined: 2000 x ~20 KB messages over 16 connections; the sink sha256-hashes every
 *      message it receives and the multiset of digests must equal that of the raws we sent
 *      (the sample message contains ".", ".." and lone "." lines, so dot-stuffing is exercised).
 *   2. SMTP, PIPELINING hidden + a recipient rejected in RCPT: checks the sequential path and the
 *      rejected/RSET path (expect exactly half accepted, half rejected, digests still exact).
 *   3. HTTP: 3 s over 16 keep-alive connections against a ~1 KB JSON response.
 * Client CPU time is reported so the client's own ceiling (msgs per client-CPU-second) is visible
 * even when the sink is the bottleneck. Exit code 1 on any verification failure.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { SMTPServer } from 'smtp-server';
import { runHttpLoad } from './http-load.ts';
import { buildSampleMessage, dotStuffWithTerminator, runSmtpLoad } from './smtp-load.ts';

const HOST = '127.0.0.1';
const REJECT_ADDR = 'reject-me@burnbox.test';

interface Ports {
  smtp: number;
  smtpNoPipe: number;
  http: number;
}
type SinkRequest = { cmd: 'digests' } | { cmd: 'reset' } | { cmd: 'exit' };
type SinkReply = { ports: Ports } | { digests: Record<string, number> } | { ok: true };

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

// ------------------------------------------------------------------------------------------
// Sink (child process)

async function sink(): Promise<void> {
  let digests = new Map<string, number>();
  const makeServer = (hidePIPELINING: boolean): SMTPServer =>
    new SMTPServer({
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      disableReverseLookup: true,
      hidePIPELINING,
      onRcptTo(address, _session, cb) {
        if (address.address === REJECT_ADDR)
          cb(Object.assign(new Error('no such mailbox'), { responseCode: 550 }));
        else cb();
      },
      onData(stream, _session, cb) {
        const h = createHash('sha256');
        stream.on('data', (c: Buffer) => h.update(c));
        stream.on('end', () => {
          const d = h.digest('hex');
          digests.set(d, (digests.get(d) ?? 0) + 1);
          cb();
        });
      },
    });
  const listen = (srv: { listen: (port: number, host: string, cb: () => void) => unknown }): Promise<void> =>
    new Promise((resolve) => srv.listen(0, HOST, resolve));

  const smtp = makeServer(false);
  const smtpNoPipe = makeServer(true);
  const body = Buffer.from(
    JSON.stringify({
      'hydra:member': Array.from({ length: 5 }, (_, k) => ({
        id: `msg-${k}`,
        from: { address: 'sender@bench.burnbox.test', name: 'Bench Sender' },
        subject: `Your verification code ${k}`,
        intro: 'This is a Burnbox benchmark message. Your verification code is 482913.',
        seen: false,
        createdAt: '2026-01-01T00:00:00+00:00',
      })),
      'hydra:totalItems': 5,
    }),
  );
  const web = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  });
  await Promise.all([listen(smtp.server), listen(smtpNoPipe.server), listen(web)]);
  const port = (s: { address: () => unknown }): number => (s.address() as AddressInfo).port;
  const send = (m: SinkReply): void => {
    process.send?.(m);
  };
  process.on('message', (m: SinkRequest) => {
    if (m.cmd === 'digests') send({ digests: Object.fromEntries(digests) });
    else if (m.cmd === 'reset') {
      digests = new Map();
      send({ ok: true });
    } else if (m.cmd === 'exit') {
      web.closeAllConnections();
      web.close();
      smtp.close(() => {});
      smtpNoPipe.close(() => {});
      setTimeout(() => process.exit(0), 200).unref();
      process.disconnect();
    }
  });
  process.on('disconnect', () => setTimeout(() => process.exit(0), 500).unref());
  send({ ports: { smtp: port(smtp.server), smtpNoPipe: port(smtpNoPipe.server), http: port(web) } });
}

// ------------------------------------------------------------------------------------------
// Driver (parent)

function ask(child: ChildProcess, req: SinkRequest): Promise<SinkReply> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`sink did not answer ${req.cmd}`)), 10_000);
    child.once('message', (m: SinkReply) => {
      clearTimeout(t);
      resolve(m);
    });
    child.send(req);
  });
}

function sameMultiset(a: Map<string, number>, b: Record<string, number>): boolean {
  const keys = new Set([...a.keys(), ...Object.keys(b)]);
  for (const k of keys) if ((a.get(k) ?? 0) !== (b[k] ?? 0)) return false;
  return true;
}

async function main(): Promise<void> {
  const failures: string[] = [];
  const check = (cond: boolean, what: string): void => {
    if (!cond) failures.push(what);
  };

  // Unit-ish dot-stuffing checks.
  const stuffed = (s: string): string => dotStuffWithTerminator(Buffer.from(s)).toString();
  check(
    stuffed('.a\r\nb\r\n.\r\n..c\r\n') === '..a\r\nb\r\n..\r\n...c\r\n.\r\n',
    'dot-stuffing: leading dots',
  );
  check(stuffed('x') === 'x\r\n.\r\n', 'dot-stuffing: missing final CRLF');
  check(stuffed('') === '\r\n.\r\n', 'dot-stuffing: empty');
  const sampleBuf = buildSampleMessage({ to: 'a@b', subject: 's' });
  const firstStuffed = dotStuffWithTerminator(sampleBuf);
  check(dotStuffWithTerminator(sampleBuf) === firstStuffed, 'dot-stuffing cache by reference');
  check(sampleBuf.equals(buildSampleMessage({ to: 'a@b', subject: 's' })), 'sample message deterministic');

  const child = fork(import.meta.filename, ['--sink'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const first = await new Promise<SinkReply>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('sink did not start')), 10_000);
      child.once('message', (m: SinkReply) => {
        clearTimeout(t);
        resolve(m);
      });
      child.once('exit', (c) => reject(new Error(`sink exited with ${c}`)));
    });
    if (!('ports' in first)) throw new Error('unexpected sink hello');
    const ports = first.ports;

    // 1. pipelined SMTP, 2000 x ~20 KB over 16 connections.
    const recipients = Array.from({ length: 8 }, (_, k) => `box${k}@burnbox.test`);
    const pool = recipients.map((to, k) =>
      buildSampleMessage({ to, subject: `Your verification code ${k}` }),
    );
    const expected = new Map<string, number>();
    const digestOf = new Map<Buffer, string>();
    // Same Buffer for the same i, so onAccepted can re-derive what was sent. Most messages come from
    // a pool of 8 (cached dot-stuffing); one in 100 is unique (uncached path).
    const uniqueCache = new Map<number, Buffer>();
    const raw = (i: number, to: string): Buffer => {
      if (i % 100 !== 99) return pool[i % pool.length] as Buffer;
      let b = uniqueCache.get(i);
      if (b === undefined) {
        b = buildSampleMessage({ to, subject: `unique ${i}` });
        uniqueCache.set(i, b);
      }
      return b;
    };
    const onAccepted = (i: number, to: string): void => {
      const b = raw(i, to);
      let d = digestOf.get(b);
      if (d === undefined) {
        d = sha256(b);
        digestOf.set(b, d);
      }
      expected.set(d, (expected.get(d) ?? 0) + 1);
    };

    const cpu0 = process.cpuUsage();
    const smtp = await runSmtpLoad({
      host: HOST,
      port: ports.smtp,
      connections: 16,
      messages: 2000,
      from: 'sender@bench.burnbox.test',
      recipients,
      raw,
      onAccepted,
      timeoutMs: 10_000,
    });
    const cpu = process.cpuUsage(cpu0);
    const clientCpuS = (cpu.user + cpu.system) / 1e6;
    const got1 = await ask(child, { cmd: 'digests' });
    check(smtp.accepted === 2000 && smtp.rejected === 0 && smtp.failed === 0, 'smtp: all 2000 accepted');
    check(
      'digests' in got1 && sameMultiset(expected, got1.digests),
      'smtp: sink received byte-identical messages',
    );
    const msgBytes = sampleBuf.length;

    // 2. no PIPELINING + rejected recipients.
    await ask(child, { cmd: 'reset' });
    expected.clear();
    const seq = await runSmtpLoad({
      host: HOST,
      port: ports.smtpNoPipe,
      connections: 4,
      messages: 200,
      from: 'sender@bench.burnbox.test',
      recipients: ['ok@burnbox.test', REJECT_ADDR],
      raw,
      onAccepted,
      timeoutMs: 10_000,
    });
    const got2 = await ask(child, { cmd: 'digests' });
    check(
      seq.accepted === 100 && seq.rejected === 100 && seq.failed === 0,
      'smtp (no pipelining): 100 ok + 100 rejected',
    );
    check(
      seq.errors.length === 20 && /RCPT: 550/.test(seq.errors[0] ?? ''),
      'smtp: rejection texts recorded (max 20)',
    );
    check('digests' in got2 && sameMultiset(expected, got2.digests), 'smtp (no pipelining): byte-identical');

    // 3. HTTP, 3 s over 16 connections.
    const hcpu0 = process.cpuUsage();
    const web = await runHttpLoad({
      url: `http://${HOST}:${ports.http}/messages?page=1`,
      headers: { authorization: 'Bearer bench' },
      connections: 16,
      durationSeconds: 3,
      expectStatus: 200,
    });
    const hcpu = process.cpuUsage(hcpu0);
    const httpCpuS = (hcpu.user + hcpu.system) / 1e6;
    check(web.requests > 0 && web.non2xx === 0 && web.errors === 0, 'http: no errors');

    const out = {
      smtp: {
        ...smtp,
        messageBytes: msgBytes,
        mbPerSecond: Math.round(((smtp.messagesPerSecond * msgBytes) / 1e6) * 10) / 10,
        clientCpuSeconds: Math.round(clientCpuS * 1000) / 1000,
        clientCpuUtil: Math.round((clientCpuS / smtp.seconds) * 100) / 100,
        clientCeilingMsgsPerCpuSecond: Math.round(smtp.accepted / clientCpuS),
      },
      smtpNoPipelining: { ...seq, errors: seq.errors.slice(0, 2) },
      http: {
        ...web,
        clientCpuUtil: Math.round((httpCpuS / web.seconds) * 100) / 100,
        clientCeilingReqsPerCpuSecond: Math.round(web.requests / httpCpuS),
      },
      checks: failures.length === 0 ? 'all passed' : failures,
    };
    console.log(JSON.stringify(out, null, 2));
  } finally {
    if (child.connected && child.exitCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.send({ cmd: 'exit' } satisfies SinkRequest);
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
    }
    if (child.exitCode === null) child.kill();
  }
  if (failures.length > 0) process.exitCode = 1;
}

const t = performance.now();
if (process.argv[2] === '--sink') {
  await sink();
} else {
  await main();
  console.error(`selftest finished in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}
