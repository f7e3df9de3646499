/**
 * Facts of the JPKI certificate profile (jpki.md §3) that both the verifier and the test harness rely on.
 */

/** subjectAltName otherName type ids of the four basic items and their substitute-character flags (§3.5). */
export const JPKI_SAN_OIDS = {
  name: '1.2.392.200149.8.5.5.1',
  nameFlags: '1.2.392.200149.8.5.5.2',
  gender: '1.2.392.200149.8.5.5.3',
  dateOfBirth: '1.2.392.200149.8.5.5.4',
  address: '1.2.392.200149.8.5.5.5',
  addressFlags: '1.2.392.200149.8.5.5.6',
} as const;

export type SanItem = keyof typeof JPKI_SAN_OIDS;

/** certificatePolicies of signature certificates: production J-LIS and JPKI-TEST cards (§3.6, §8.1). */
export const SIGNATURE_POLICY_OID = '1.2.392.200149.8.5.1.1.20';
export const TEST_SIGNATURE_POLICY_OID = '1.2.392.200149.8.5.1.0.20';
export const AUTHENTICATION_POLICY_OID = '1.2.392.200149.8.5.1.3.30';

export type Gender = 'male' | 'female' | 'unknown';

/** The certificate's 1/2/3 coding of gender. */
export const GENDER_CODES: Record<string, Gender> = { '1': 'male', '2': 'female', '3': 'unknown' };

/** Japanese eras by their first day (Gregorian), newest first, with the profile's era code (§3.5). */
const ERAS = [
  { code: '5', name: '令和', from: '2019-05-01' },
  { code: '4', name: '平成', from: '1989-01-08' },
  { code: '3', name: '昭和', from: '1926-12-25' },
  { code: '2', name: '大正', from: '1912-07-30' },
  { code: '1', name: '明治', from: '1868-01-25' },
] as const;

/** The era code of a Gregorian date `YYYY-MM-DD`; `0` (不明) before 明治. */
export function eraCode(isoDate: string): string {
  return ERAS.find((era) => isoDate >= era.from)?.code ?? '0';
}

/** Encodes a date of birth as the profile's `EYYYYMMDD`. */
export function encodeDateOfBirth(isoDate: string): string {
  return `${eraCode(isoDate)}${isoDate.replaceAll('-', '')}`;
}

/**
 * Decodes `EYYYYMMDD` to `YYYY-MM-DD`. The eight digits are Gregorian; the era digit must be 0–5 and, when
 * not 0, agree with the date. Returns undefined for anything else.
 */
export function decodeDateOfBirth(value: string): string | undefined {
  const match = /^([0-5])(\d{4})(\d{2})(\d{2})$/.exec(value);
  if (!match) return undefined;
  const [, era, year, month, day] = match as unknown as [string, string, string, string, string];
  const iso = `${year}-${month}-${day}`;
  const y = Number(year);
  const m = Number(month);
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
  if (days === undefined || Number(day) < 1 || Number(day) > days) return undefined;
  if (era !== '0' && eraCode(iso) !== era) return undefined;
  return iso;
}

/** DER DigestInfo prefix for SHA-256 (RFC 8017 §9.2 note 1; jpki.md §1.5). */
export const SHA256_DIGEST_INFO_PREFIX = Buffer.from('3031300d060960864801650304020105000420', 'hex');

/** The DER DigestInfo of a SHA-256 digest: what the card is asked to sign with P1 = 00. */
export function sha256DigestInfo(digest: Uint8Array): Buffer {
  if (digest.byteLength !== 32) throw new RangeError('a SHA-256 digest is 32 bytes');
  return Buffer.concat([SHA256_DIGEST_INFO_PREFIX, digest]);
}
