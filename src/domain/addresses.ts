// Email address rules: what we accept as a mailbox address and how it is normalised.
import { invalid } from './errors.ts';

export const maxLocalPartLength = 64;
const localPartPattern = /^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?$/;
// The last label is letters, or an IDNA top-level domain in punycode (xn--p1ai for .рф).
const domainPattern =
  /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

export function isValidDomainName(domain: string): boolean {
  return domainPattern.test(domain);
}

/** Lower-cases and validates a local part; throws `invalid` with a sentence saying why. */
export function normaliseLocalPart(raw: string): string {
  const local = raw.trim().toLowerCase();
  if (local.length === 0) throw invalid('The name before the @ must not be empty.');
  if (local.length > maxLocalPartLength)
    throw invalid(`The name before the @ must be at most ${maxLocalPartLength} characters.`);
  if (!localPartPattern.test(local) || local.includes('..')) {
    throw invalid(
      'The name before the @ may contain only letters, digits, dots, hyphens and underscores, and must start and end with a letter or digit.',
    );
  }
  return local;
}

export function normaliseDomain(raw: string): string {
  const domain = raw.trim().toLowerCase().replace(/\.$/, '');
  if (!isValidDomainName(domain)) throw invalid(`"${raw}" is not a valid domain name.`);
  return domain;
}

/** Splits and normalises a full address; throws `invalid` when it is not one. */
export function parseAddress(raw: string): { local: string; domain: string; address: string } {
  const at = raw.lastIndexOf('@');
  if (at <= 0 || at === raw.length - 1) throw invalid(`"${raw}" is not a valid email address.`);
  const local = normaliseLocalPart(raw.slice(0, at));
  const domain = normaliseDomain(raw.slice(at + 1));
  return { local, domain, address: `${local}@${domain}` };
}

/**
 * Role addresses (RFC 2142 and common administrative names) that nobody may claim: mail to
 * them is meant for whoever runs the domain, and handing them out invites abuse.
 */
const reservedLocalParts = new Set([
  'abuse',
  'admin',
  'administrator',
  'hostmaster',
  'info',
  'mailer-daemon',
  'no-reply',
  'noc',
  'noreply',
  'postmaster',
  'root',
  'security',
  'ssl-admin',
  'support',
  'webmaster',
  'www',
]);

export function isReservedLocalPart(localPart: string): boolean {
  return reservedLocalParts.has(localPart);
}
