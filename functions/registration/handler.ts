import { randomBytes, randomUUID } from 'node:crypto';
import { envelope } from '../adapters/envelope.ts';
import { jpkiVerifier } from '../adapters/jpki.ts';
import { registrationStore } from '../adapters/registration-store.ts';
import { municipalityOf } from '../municipality/municipalities.ts';
import { required } from '../shared/config.ts';
import { ENV } from '../shared/env.ts';
import { apiHandler } from '../shared/http/api.ts';
import { json } from '../shared/http/response.ts';
import { LEGAL_FOLDER, loadLegalTexts } from '../terms/legal-texts.ts';
import { createChallenge, type RegistrationPorts, register } from './register.ts';
import { emptyBody, registrationBody } from './schemas.ts';

const tableName = required(ENV.tableName);
const texts = loadLegalTexts(LEGAL_FOLDER);
const store = registrationStore(tableName);

const ports: RegistrationPorts = {
  ...store,
  currentTerms: () => ({
    terms: { version: texts.terms.version, sha256: texts.terms.sha256 },
    privacyPolicy: { version: texts.privacyPolicy.version, sha256: texts.privacyPolicy.sha256 },
  }),
  verifyCard: async (certificate, message, signature) =>
    (await jpkiVerifier()).verify(certificate, message, signature),
  municipalityOf,
  sealFields: (accountId, fields) => envelope(required(ENV.dataKeyId)).sealFields(accountId, fields),
  newId: randomUUID,
  newNonce: () => randomBytes(32).toString('base64url'),
  now: () => new Date(),
};

/** `POST /v1/registration/challenges` (guide step 3, before reading the card). */
export const postChallenge = apiHandler({ body: emptyBody }, async () =>
  json(201, await createChallenge(ports)),
);

/** `POST /v1/registrations` (guide step 5: 基本情報と電子署名を送信). */
export const postRegistration = apiHandler(
  { body: registrationBody, maxBodyBytes: 16 * 1024 },
  async ({ body }) => json(201, await register(body, ports)),
);
