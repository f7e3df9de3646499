/**
 * The claims xID can release to a relying party (design.md §3.13), how a request asks for them, and how
 * their values are made from the account. Nothing here knows where the account comes from.
 */
export const CLAIMS = [
  'name',
  'gender',
  'birthdate',
  'address',
  'email',
  'email_verified',
  'municipality_code',
] as const;

export type ClaimName = (typeof CLAIMS)[number];

export const isClaim = (value: string): value is ClaimName => (CLAIMS as readonly string[]).includes(value);

/**
 * Scope values and the claims each stands for (OIDC Core §5.4, plus `municipality`). `openid` is required
 * and stands for `sub` alone; unknown scope values are ignored, as OAuth allows.
 */
export const SCOPES: Readonly<Record<string, readonly ClaimName[]>> = {
  openid: [],
  profile: ['name', 'gender', 'birthdate'],
  email: ['email', 'email_verified'],
  address: ['address'],
  municipality: ['municipality_code'],
};

/** Claims in the order of `CLAIMS`, without repetition: the order the app shows and the proof signs. */
export function orderedClaims(names: Iterable<string>): ClaimName[] {
  const wanted = new Set(names);
  return CLAIMS.filter((claim) => wanted.has(claim));
}

/** The claims a scope string asks for. */
export function claimsOfScope(scopes: readonly string[]): ClaimName[] {
  return orderedClaims(scopes.flatMap((scope) => SCOPES[scope] ?? []));
}

/**
 * The claim names of an OIDC `claims` request parameter (Core §5.5): members `userinfo` and `id_token`,
 * each an object of claim name → `null` or `{essential?: boolean}`. xID releases approved claims in both
 * places, so the two members are merged. `sub` may be named and is always released. Returns an error text
 * for a malformed parameter or a claim xID does not know.
 */
export function claimsOfParameter(raw: string): ClaimName[] | { error: string } {
  if (raw.length > 2048) return { error: 'claims is too long' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { error: 'claims is not JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return { error: 'claims must be a JSON object' };
  const names: string[] = [];
  for (const [member, requests] of Object.entries(parsed)) {
    if (member !== 'userinfo' && member !== 'id_token') return { error: `claims.${member} is not supported` };
    if (typeof requests !== 'object' || requests === null || Array.isArray(requests))
      return { error: `claims.${member} must be an object` };
    for (const [name, request] of Object.entries(requests)) {
      if (name === 'sub') continue;
      if (!isClaim(name)) return { error: `the claim ${name} is not offered` };
      const plain = request === null;
      const options = request as Record<string, unknown>;
      const essentialOnly =
        typeof request === 'object' &&
        request !== null &&
        !Array.isArray(request) &&
        Object.keys(options).every((key) => key === 'essential') &&
        (options.essential === undefined || typeof options.essential === 'boolean');
      if (!plain && !essentialOnly) return { error: `claims.${member}.${name} may only carry "essential"` };
      names.push(name);
    }
  }
  return orderedClaims(names);
}

/** What the claims are made from: the account as the use cases see it, its sealed items opened. */
export interface IdentityRecord {
  name: string;
  gender: string;
  dateOfBirth: string;
  address: string;
  municipality: { code: string; name: string; prefecture: string; ward?: { code: string; name: string } };
  email?: { address: string; verified: boolean };
}

/** The claims that need the sealed items (and so a data-key unwrap); the others need only the account. */
export const SEALED_CLAIMS: readonly ClaimName[] = ['gender', 'birthdate', 'address'];

/**
 * The released claims: exactly the approved ones, and of those only what the account has (no e-mail
 * address, no `email` and `email_verified`). `address.locality` is the municipality, with the ward in a
 * designated city (横浜市鶴見区); `region` is the prefecture.
 */
export function claimValues(
  approved: readonly ClaimName[],
  identity: IdentityRecord,
): Partial<Record<ClaimName, unknown>> {
  const out: Partial<Record<ClaimName, unknown>> = {};
  for (const claim of approved) {
    switch (claim) {
      case 'name':
        out.name = identity.name;
        break;
      case 'gender':
        out.gender = identity.gender;
        break;
      case 'birthdate':
        out.birthdate = identity.dateOfBirth;
        break;
      case 'address':
        out.address = {
          formatted: identity.address,
          region: identity.municipality.prefecture,
          locality: `${identity.municipality.name}${identity.municipality.ward?.name ?? ''}`,
        };
        break;
      case 'email':
        if (identity.email) out.email = identity.email.address;
        break;
      case 'email_verified':
        if (identity.email) out.email_verified = identity.email.verified;
        break;
      case 'municipality_code':
        out.municipality_code = identity.municipality.code;
        break;
    }
  }
  return out;
}

/** Labels the request page and the app show for each claim. */
export const CLAIM_LABELS: Readonly<Record<ClaimName, { ja: string; en: string }>> = {
  name: { ja: '氏名', en: 'Name' },
  gender: { ja: '性別', en: 'Gender' },
  birthdate: { ja: '生年月日', en: 'Date of birth' },
  address: { ja: '住所', en: 'Address' },
  email: { ja: 'メールアドレス', en: 'Email address' },
  email_verified: { ja: 'メールアドレスの確認状況', en: 'Whether the email address is confirmed' },
  municipality_code: { ja: '住所の市区町村コード', en: 'Municipality code of the address' },
};
