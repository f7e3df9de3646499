import { type CardContents, VirtualJpkiCard } from './card/jpki-card.ts';
import { type Person, person } from './pki/person.ts';
import {
  type IssuedCertificate,
  type IssueOptions,
  type RevokedEntry,
  TestCa,
  x509,
} from './pki/test-pki.ts';

/**
 * Cards for any person, from a test PKI: a signature CA and an authentication CA shaped like J-LIS's.
 * Making the CAs costs two RSA key generations, so a test file makes one `TestPki` and issues many cards.
 */
export interface TestPki {
  signCa: TestCa;
  authCa: TestCa;
}

export async function createTestPki(): Promise<TestPki> {
  const [signCa, authCa] = await Promise.all([
    TestCa.create({ kind: 'signature' }),
    TestCa.create({ kind: 'authentication' }),
  ]);
  return { signCa, authCa };
}

export interface CardOptions {
  /** Profile variations of the signature certificate (validity, key size, hash, key usage, …). */
  sign?: IssueOptions;
  /** Issue the signature certificate from another CA (an unknown one, or a same-name impostor). */
  signCa?: TestCa;
  /** A card without a signature certificate, as issued to children under 15. */
  withoutSignatureCertificate?: boolean;
  /** Variations of the authentication certificate (e.g. a given key, for benchmarks issuing thousands). */
  auth?: IssueOptions;
}

export interface IssuedCard {
  card: VirtualJpkiCard;
  /** Another card with the same certificates and keys, fresh PIN counters (cheap: no key generation). */
  reissue(): VirtualJpkiCard;
  holder: Required<Person>;
  signature?: IssuedCertificate;
  authentication: IssuedCertificate;
}

/** A card holding these certificates for the holder, and a way to make it again with fresh PIN counters. */
function cardOf(
  pki: TestPki,
  holder: Required<Person>,
  signCa: TestCa,
  signature: IssuedCertificate | undefined,
  authentication: IssuedCertificate,
): IssuedCard {
  const contents: CardContents = {
    signCertificate: signature?.der,
    signKey: signature?.key.privateKey,
    signCaCertificate: signCa.der,
    authCertificate: authentication.der,
    authKey: authentication.key.privateKey,
    authCaCertificate: pki.authCa.der,
    signPin: holder.signPin,
    authPin: holder.authPin,
  };
  return {
    card: new VirtualJpkiCard(contents),
    reissue: () => new VirtualJpkiCard(contents),
    holder,
    signature,
    authentication,
  };
}

export async function issueCard(
  pki: TestPki,
  who: Partial<Person> = {},
  options: CardOptions = {},
): Promise<IssuedCard> {
  const holder = person(who);
  const signCa = options.signCa ?? pki.signCa;
  const [signature, authentication] = await Promise.all([
    options.withoutSignatureCertificate ? undefined : signCa.issueSignatureCertificate(holder, options.sign),
    pki.authCa.issueAuthenticationCertificate(holder, options.auth),
  ]);
  return cardOf(pki, holder, signCa, signature, authentication);
}

/**
 * The same card after a move, a marriage or a renewal: the municipality writes a new signature certificate
 * (new key, new serial) for the holder's new items, and the old one is revoked (reason affiliationChanged;
 * `revocation` is its CRL entry). The authentication certificate survives (jpki.md §4).
 */
export async function issueSuccessorCard(
  pki: TestPki,
  previous: IssuedCard,
  changes: Partial<Person>,
  options: Pick<CardOptions, 'sign'> = {},
): Promise<IssuedCard & { signature: IssuedCertificate; revocation: RevokedEntry }> {
  if (!previous.signature) throw new Error('the previous card has no signature certificate');
  const holder = person({ ...previous.holder, nameFlags: undefined, addressFlags: undefined, ...changes });
  const signature = await pki.signCa.issueSignatureCertificate(holder, options.sign);
  return {
    ...cardOf(pki, holder, pki.signCa, signature, previous.authentication),
    signature,
    revocation: { serial: previous.signature.serial, reason: x509.X509CrlReason.affiliationChanged },
  };
}
