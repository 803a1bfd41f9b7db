// The row of a custom domain claim, the same in both backends' schemas, and its record.
import type { CustomDomainRecord, CustomDomainStatus } from './types.ts';

export interface CustomDomainRow {
  name: string;
  user_id: number;
  token: string;
  status: string;
  created_at: number;
  checked_at: number | null;
  last_problem: string | null;
  verified_at: number | null;
  next_check_at: number;
  catch_all: string | null;
}

export const toCustomDomain = (r: CustomDomainRow): CustomDomainRecord => ({
  name: r.name,
  userId: r.user_id,
  token: r.token,
  status: r.status as CustomDomainStatus,
  createdAt: r.created_at,
  checkedAt: r.checked_at,
  lastProblem: r.last_problem,
  verifiedAt: r.verified_at,
  nextCheckAt: r.next_check_at,
  catchAll: r.catch_all,
});

/** The problem a verified outcome is turned into when another claim won the name first. */
export const lostToAnotherClaim = 'Another account verified this domain first.';
