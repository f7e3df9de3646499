import { domainToASCII } from 'node:url';

/**
 * E-mail addresses as the API accepts them: a bare addr-spec (no display name, no comments, no quoted
 * local part), within the length limits of RFC 5321 §4.5.3.1 (local part 64 octets, domain 255, path 254),
 * an internationalised domain turned into its A-label form, and nothing that could inject a header.
 */
export type EmailAddressProblem = 'format' | 'length' | 'domain';

export interface NormalisedEmailAddress {
  /** Local part as given (case preserved, RFC 5321 §2.4), domain in lower-case A-labels. */
  address: string;
  /** Set when the domain belongs to a mobile carrier that refuses outside mail by default. */
  carrierDomain: boolean;
}

/** Carrier mail domains that block mail from outside by default (the guide warns against them). */
export const CARRIER_DOMAINS = [
  'docomo.ne.jp',
  'ezweb.ne.jp',
  'au.com',
  'softbank.ne.jp',
  'i.softbank.jp',
  'disney.ne.jp',
  'vodafone.ne.jp',
  'ymobile.ne.jp',
  'y-mobile.ne.jp',
  'emobile.ne.jp',
  'willcom.com',
  'pdx.ne.jp',
  'uqmobile.jp',
  'rakumail.jp',
] as const;

const ATEXT = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+$/;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

export function normaliseEmailAddress(input: string): NormalisedEmailAddress | EmailAddressProblem {
  // Control characters (CR, LF, NUL, TAB …) anywhere: refuse, never strip.
  if ([...input].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) return 'format';
  const text = input.trim();
  const at = text.lastIndexOf('@');
  if (at <= 0 || at === text.length - 1) return 'format';
  const local = text.slice(0, at);
  const domainInput = text.slice(at + 1);
  if (!local.split('.').every((atom) => ATEXT.test(atom))) return 'format';
  if (Buffer.byteLength(local, 'utf8') > 64) return 'length';
  if (/[\s<>()[\]\\,;:"@]/.test(domainInput)) return 'format';
  const domain = domainToASCII(domainInput.normalize('NFKC').toLowerCase()).replace(/\.$/, '');
  if (!domain) return 'domain';
  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every((label) => LABEL.test(label)) || /^\d+$/.test(labels.at(-1) ?? '')) {
    return 'domain';
  }
  if (domain.length > 255) return 'length';
  const address = `${local}@${domain}`;
  if (address.length > 254) return 'length';
  const carrierDomain = CARRIER_DOMAINS.some((d) => domain === d || domain.endsWith(`.${d}`));
  return { address, carrierDomain };
}
