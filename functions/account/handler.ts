import { accountStore } from '../adapters/account-store.ts';
import { envelope } from '../adapters/envelope.ts';
import { checkToken } from '../adapters/token-keys.ts';
import { required } from '../shared/config.ts';
import { ENV } from '../shared/env.ts';
import { apiHandler } from '../shared/http/api.ts';
import { residentAuth } from '../shared/http/resident-auth.ts';
import { json } from '../shared/http/response.ts';
import type { AccountPorts } from './ports.ts';
import { me } from './use-cases.ts';

const sealing = envelope(required(ENV.dataKeyId));
const ports: AccountPorts = {
  account: accountStore(required(ENV.tableName)).account,
  openFields: sealing.openFields,
};

/** `GET /v1/me`. */
// No generation read in the check: `me` compares it with the one account read it makes anyway.
export const getMe = apiHandler(
  { auth: residentAuth(checkToken, 'in-use-case') },
  async ({ accountId, tokenGeneration }) => json(200, await me({ accountId, tokenGeneration }, ports)),
);
