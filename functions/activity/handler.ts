import { accountStore } from '../adapters/account-store.ts';
import { activityStore } from '../adapters/activity-log.ts';
import { checkToken } from '../adapters/token-keys.ts';
import { required } from '../shared/config.ts';
import { ENV } from '../shared/env.ts';
import { apiHandler } from '../shared/http/api.ts';
import { residentAuth } from '../shared/http/resident-auth.ts';
import { json } from '../shared/http/response.ts';
import type { ActivityPorts } from './ports.ts';
import { listActivity } from './use-cases.ts';

const tableName = required(ENV.tableName);
const ports: ActivityPorts = activityStore(tableName);
const auth = residentAuth(checkToken, accountStore(tableName).tokenGeneration);

/** `GET /v1/me/activity?limit=&cursor=` (利用履歴). */
export const getActivity = apiHandler({ auth }, async ({ accountId, event }) =>
  json(200, await listActivity(accountId, event.queryStringParameters ?? {}, ports)),
);
