import { createVerify, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { canonicalBytes } from '#functions/shared/jcs';
import { CardRefusal, issueLocalCard, type LocalCards, localCards, MAX_CARDS } from '#lib/local/cards';
import { ensureLocalPki, type LocalPki } from '#lib/local/pki';

const stateDir = mkdtempSync(path.join(tmpdir(), 'xid-cards-'));
let pki: LocalPki;
let cards: LocalCards;
const statement = JSON.parse(readFileSync('docs/test-vectors/registration.json', 'utf8')).statement;

beforeAll(async () => {
  pki = await ensureLocalPki(stateDir);
  cards = localCards(pki);
}, 60_000);

/** The local runtime's trust anchor is `signCaFile`: a card of ours must chain to exactly that. */
const issuedBy = (certificateDer: Buffer, caFile: string) =>
  new X509Certificate(certificateDer).verify(new X509Certificate(readFileSync(caFile)).publicKey);

const refusal = async (promise: Promise<unknown> | (() => unknown)) => {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    if (error instanceof CardRefusal) return { status: error.status, ...error.body };
    throw error;
  }
  throw new Error('not refused');
};

describe('local cards (npm run card, /_local/cards)', () => {
  it('issues cards from the local PKI that the runtime trusts, the same on every call', async () => {
    const card = await issueLocalCard(stateDir, { name: '試験　太郎' });
    expect(issuedBy(card.signature?.der as Buffer, pki.signCaFile)).toBe(true);
    expect(card.holder.name).toBe('試験　太郎');
    // A fresh PKI elsewhere is another CA: its cards would not be trusted.
    const other = await issueLocalCard(mkdtempSync(path.join(tmpdir(), 'xid-cards-other-')));
    expect(issuedBy(other.signature?.der as Buffer, pki.signCaFile)).toBe(false);
  }, 60_000);

  it('issues a card, answers its APDUs, and signs a statement in one tap', async () => {
    const { cardId, holder, certificate } = await cards.issue({ dateOfBirth: '1990-04-01' });
    expect(holder).toMatchObject({ dateOfBirth: '1990-04-01', signPin: 'ABCD1234' });
    expect(issuedBy(Buffer.from(certificate, 'base64'), pki.signCaFile)).toBe(true);
    // SELECT the JPKI applet by AID: 90 00.
    expect(cards.apdu(cardId, { command: '00a4040c0ad392f000260100000001', newTap: true })).toEqual({
      response: '9000',
    });
    const signed = await cards.sign(cardId, { pin: holder.signPin, statement });
    expect(signed.certificate).toBe(certificate);
    const verifier = createVerify('sha256');
    verifier.update(canonicalBytes(statement));
    expect(
      verifier.verify(
        new X509Certificate(Buffer.from(certificate, 'base64')).publicKey,
        signed.signature,
        'base64',
      ),
    ).toBe(true);
    expect(signed.apdus).toBeGreaterThan(5);
  });

  it('counts a wrong signature PIN on the card, as a card does', async () => {
    const { cardId } = await cards.issue({});
    expect(await refusal(cards.sign(cardId, { pin: 'WRONG123', statement }))).toMatchObject({
      status: 422,
      error: 'pin_incorrect',
      triesLeft: 4,
    });
    // The empty VERIFY over APDUs reports the same counter.
    cards.apdu(cardId, { command: '00a4040c0ad392f000260100000001', newTap: true });
    cards.apdu(cardId, { command: '00a4020c02001b' });
    expect(cards.apdu(cardId, { command: '00200080' }).response).toBe('63c4');
  });

  it('refuses unknown cards and malformed requests', async () => {
    expect(await refusal(() => cards.apdu('nope', { command: '00a4040c' }))).toMatchObject({ status: 404 });
    const { cardId } = await cards.issue(undefined);
    expect(await refusal(() => cards.apdu(cardId, { command: 'zz' }))).toMatchObject({ status: 400 });
    expect(await refusal(cards.sign(cardId, { pin: 'ABCD1234', statement: { type: 'x' } }))).toMatchObject({
      status: 400,
    });
    expect(await refusal(cards.issue({ gender: 'other' }))).toMatchObject({ status: 400 });
  });

  it(`keeps the last cards only (${MAX_CARDS} in the runtime)`, async () => {
    const many = localCards(pki, 3);
    const first = await many.issue({});
    const second = await many.issue({});
    for (let i = 0; i < 2; i++) await many.issue({});
    expect(many.apdu(second.cardId, { command: '00a4040c0ad392f000260100000001' }).response).toBe('9000');
    expect(await refusal(() => many.apdu(first.cardId, { command: '00a4040c' }))).toMatchObject({
      status: 404,
    });
  }, 120_000);
});
