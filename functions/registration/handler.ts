import { randomBytes, randomUUID } from 'node:crypto';
import { challengeMacKey } from '../adapters/challenge-key.ts';
import { envelope } from '../adapters/envelope.ts';
import { jpkiVerifier } from '../adapters/jpki.ts';
import { registrationStore } from '../adapters/registration-store.ts';
import { municipalityList, municipalityOf } from '../municipality/municipalities.ts';
import { challenges } from '../shared/challenges.ts';
import { required } from '../shared/config.ts';
import { ENV } from '../shared/env.ts';
import { apiHandler } from '../shared/http/api.ts';
import { json } from '../shared/http/response.ts';
import { currentTerms } from '../terms/legal-texts.ts';
import type { RegistrationPorts } from './ports.ts';
import { emptyBody, registrationBody } from './schemas.ts';
import { createChallenge, register } from './use-cases.ts';

municipalityList(); // read at cold start: a bundle without its list fails loudly, not at a registration

const challengeCodec = challenges(challengeMacKey);
let ports: RegistrationPorts | undefined;
/** Built on first use: the challenge route is bound to the challenge key only, not to the table. */
const registrationPorts = (): RegistrationPorts => {
  ports ??= {
    challenges: challengeCodec,
    ...registrationStore(required(ENV.tableName)),
    currentTerms,
    verifyCard: async (certificate, message, signature) =>
      (await jpkiVerifier()).verify(certificate, message, signature),
    municipalityOf,
    sealFields: envelope(required(ENV.dataKeyId)).sealFields,
    newId: randomUUID,
    newNonce: () => randomBytes(32).toString('base64url'),
    now: () => new Date(),
  };
  return ports;
};

/** `POST /v1/registration/challenges` (guide step 3, before reading the card): stateless, writes nothing. */
export const postChallenge = apiHandler({ body: emptyBody }, async () =>
  json(201, await createChallenge({ challenges: challengeCodec, currentTerms, now: () => new Date() })),
);

/** `POST /v1/registrations` (guide step 5: 基本情報と電子署名を送信). */
export const postRegistration = apiHandler(
  { body: registrationBody, maxBodyBytes: 16 * 1024 },
  async ({ body }) => json(201, await register(body, registrationPorts())),
);
