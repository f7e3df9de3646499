import { accountStore } from '../adapters/account-store.ts';
import { deviceStore } from '../adapters/device-store.ts';
import { snsPush } from '../adapters/push.ts';
import { checkToken } from '../adapters/token-keys.ts';
import { required } from '../shared/config.ts';
import { ENV } from '../shared/env.ts';
import { apiHandler } from '../shared/http/api.ts';
import { residentAuth } from '../shared/http/resident-auth.ts';
import { json, noContent } from '../shared/http/response.ts';
import type { PushPorts } from './ports.ts';
import { pushBody } from './schemas.ts';
import { registerPush, releasePush } from './use-cases.ts';

const tableName = required(ENV.tableName);
const accounts = accountStore(tableName);
const ports: PushPorts = {
  ...deviceStore(tableName),
  ...snsPush,
  accountExists: async (accountId) => (await accounts.tokenGeneration(accountId)) !== undefined,
  now: () => new Date(),
};

const auth = residentAuth(checkToken, accounts.tokenGeneration);

/** `PUT /v1/me/push` (guide step 8, 通知の設定). */
export const putPush = apiHandler({ body: pushBody, auth }, async ({ body, accountId }) =>
  json(200, await registerPush(accountId, body, ports)),
);

/** `DELETE /v1/me/push`: the app signs out on this device; its token is free for another account. */
export const deletePush = apiHandler({ auth }, async ({ accountId }) => {
  await releasePush(accountId, ports);
  return noContent();
});
