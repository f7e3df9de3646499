import { accountStore } from '../adapters/account-store.ts';
import { deviceStore } from '../adapters/device-store.ts';
import { noticeStore } from '../adapters/notice-store.ts';
import {
  endpointEnabled,
  ensureEndpoint,
  ensurePushTopic,
  pushApplications,
  subscribeEndpoint,
  unsubscribe as unsubscribeArn,
} from '../adapters/push.ts';
import { resident } from '../auth/resident.ts';
import { required } from '../shared/config.ts';
import { ENV } from '../shared/env.ts';
import { apiHandler } from '../shared/http/api.ts';
import { json } from '../shared/http/response.ts';
import { LEGAL_FOLDER, loadLegalTexts } from '../terms/legal-texts.ts';
import {
  listNotices,
  municipality,
  type ResidentNoticePorts,
  registerPush,
  subscribe,
  unsubscribe,
} from './resident.ts';
import { pushBody, subscriptionBody } from './schemas.ts';

const tableName = required(ENV.tableName);
const texts = loadLegalTexts(LEGAL_FOLDER);
const accounts = accountStore(tableName);

const ports: ResidentNoticePorts = {
  devices: deviceStore(tableName),
  account: (accountId) => accounts.account(accountId),
  applications: pushApplications,
  ensureEndpoint,
  endpointEnabled,
  ensurePushTopic,
  subscribe: subscribeEndpoint,
  unsubscribe: unsubscribeArn,
  currentTerms: () => texts,
  notices: noticeStore(tableName),
  now: () => new Date(),
};

/** `PUT /v1/me/push` (guide step 8, 通知の設定). */
export const putPush = apiHandler({ body: pushBody, auth: resident }, async ({ body, accountId }) =>
  json(200, await registerPush(accountId, body, ports)),
);

/** `GET /v1/me/municipality`. */
export const getMunicipality = apiHandler({ auth: resident }, async ({ accountId }) =>
  json(200, await municipality(accountId, ports)),
);

/** `PUT /v1/me/notice-subscription`. */
export const putSubscription = apiHandler(
  { body: subscriptionBody, auth: resident },
  async ({ body, accountId }) => json(200, await subscribe(accountId, body, ports)),
);

/** `DELETE /v1/me/notice-subscription`. */
export const deleteSubscription = apiHandler({ auth: resident }, async ({ accountId }) => {
  await unsubscribe(accountId, ports);
  return { statusCode: 204, headers: {}, body: '' };
});

/** `GET /v1/me/notices` (すべてのお知らせ). */
export const getNotices = apiHandler({ auth: resident }, async ({ accountId, event }) =>
  json(200, await listNotices(accountId, event.queryStringParameters ?? {}, ports)),
);
