import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { registrationStatement } from '../../functions/registration/schemas.ts';
import { canonicalBytes } from '../../functions/shared/jcs.ts';
import type { VirtualJpkiCard } from '../../test/harness/card/jpki-card.ts';
import { type IssuedCard, issueCard } from '../../test/harness/cards.ts';
import { JpkiClient, JpkiError, SIGN_PIN } from '../../test/harness/phone/jpki-client.ts';
import { NfcTap } from '../../test/harness/phone/transport.ts';
import type { Person } from '../../test/harness/pki/person.ts';
import { ensureLocalPki, type LocalPki } from './pki.ts';

/**
 * Virtual My Number cards from the local PKI, the one `npm start` trusts: for `npm run card` and for the
 * `/_local/cards` endpoints, through which an app in a simulator (no NFC) gets a card, speaks APDUs to it,
 * or has it sign a registration statement, and then registers against the local runtime.
 */

/** A card for `who`, issued by the local PKI of a state folder (made there first if missing). */
export async function issueLocalCard(stateDir: string, who: Partial<Person> = {}): Promise<IssuedCard> {
  return issueCard(await ensureLocalPki(stateDir), who);
}

/** What `POST /_local/cards` accepts: the card holder, every item optional (公的 花子 by default). */
export const cardRequest = z
  .strictObject({
    name: z.string().min(1).max(64).optional(),
    gender: z.enum(['male', 'female', 'unknown']).optional(),
    dateOfBirth: z.iso.date().optional(),
    address: z.string().min(1).max(200).optional(),
    signPin: z.string().regex(SIGN_PIN).optional(),
    authPin: z
      .string()
      .regex(/^\d{4}$/)
      .optional(),
  })
  .default({});

export const apduRequest = z.strictObject({
  /** One command APDU, hex. */
  command: z.string().regex(/^([0-9A-Fa-f]{2}){4,261}$/),
  /** The first APDU of a new tap: the card powers up fresh first (PIN counters stay, as on a card). */
  newTap: z.boolean().optional(),
});

export const signatureRequest = z.strictObject({
  pin: z.string().min(1).max(16),
  statement: registrationStatement,
});

/** A refusal of a local card endpoint: its status and a small JSON body (these are not API routes). */
export class CardRefusal extends Error {
  constructor(
    readonly status: number,
    readonly body: { error: string; message: string; triesLeft?: number },
  ) {
    super(body.message);
  }
}

/** Cards are kept in memory, the last `MAX_CARDS` of them, and gone when the runtime stops. */
export const MAX_CARDS = 100;

export interface LocalCards {
  issue(body: unknown): Promise<{ cardId: string; holder: Required<Person>; certificate: string }>;
  apdu(cardId: string, body: unknown): { response: string };
  sign(
    cardId: string,
    body: unknown,
  ): Promise<{ statement: unknown; certificate: string; signature: string; apdus: number }>;
}

function parsed<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (!result.success) {
    const where = result.error.issues.map((i) => `/${i.path.join('/')}: ${i.message}`).join('; ');
    throw new CardRefusal(400, { error: 'invalid_request', message: where });
  }
  return result.data;
}

export function localCards(pki: LocalPki, max = MAX_CARDS): LocalCards {
  const cards = new Map<string, { issued: IssuedCard; card: VirtualJpkiCard }>();
  const find = (cardId: string) => {
    const found = cards.get(cardId);
    if (!found)
      throw new CardRefusal(404, {
        error: 'not_found',
        message: 'no such card (cards live until the runtime stops)',
      });
    return found;
  };
  return {
    async issue(body) {
      const who = parsed(cardRequest, body ?? {});
      const issued = await issueCard(pki, who);
      const cardId = randomUUID();
      const card = issued.reissue();
      card.powerOn();
      cards.set(cardId, { issued, card });
      while (cards.size > max) cards.delete(cards.keys().next().value as string);
      return {
        cardId,
        holder: issued.holder,
        certificate: Buffer.from(issued.signature?.der ?? []).toString('base64'),
      };
    },

    apdu(cardId, body) {
      const { card } = find(cardId);
      const { command, newTap } = parsed(apduRequest, body);
      if (newTap) card.powerOn();
      return { response: card.transceive(Buffer.from(command, 'hex')).toString('hex') };
    },

    async sign(cardId, body) {
      const { card } = find(cardId);
      const { pin, statement } = parsed(signatureRequest, body);
      const tap = new NfcTap(card);
      try {
        const { certificate, signature } = await new JpkiClient(tap).signWithSignatureCertificate(pin, () =>
          canonicalBytes(statement),
        );
        return {
          statement,
          certificate: certificate.toString('base64'),
          signature: signature.toString('base64'),
          apdus: tap.exchanges.length,
        };
      } catch (error) {
        if (error instanceof JpkiError)
          throw new CardRefusal(422, {
            error: error.code,
            message: error.message,
            ...(error.triesLeft === undefined ? {} : { triesLeft: error.triesLeft }),
          });
        throw error;
      }
    },
  };
}
