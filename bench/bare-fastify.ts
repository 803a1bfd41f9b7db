// The ceiling for the API benchmark (bench/api-reads.ts): a bare fastify server answering each
// benchmarked path with the very JSON Burnbox answered it with, and nothing else (no key, no
// quota, no database). Run as a child process: `node bench/bare-fastify.ts <bodies.json>`, where
// the file maps paths to response bodies; prints its port on stdout once it listens.
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const bodies = JSON.parse(readFileSync(process.argv[2] as string, 'utf8')) as Record<string, string>;
const app = Fastify({ logger: false });
for (const [path, body] of Object.entries(bodies)) {
  const url = new URL(path, 'http://127.0.0.1');
  // The query is ignored: one body per path is all the benchmark asks for.
  app.get(url.pathname, async (_request, reply) => reply.type('application/json; charset=utf-8').send(body));
}
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
console.log(typeof address === 'object' && address ? address.port : 0);
