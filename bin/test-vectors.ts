#!/usr/bin/env -S npx tsx
import { createHash, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { sha256DigestInfo } from '../functions/jpki/profile.ts';
import { pushMessage } from '../functions/notices/push-payload.ts';
import { canonicalBytes, canonicalize } from '../functions/shared/jcs.ts';
import { LEGAL_FOLDER, loadLegalTexts } from '../functions/terms/legal-texts.ts';
import { REPO_ROOT } from '../lib/paths.ts';
import { command } from '../test/harness/card/apdu.ts';
import { VirtualJpkiCard } from '../test/harness/card/jpki-card.ts';
import { JpkiClient } from '../test/harness/phone/jpki-client.ts';
import { signJws } from '../test/harness/phone/jws.ts';
import { registrationStatement } from '../test/harness/phone/statement.ts';
import { NfcTap } from '../test/harness/phone/transport.ts';
import { person } from '../test/harness/pki/person.ts';
import { TestCa } from '../test/harness/pki/test-pki.ts';

/**
 * `npx tsx bin/test-vectors.ts [--force]`: writes the test vectors of docs/mobile.md to docs/test-vectors/,
 * once. It makes a test CA, a card for 公的 花子 and two device keys, and records what an app sends and
 * receives. The keys are TEST KEYS ONLY, published on purpose; no production stage trusts the test CA.
 * `test/unit/test-vectors.test.ts` recomputes every value from the committed files, so they cannot rot; run
 * this again (with --force) only to replace the keys themselves.
 */
const OUT = path.join(REPO_ROOT, 'docs/test-vectors');
if (existsSync(path.join(OUT, 'card.json')) && !process.argv.includes('--force')) {
  console.error('docs/test-vectors/ exists; pass --force to make new keys and replace every vector');
  process.exit(2);
}

const WARNING =
  'TEST KEYS ONLY. Published on purpose for app developers; issued by a test CA (O=JPKI-TEST) that no production stage trusts. Never use them for anything real.';
/** The moment the vectors describe: the certificate, the CA and the CRL are all valid then. */
const AT = new Date('2026-11-27T00:00:00Z');
const b64url = (label: string) => createHash('sha256').update(label).digest('base64url');
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const privateJwk = (key: KeyObject) => key.export({ format: 'jwk' });
const write = (name: string, value: unknown) =>
  writeFileSync(path.join(OUT, name), `${JSON.stringify(value, null, 2)}\n`);

const holder = person({});
const ca = await TestCa.create({
  kind: 'signature',
  notBefore: new Date('2026-01-01T00:00:00Z'),
  notAfter: new Date('2035-12-31T14:59:59Z'),
});
const certificate = await ca.issueSignatureCertificate(holder, {
  issuedAt: new Date('2026-11-01T00:00:00Z'),
  serial: '7e57000000000001',
});
const crl = await ca.crl({
  thisUpdate: new Date('2026-11-26T15:00:00Z'),
  nextUpdate: new Date('2026-11-27T15:00:00Z'),
});

// The device keys the app would make at PIN1/PIN2 (in the Secure Enclave or Android Keystore).
const auth = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const publicJwk = (key: KeyObject) => {
  const { kty, crv, x, y } = key.export({ format: 'jwk' });
  return { kty, crv, x, y };
};

const terms = loadLegalTexts(LEGAL_FOLDER);
const challenge = {
  challengeId: '0b9e6c3a-2f41-4d8e-9a57-3c1f0e2d4b68',
  nonce: b64url('xid test vector: registration nonce'),
  terms: { version: terms.terms.version, sha256: terms.terms.sha256 },
  privacyPolicy: { version: terms.privacyPolicy.version, sha256: terms.privacyPolicy.sha256 },
};
const statement = registrationStatement(challenge, {
  auth: publicJwk(auth.publicKey),
  sign: publicJwk(signKey.publicKey),
});
const jcs = canonicalBytes(statement);
const digest = createHash('sha256').update(jcs).digest();
const digestInfo = sha256DigestInfo(digest);

// One tap on a virtual card holding the certificate, recorded APDU by APDU.
mkdirSync(OUT, { recursive: true });
const card = new VirtualJpkiCard({
  signCertificate: certificate.der,
  signKey: certificate.key.privateKey,
  signCaCertificate: ca.der,
  // The registration tap never touches the authentication side; the card needs something there.
  authCertificate: certificate.der,
  authKey: certificate.key.privateKey,
  authCaCertificate: ca.der,
  signPin: holder.signPin,
  authPin: holder.authPin,
});
const tap = new NfcTap(card);
const signed = await new JpkiClient(tap).signWithSignatureCertificate(holder.signPin, () => jcs);

write('card.json', {
  $comment: WARNING,
  testOnly: true,
  at: AT.toISOString(),
  holder: {
    name: holder.name,
    gender: holder.gender,
    dateOfBirth: holder.dateOfBirth,
    address: holder.address,
    signPin: holder.signPin,
  },
  caCertificate: ca.der.toString('base64'),
  signatureCertificate: certificate.der.toString('base64'),
  signatureCertificateSha256: createHash('sha256').update(certificate.der).digest('hex'),
  signaturePrivateKey: certificate.key.privateKey.export({ format: 'pem', type: 'pkcs8' }),
  crl: crl.toString('base64'),
});

write('registration.json', {
  $comment: `${WARNING} The registration of docs/mobile.md, step by step: the statement, its JCS bytes, their SHA-256, the DigestInfo, the 80 2A APDU, the card's signature, the request body, and every APDU of the tap.`,
  challenge,
  statement,
  jcs: jcs.toString('utf8'),
  jcsHex: hex(jcs),
  sha256: hex(digest),
  digestInfo: hex(digestInfo),
  signApdu: hex(command(0x80, 0x2a, 0x00, 0x80, digestInfo, 256)),
  signature: signed.signature.toString('base64'),
  request: {
    statement,
    certificate: signed.certificate.toString('base64'),
    signature: signed.signature.toString('base64'),
    consents: { identityVerification: true },
  },
  apdus: tap.exchanges.map(({ command: c, response }) => ({ command: hex(c), response: hex(response) })),
});

const accountId = '6b1d3a0e-5f2c-4c89-9d4e-2a7f1b3c5d60';
const activation = (key: 'auth' | 'sign') => ({
  type: 'xid/activation/v1',
  accountId,
  nonce: b64url('xid test vector: activation nonce'),
  key,
});
const session = { type: 'xid/session/v1', accountId, nonce: b64url('xid test vector: session nonce') };
const proof = (payload: object, key: KeyObject) => ({
  payload,
  jcs: canonicalize(payload),
  jws: signJws(key, payload),
});

/** The DER ECDSA signature (as Android's SHA256withECDSA gives it) of the session proof's signing input. */
const sessionProof = proof(session, auth.privateKey);
const signingInput = sessionProof.jws.split('.').slice(0, 2).join('.');
const der = sign('sha256', Buffer.from(signingInput, 'ascii'), { key: auth.privateKey, dsaEncoding: 'der' });

const activationAuth = proof(activation('auth'), auth.privateKey);
const activationSign = proof(activation('sign'), signKey.privateKey);
write('proofs.json', {
  $comment: `${WARNING} Device-key proofs: JWS compact, alg ES256, payload = the JCS of the object. ECDSA signatures are randomised: verify them, do not compare bytes.`,
  deviceKeys: {
    auth: { private: privateJwk(auth.privateKey), public: publicJwk(auth.publicKey) },
    sign: { private: privateJwk(signKey.privateKey), public: publicJwk(signKey.publicKey) },
  },
  activation: {
    auth: activationAuth,
    sign: activationSign,
    request: { authProof: activationAuth.jws, signProof: activationSign.jws },
  },
  session: sessionProof,
});

const wrongJcs = jcs.toString('utf8').replaceAll('/', '\\/');
write('pitfalls.json', {
  $comment: `${WARNING} Two mistakes that cost app teams days, with the bytes that show them.`,
  escapedSlashes: {
    $comment:
      "Swift's JSONEncoder (without .withoutEscapingSlashes) and Android's org.json write '/' as '\\/'. Same JSON value, other bytes, another SHA-256: the server answers 422 signature_invalid.",
    correct: jcs.toString('utf8'),
    correctSha256: hex(digest),
    wrong: wrongJcs,
    wrongSha256: createHash('sha256').update(wrongJcs).digest('hex'),
  },
  ecdsaSignatureEncoding: {
    $comment:
      "Android's Signature SHA256withECDSA (and the Keystore) return an ASN.1 DER SEQUENCE { r INTEGER, s INTEGER }; a JWS needs the 64 bytes r || s, each left-padded to 32 bytes. This DER signature is over the session proof's signing input below.",
    signingInput,
    publicKey: publicJwk(auth.publicKey),
    der: hex(der),
    jwsSignature: derToRaw(der).toString('base64url'),
  },
});

const notice = {
  schema: 'xid/notice/v1' as const,
  noticeId: '3d6f0a2e-7c41-4b8e-9f15-0c2d4e6a8b90',
  title: '年末年始の窓口業務について',
  body: '12月29日から1月3日まで、区役所の窓口業務を休止します。',
  category: 'administration' as const,
  url: 'https://www.city.shinagawa.tokyo.jp/',
  publishedAt: '2026-11-26T09:00:00+09:00',
};
const municipality = { code: '131091', name: '品川区' };
const message = pushMessage(notice, municipality);
const platforms = JSON.parse(message) as Record<string, string>;
write('push.json', {
  $comment:
    'A municipality notice and the one push the notices function publishes for it (SNS MessageStructure json): APNS and APNS_SANDBOX carry the APNs payload, GCM the FCM one. The deep link opens the notice.',
  notice,
  municipality,
  snsMessage: message,
  apns: JSON.parse(platforms.APNS as string),
  fcm: JSON.parse(platforms.GCM as string),
  deepLink: `xid://notices/${notice.noticeId}`,
});

console.log(`test vectors written to ${path.relative(process.cwd(), OUT)}/`);

/** DER ECDSA-Sig-Value to the fixed-size r || s of JWS (RFC 7518 §3.4). */
function derToRaw(signature: Buffer): Buffer {
  const integers: Buffer[] = [];
  let offset = 2;
  for (let i = 0; i < 2; i += 1) {
    const length = signature[offset + 1] as number;
    const value = signature.subarray(offset + 2, offset + 2 + length);
    integers.push(Buffer.concat([Buffer.alloc(32), value]).subarray(-32));
    offset += 2 + length;
  }
  return Buffer.concat(integers);
}
