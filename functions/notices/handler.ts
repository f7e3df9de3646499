import { accountStore } from '../adapters/account-store.ts';
import { deviceStore } from '../adapters/device-store.ts';
import { NEWEST_PAGE_SECONDS, newestPageCache, noticeStore } from '../adapters/notice-store.ts';
import { snsPush } from '../adapters/push.ts';
import { checkToken } from '../adapters/token-keys.ts';
import { required } from '../shared/config.ts';
import { ENV } from '../shared/env.ts';
import { apiHandler } from '../shared/http/api.ts';
import { type Resident, residentAuth } from '../shared/http/resident-auth.ts';
import { json, noContent } from '../shared/http/response.ts';
import { currentTerms } from '../terms/legal-texts.ts';
import type { ResidentNoticePorts } from './ports.ts';
import { subscriptionBody } from './schemas.ts';
import {
  listNotices,
  municipality,
  municipalityNotices,
  readNotice,
  subscribe,
  unsubscribe,
} from './use-cases.ts';

const tableName = required(ENV.tableName);
const accounts = accountStore(tableName);
const notices = noticeStore(tableName);
const ports: ResidentNoticePorts = {
  ...deviceStore(tableName),
  ...notices,
  noticePage: newestPageCache(notices.noticePage),
  account: accounts.account,
  endpointEnabled: snsPush.endpointEnabled,
  ensurePushTopic: snsPush.ensurePushTopic,
  subscribeEndpoint: snsPush.subscribeEndpoint,
  unsubscribe: snsPush.unsubscribe,
  currentTerms,
  now: () => new Date(),
};
// The generation check reads the account's municipality too: the inbox is the current one's, even after a
// move the token (at most 15 minutes old) does not know of yet.
const auth = residentAuth(checkToken, accounts.residentState);

/** `GET /v1/me/municipality`. */
export const getMunicipality = apiHandler({ auth }, async ({ accountId }) =>
  json(200, await municipality(accountId, ports)),
);

/** `PUT /v1/me/notice-subscription` (guide step 9: 自治体からのお知らせの設定). */
export const putSubscription = apiHandler({ body: subscriptionBody, auth }, async ({ body, accountId }) =>
  json(200, await subscribe(accountId, body, ports)),
);

/** `DELETE /v1/me/notice-subscription`. */
export const deleteSubscription = apiHandler({ auth }, async ({ accountId }) => {
  await unsubscribe(accountId, ports);
  return noContent();
});

/** `GET /v1/me/notices` (すべてのお知らせ). */
export const getNotices = apiHandler({ auth }, async ({ resident, event }) =>
  json(200, await listNotices(resident as Resident, event.queryStringParameters ?? {}, ports)),
);

/** `GET /v1/municipalities/{code}/notices`: the same list, public, for the CDN (30 seconds). */
export const getMunicipalityNotices = apiHandler({}, async ({ event }) =>
  json(200, await municipalityNotices(event.pathParameters?.code, event.queryStringParameters ?? {}, ports), {
    'Cache-Control': `public, max-age=${NEWEST_PAGE_SECONDS}`,
  }),
);

/** `GET /v1/me/notices/{noticeId}`: one notice, where a push's deep link `xid://notices/<id>` leads. */
export const getNotice = apiHandler({ auth }, async ({ accountId, event }) =>
  json(200, await readNotice(accountId, event.pathParameters?.noticeId, ports)),
);
