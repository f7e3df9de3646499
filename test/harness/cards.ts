import { type CardContents, VirtualJpkiCard } from './card/jpki-card.ts';
import { type Person, person } from './pki/person.ts';
import { type IssuedCertificate, type IssueOptions, TestCa } from './pki/test-pki.ts';

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
}

export interface IssuedCard {
  card: VirtualJpkiCard;
  /** Another card with the same certificates and keys, fresh PIN counters (cheap: no key generation). */
  reissue(): VirtualJpkiCard;
  holder: Required<Person>;
  signature?: IssuedCertificate;
  authentication: IssuedCertificate;
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
    pki.authCa.issueAuthenticationCertificate(holder),
  ]);
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
