import type { Gender } from '#functions/jpki/profile';

/** A card holder: the four basic items as the card records them, plus what the harness needs. */
export interface Person {
  /** Family and given name, separated by an ideographic space (U+3000), as on the card. */
  name: string;
  gender: Gender;
  /** Gregorian `YYYY-MM-DD`. */
  dateOfBirth: string;
  /** From the prefecture, no postal code, as on the card. */
  address: string;
  /** One `0`/`1` per character of the name: `1` where a substitute character stands in. Default all `0`. */
  nameFlags?: string;
  addressFlags?: string;
  /** Romaji prefecture and municipality for the subject DN's two `L` attributes. */
  locality?: [prefecture: string, municipality: string];
  /** The signature PIN (署名用パスワード, 6–16 of A–Z 0–9) and the 4-digit authentication PIN. */
  signPin?: string;
  authPin?: string;
}

/** The guide's example resident (registration-guide.txt, 基本情報の確認). */
export const KOUTEKI_HANAKO: Person = {
  name: '公的\u3000花子',
  gender: 'female',
  dateOfBirth: '1966-11-10',
  address: '東京都品川区広町2-1-10',
  locality: ['Tokyo', 'Shinagawa-ku'],
  signPin: 'ABCD1234',
  authPin: '1234',
};

export const DEFAULT_SIGN_PIN = 'ABCD1234';
export const DEFAULT_AUTH_PIN = '1234';

/** A person with every item given, defaults filled in. */
export function person(overrides: Partial<Person> = {}): Required<Person> {
  const base = { ...KOUTEKI_HANAKO, ...overrides };
  const zeros = (text: string) => '0'.repeat([...text].length);
  return {
    ...base,
    nameFlags: base.nameFlags ?? zeros(base.name),
    addressFlags: base.addressFlags ?? zeros(base.address),
    locality: base.locality ?? ['Tokyo', 'Chiyoda-ku'],
    signPin: base.signPin ?? DEFAULT_SIGN_PIN,
    authPin: base.authPin ?? DEFAULT_AUTH_PIN,
  };
}

/**
 * The end of a signature certificate's life per jpki.md §3.4: 23:59:59 JST (14:59:59Z) on the fifth
 * birthday after issuance, or earlier if `cap` (the card's own expiry) comes first.
 */
export function fifthBirthdayAfter(issuance: Date, dateOfBirth: string, cap?: Date): Date {
  const [, month, day] = dateOfBirth.split('-').map(Number) as [number, number, number];
  const birthdayIn = (year: number) => {
    // A 29 February birthday falls on 28 February in common years.
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    const d = month === 2 && day === 29 && !leap ? 28 : day;
    return new Date(Date.UTC(year, month - 1, d, 14, 59, 59));
  };
  let year = issuance.getUTCFullYear();
  if (birthdayIn(year) <= issuance) year += 1;
  const fifth = birthdayIn(year + 4);
  return cap && cap < fifth ? cap : fifth;
}
