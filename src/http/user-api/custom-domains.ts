// Beyond the seed: a user's own domains, in the user dialect's style ({"status": …} bodies, its
// error shape, its dates). Registered inside the user API plugin, so its authentication, quota
// and error handler apply.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { planOf } from '../../domain/context.ts';
import type { CustomDomainService } from '../../domain/custom-domains.ts';
import { formatIsoWithOffset } from '../../domain/time.ts';
import type { Services } from '../../services.ts';
import type { CustomDomainRecord, UserRecord } from '../../store/types.ts';
import {
  catchAllBody,
  customDomainBody,
  customDomainParams,
  customDomainResponses,
} from './custom-domain-schemas.ts';

/** A claim as the API shows it: its state, what the last look found, and the records to create. */
export function presentCustomDomain(
  service: CustomDomainService,
  claim: CustomDomainRecord,
  timeZone: string,
  checkWindowMs: number,
) {
  const date = (ms: number | null) => (ms === null ? null : formatIsoWithOffset(ms, timeZone));
  return {
    domain: claim.name,
    status: claim.status,
    created_at: formatIsoWithOffset(claim.createdAt, timeZone),
    checked_at: date(claim.checkedAt),
    verified_at: date(claim.verifiedAt),
    checks_until: claim.status === 'pending' ? date(claim.createdAt + checkWindowMs) : null,
    problem: claim.lastProblem,
    catch_all: claim.catchAll,
    records: service.recordsOf(claim),
  };
}

type DomainParams = { Params: { domain: string } };

export function customDomainRoutes(app: FastifyInstance, services: Services): void {
  const { customDomains, config } = services;
  const userOf = (request: FastifyRequest) => request.user as UserRecord;
  const view = (claim: CustomDomainRecord) =>
    presentCustomDomain(customDomains, claim, config.timeZone, config.customDomains.checkWindowMs);

  app.get('/api/custom-domains', { schema: { response: customDomainResponses.list } }, async (request) => {
    const user = userOf(request);
    const claims = await customDomains.listOf(user);
    return {
      status: true,
      data: {
        limit: planOf(services.context, user).customDomains,
        mail_host: customDomains.mailHost,
        domains: claims.map(view),
      },
    };
  });

  app.post<{ Body: { domain: string } }>(
    '/api/custom-domains',
    { schema: { body: customDomainBody, response: customDomainResponses.one } },
    async (request) => {
      return { status: true, data: view(await customDomains.link(userOf(request), request.body.domain)) };
    },
  );

  app.get<DomainParams>(
    '/api/custom-domains/:domain',
    { schema: { params: customDomainParams, response: customDomainResponses.one } },
    async (request) => {
      return {
        status: true,
        data: view(await customDomains.requireOwn(userOf(request), request.params.domain)),
      };
    },
  );

  app.post<DomainParams>(
    '/api/custom-domains/:domain/verify',
    { schema: { params: customDomainParams, response: customDomainResponses.one } },
    async (request) => {
      return {
        status: true,
        data: view(await customDomains.checkNow(userOf(request), request.params.domain)),
      };
    },
  );

  app.put<DomainParams & { Body: { email: string } }>(
    '/api/custom-domains/:domain/catch-all',
    { schema: { params: customDomainParams, body: catchAllBody, response: customDomainResponses.one } },
    async (request) => {
      const claim = await customDomains.setCatchAll(
        userOf(request),
        request.params.domain,
        request.body.email,
      );
      return { status: true, data: view(claim) };
    },
  );

  app.delete<DomainParams>(
    '/api/custom-domains/:domain/catch-all',
    { schema: { params: customDomainParams, response: customDomainResponses.one } },
    async (request) => {
      const claim = await customDomains.setCatchAll(userOf(request), request.params.domain, null);
      return { status: true, data: view(claim) };
    },
  );

  app.delete<DomainParams>(
    '/api/custom-domains/:domain',
    { schema: { params: customDomainParams, response: customDomainResponses.done } },
    async (request) => {
      await customDomains.remove(userOf(request), request.params.domain);
      return { status: true, message: 'The domain was removed with its mailboxes and messages.' };
    },
  );
}
