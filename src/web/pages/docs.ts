// Placeholder until the docs page lands.
import type { FastifyInstance } from 'fastify';
import type { WebDeps } from '../plugin.ts';

export async function docsPages(_app: FastifyInstance, _deps: WebDeps): Promise<void> {}
