import {
  constants,
  createHash,
  createPrivateKey,
  createPublicKey,
  publicDecrypt,
  sign,
  verify,
  X509Certificate,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import canonicalizeReference from 'canonicalize';
import { compactVerify, importJWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { verifyProof } from '#functions/auth/proofs';
import { RevocationChecker } from '#functions/jpki/crl';
import { children, content, readTlv } from '#functions/jpki/der';
import { sha256DigestInfo } from '#functions/jpki/profile';
import { loadTrustAnchors, TrustAnchorError } from '#functions/jpki/trust';
import { JpkiVerifier } from '#functions/jpki/verify';
import { parseNotice } from '#functions/notices/notice';
import { pushMessage } from '#functions/notices/push-payload';
import { registrationBody, registrationStatement as statementSchema } from '#functions/registration/schemas';
import { canonicalize } from '#functions/shared/jcs';
import { REPO_ROOT } from '#lib/paths';
import { command } from '#test/harness/card/apdu';
import { VirtualJpkiCard } from '#test/harness/card/jpki-card';
import { registrationStatement } from '#test/harness/phone/statement';
import { MemoryCrls } from '#test/harness/pki/memory-crls';
import card from '../../docs/test-vectors/card.json' with { type: 'json' };
import pitfalls from '../../docs/test-vectors/pitfalls.json' with { type: 'json' };
import proofs from '../../docs/test-vectors/proofs.json' with { type: 'json' };
import push from '../../docs/test-vectors/push.json' with { type: 'json' };
import registration from '../../docs/test-vectors/registration.json' with { type: 'json' };

/**
 * The test vectors of docs/mobile.md (docs/test-vectors/*.json), recomputed from the committed files with the
 * project's own code and with independent implementations (`canonicalize` for JCS, `jose` for JWS,
 * node:crypto for RSA and X.509), so that the documentation cannot drift from what the server does.
 */

const b64 = (value: string) => Buffer.from(value, 'base64');
const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');
const certificate = b64(card.signatureCertificate);
const caCertificate = b64(card.caCertificate);
const cardKey = createPrivateKey(card.signaturePrivateKey);
const certificateKey = new X509Certificate(certificate).publicKey;
const jcsBytes = Buffer.from(registration.jcs, 'utf8');
const signature = b64(registration.signature);
const SHA256_DIGEST_INFO_PREFIX = '3031300d060960864801650304020105000420'; // RFC 8017 §9.2, note 1

describe('the test card (card.json)', () => {
  it('says everywhere that its keys are test keys only', () => {
    expect(card.testOnly).toBe(true);
    for (const file of [card, registration, proofs, pitfalls])
      expect(file.$comment).toMatch(/^TEST KEYS ONLY/);
  });

  it('is issued by a JPKI-TEST CA that a production stage refuses', () => {
    const ca = new X509Certificate(caCertificate);
    expect(ca.subject).toContain('O=JPKI-TEST');
    expect(new X509Certificate(certificate).verify(ca.publicKey)).toBe(true);
    expect(() => loadTrustAnchors([caCertificate], { allowTest: false })).toThrow(TrustAnchorError);
  });

  it('holds the private key of its certificate, and the certificate digest it states', () => {
    const fromKey = createPublicKey(cardKey).export({ format: 'der', type: 'spki' });
    expect(fromKey.equals(certificateKey.export({ format: 'der', type: 'spki' }))).toBe(true);
    expect(sha256(certificate)).toBe(card.signatureCertificateSha256);
  });

  it('passes every check the server makes at registration, at the vectors’ time', async () => {
    const anchors = loadTrustAnchors([caCertificate], { allowTest: true });
    const revocation = new RevocationChecker({ reader: new MemoryCrls({ crl: b64(card.crl) }), anchors });
    const verifier = new JpkiVerifier({ anchors, revocation, clock: () => new Date(card.at) });
    const verified = await verifier.verify(certificate, jcsBytes, signature);
    const { name, gender, dateOfBirth, address } = card.holder;
    expect(verified.items).toMatchObject({ name, gender, dateOfBirth, address });
    expect(verified.certificate.sha256).toBe(card.signatureCertificateSha256);
  });
});

describe('the registration (registration.json)', () => {
  it('builds the statement from the challenge and the two device public keys', () => {
    const built = registrationStatement(registration.challenge, {
      auth: proofs.deviceKeys.auth.public,
      sign: proofs.deviceKeys.sign.public,
    });
    expect(registration.statement).toEqual(built);
    expect(statementSchema.safeParse(registration.statement).success).toBe(true);
  });

  it('gives the statement’s JCS bytes, the same from our code and from the reference implementation', () => {
    expect(registration.jcs).toBe(canonicalize(registration.statement));
    expect(registration.jcs).toBe(canonicalizeReference(registration.statement));
    expect(registration.jcsHex).toBe(jcsBytes.toString('hex'));
  });

  it('gives the SHA-256 of those bytes and its DigestInfo', () => {
    expect(registration.sha256).toBe(sha256(jcsBytes));
    expect(registration.digestInfo).toBe(
      sha256DigestInfo(Buffer.from(registration.sha256, 'hex')).toString('hex'),
    );
    expect(registration.digestInfo).toBe(SHA256_DIGEST_INFO_PREFIX + registration.sha256);
  });

  it('gives the 80 2A APDU that has the card sign the DigestInfo', () => {
    expect(registration.signApdu).toBe(
      command(0x80, 0x2a, 0x00, 0x80, Buffer.from(registration.digestInfo, 'hex'), 256).toString('hex'),
    );
    expect(registration.signApdu).toBe(`802a008033${registration.digestInfo}00`);
  });

  it('gives the card’s signature: RSASSA-PKCS1-v1_5 / SHA-256 over the JCS bytes, deterministic', () => {
    expect(signature).toHaveLength(256);
    expect(sign('sha256', jcsBytes, cardKey).equals(signature)).toBe(true);
    expect(verify('sha256', jcsBytes, certificateKey, signature)).toBe(true);
    // The card padded exactly the DigestInfo it was sent (PKCS#1 v1.5 type 1).
    const recovered = publicDecrypt({ key: certificateKey, padding: constants.RSA_PKCS1_PADDING }, signature);
    expect(recovered.toString('hex')).toBe(registration.digestInfo);
  });

  it('gives a request body that the API accepts, with the certificate as the card holds it', () => {
    expect(registrationBody.safeParse(registration.request).success).toBe(true);
    expect(registration.request.certificate).toBe(card.signatureCertificate);
    expect(registration.request.signature).toBe(registration.signature);
  });

  it('gives every APDU of the tap, which the virtual card answers byte for byte', () => {
    const replay = new VirtualJpkiCard({
      signCertificate: certificate,
      signKey: cardKey,
      signCaCertificate: caCertificate,
      authCertificate: certificate,
      authKey: cardKey,
      authCaCertificate: caCertificate,
      signPin: card.holder.signPin,
      authPin: '1234',
    });
    replay.powerOn();
    const apdus = registration.apdus as { command: string; response: string }[];
    for (const { command: sent, response } of apdus) {
      expect(Buffer.from(replay.transceive(Buffer.from(sent, 'hex'))).toString('hex')).toBe(response);
    }
    expect(apdus.at(-1)?.command).toBe(registration.signApdu);
    expect(apdus.at(-1)?.response).toBe(`${signature.toString('hex')}9000`);
    // The 4-byte header read first (30 82 LL LL), then the rest from offset 4 in chunks of at most 256.
    const read = apdus
      .filter((apdu) => apdu.command.startsWith('00b0'))
      .map((apdu) => Buffer.from(apdu.response.slice(0, -4), 'hex'));
    expect(read[0]?.toString('hex')).toBe(`3082${(certificate.length - 4).toString(16).padStart(4, '0')}`);
    expect(Buffer.concat(read).equals(certificate)).toBe(true);
  });
});

describe('the device-key proofs (proofs.json)', () => {
  const keyOf = (name: 'auth' | 'sign') => proofs.deviceKeys[name].public;
  const cases = [
    ['activation with the auth key (PIN1)', proofs.activation.auth, 'auth'],
    ['activation with the sign key (PIN2)', proofs.activation.sign, 'sign'],
    ['session with the auth key (PIN1)', proofs.session, 'auth'],
  ] as const;

  it('gives private keys whose public halves are the ones in the statement', () => {
    for (const name of ['auth', 'sign'] as const) {
      const derived = createPublicKey(
        createPrivateKey({ key: proofs.deviceKeys[name].private, format: 'jwk' }),
      );
      const { kty, crv, x, y } = derived.export({ format: 'jwk' });
      expect({ kty, crv, x, y }).toEqual(keyOf(name));
      expect(registration.statement[`${name}Key`]).toEqual(keyOf(name));
    }
  });

  it.each(cases)('gives the JCS of the %s payload', (_, proof) => {
    expect(proof.jcs).toBe(canonicalize(proof.payload));
    expect(proof.jcs).toBe(canonicalizeReference(proof.payload));
    const [header, payload] = (proof.jws as string).split('.') as [string, string];
    expect(Buffer.from(header, 'base64url').toString('utf8')).toBe('{"alg":"ES256"}');
    expect(Buffer.from(payload, 'base64url').toString('utf8')).toBe(proof.jcs);
  });

  it.each(cases)('gives a JWS for the %s that jose and the server verify', async (_, proof, key) => {
    const verified = await compactVerify(proof.jws, await importJWK(keyOf(key), 'ES256'));
    expect(Buffer.from(verified.payload).toString('utf8')).toBe(proof.jcs);
    expect(verifyProof(proof.jws, proof.payload, keyOf(key))).toBe(true);
    expect(verifyProof(proof.jws, proof.payload, keyOf(key === 'auth' ? 'sign' : 'auth'))).toBe(false);
  });

  it('gives the activation request with the two proofs', () => {
    expect(proofs.activation.request).toEqual({
      authProof: proofs.activation.auth.jws,
      signProof: proofs.activation.sign.jws,
    });
    expect(proofs.activation.sign.payload).toEqual({ ...proofs.activation.auth.payload, key: 'sign' });
  });
});

describe('the pitfalls (pitfalls.json)', () => {
  const { escapedSlashes: slashes, ecdsaSignatureEncoding: ecdsa } = pitfalls;

  it('shows that escaping "/" keeps the JSON value but changes the bytes the card signed', () => {
    expect(slashes.correct).toBe(registration.jcs);
    expect(slashes.wrong).toContain('xid\\/registration\\/v1');
    expect(JSON.parse(slashes.wrong)).toEqual(JSON.parse(slashes.correct));
    expect(canonicalize(JSON.parse(slashes.wrong))).toBe(slashes.correct);
    expect(slashes.correctSha256).toBe(sha256(slashes.correct));
    expect(slashes.wrongSha256).toBe(sha256(slashes.wrong));
    expect(slashes.wrongSha256).not.toBe(slashes.correctSha256);
    expect(verify('sha256', Buffer.from(slashes.wrong), certificateKey, signature)).toBe(false);
  });

  it('shows a DER ECDSA signature and the r‖s that a JWS needs, both over the same input', async () => {
    const key = createPublicKey({ key: ecdsa.publicKey, format: 'jwk' });
    const input = Buffer.from(ecdsa.signingInput, 'ascii');
    const der = Buffer.from(ecdsa.der, 'hex');
    const raw = Buffer.from(ecdsa.jwsSignature, 'base64url');
    expect(verify('sha256', input, { key, dsaEncoding: 'der' }, der)).toBe(true);
    expect(verify('sha256', input, { key, dsaEncoding: 'ieee-p1363' }, raw)).toBe(true);
    // r and s from the DER SEQUENCE, each left-padded (or stripped of its sign byte) to 32 bytes.
    const [r, s] = children(der, readTlv(der, 0)).map((tlv) =>
      Buffer.concat([Buffer.alloc(32), content(der, tlv)]).subarray(-32),
    );
    expect(Buffer.concat([r as Buffer, s as Buffer]).equals(raw)).toBe(true);
    const payload = JSON.parse(Buffer.from(ecdsa.signingInput.split('.')[1] ?? '', 'base64url').toString());
    await expect(
      compactVerify(`${ecdsa.signingInput}.${ecdsa.jwsSignature}`, await importJWK(ecdsa.publicKey, 'ES256')),
    ).resolves.toBeDefined();
    expect(verifyProof(`${ecdsa.signingInput}.${ecdsa.jwsSignature}`, payload, ecdsa.publicKey)).toBe(true);
    expect(verifyProof(`${ecdsa.signingInput}.${der.toString('base64url')}`, payload, ecdsa.publicKey)).toBe(
      false,
    );
  });
});

describe('the notice push (push.json)', () => {
  it('is exactly what the notices function publishes for the notice', () => {
    const notice = parseNotice(JSON.stringify(push.notice), {
      domains: ['city.shinagawa.tokyo.jp'],
      now: new Date(push.notice.publishedAt),
    });
    expect(pushMessage(notice, push.municipality)).toBe(push.snsMessage);
  });

  it('carries the APNs and FCM payloads shown, and the deep link to the notice', () => {
    const platforms = JSON.parse(push.snsMessage) as Record<string, string>;
    expect(JSON.parse(platforms.APNS as string)).toEqual(push.apns);
    expect(platforms.APNS_SANDBOX).toBe(platforms.APNS);
    expect(JSON.parse(platforms.GCM as string)).toEqual(push.fcm);
    expect(push.deepLink).toBe(`xid://notices/${push.notice.noticeId}`);
    expect(push.fcm.data.deepLink).toBe(push.deepLink);
    expect(push.apns.noticeId).toBe(push.notice.noticeId);
    for (const payload of [platforms.APNS, platforms.GCM]) {
      expect(Buffer.byteLength(payload as string)).toBeLessThanOrEqual(4096);
    }
  });
});

describe('docs/mobile.md', () => {
  const guide = readFileSync(path.join(REPO_ROOT, 'docs/mobile.md'), 'utf8');
  const spaced = (hex: string) => hex.toUpperCase().replace(/(..)(?!$)/g, '$1 ');

  it('shows the commands of the tap as the vectors have them', () => {
    const commands = registration.apdus.map((apdu) => apdu.command).filter((c) => !c.startsWith('00b0'));
    expect(commands).toHaveLength(7);
    for (const sent of commands.slice(0, -1)) expect(guide).toContain(`\`${spaced(sent)}\``);
    // The DigestInfo prefix, up to where the page breaks its line.
    expect(guide).toContain(spaced(registration.digestInfo.slice(0, 32)));
  });

  it('names every vector file it describes', () => {
    for (const file of ['card.json', 'registration.json', 'proofs.json', 'pitfalls.json', 'push.json']) {
      expect(guide).toContain(`\`${file}\``);
    }
  });
});
