// A tiny DNS server on 127.0.0.1 (UDP) for benchmarks and tests of the sender checks: it answers TXT
// queries from a zone held in memory, "no such name" for anything else, so a Burnbox server
// process pointed at it (BURNBOX_DNS_SERVERS) resolves without the network. Just enough of
// RFC 1035 for node:dns (c-ares) as a client: one question per query, no compression but the
// pointer back to it.
import { createSocket } from 'node:dgram';

export interface LocalDns {
  /** `127.0.0.1:<port>`, for BURNBOX_DNS_SERVERS. */
  address: string;
  /** Queries answered so far. */
  queries(): number;
  close(): Promise<void>;
}

const typeTxt = 16;

/** Reads the question's name (labels, no compression in queries); returns it and where it ends. */
function questionName(packet: Buffer): { name: string; end: number } {
  const labels: string[] = [];
  let at = 12;
  while (at < packet.length && packet[at] !== 0) {
    const length = packet[at] as number;
    labels.push(packet.subarray(at + 1, at + 1 + length).toString('latin1'));
    at += 1 + length;
  }
  return { name: labels.join('.').toLowerCase(), end: at + 1 };
}

function txtRecord(value: string): Buffer {
  const chunks: Buffer[] = [];
  for (let i = 0; i < value.length || i === 0; i += 255) {
    const part = Buffer.from(value.slice(i, i + 255), 'latin1');
    chunks.push(Buffer.from([part.length]), part);
  }
  const data = Buffer.concat(chunks);
  const head = Buffer.alloc(12);
  head.writeUInt16BE(0xc00c, 0); // the question's name
  head.writeUInt16BE(typeTxt, 2);
  head.writeUInt16BE(1, 4); // IN
  head.writeUInt32BE(300, 6); // TTL
  head.writeUInt16BE(data.length, 10);
  return Buffer.concat([head, data]);
}

/** `zone`: name → its TXT records. */
export async function startLocalDns(zone: Record<string, string[]>): Promise<LocalDns> {
  const socket = createSocket('udp4');
  let count = 0;
  socket.on('message', (query, peer) => {
    if (query.length < 17) return;
    count++;
    const { name, end } = questionName(query);
    const type = query.readUInt16BE(end);
    const records = zone[name];
    const answers = records && type === typeTxt ? records.map(txtRecord) : [];
    const head = Buffer.alloc(12);
    query.copy(head, 0, 0, 2); // id
    // A response, recursion desired and available; NXDOMAIN for names not in the zone.
    head.writeUInt16BE(0x8180 | (records ? 0 : 3), 2);
    head.writeUInt16BE(1, 4);
    head.writeUInt16BE(answers.length, 6);
    socket.send(Buffer.concat([head, query.subarray(12, end + 4), ...answers]), peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${socket.address().port}`,
    queries: () => count,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}
