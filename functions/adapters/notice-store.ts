import type { MunicipalityRecord, NoticeReceipt, StoredNotice } from '../notices/model.ts';
import type { Notice } from '../notices/notice.ts';
import type { NoticeIngestPorts, OnboardingPorts, ResidentNoticePorts } from '../notices/ports.ts';
import { required } from '../shared/config.ts';
import { ENV } from '../shared/env.ts';
import { municipalityOfIngestTopic } from '../shared/names.ts';
import { documentClient, everyItem, GetCommand, QueryCommand } from './dynamo-client.ts';
import { type ItemKey, table } from './table.ts';
import { epochSeconds, KEYS, RECEIPT_DAYS } from './table-keys.ts';

type NoticeStorePorts = Pick<
  NoticeIngestPorts,
  'municipalityOfTopic' | 'storeOnce' | 'markPushed' | 'keepReceipt'
> &
  Pick<ResidentNoticePorts, 'municipalityRecord' | 'noticePage' | 'notice'> &
  Pick<
    OnboardingPorts,
    'municipalityRecord' | 'saveMunicipality' | 'deleteMunicipality' | 'municipalities' | 'latestReceipts'
  >;

/** DynamoDB side of notices: municipalities, notices stored once, and the list residents read. */
export function noticeStore(tableName: string) {
  const db = table(tableName);
  const municipalityRecord = async (code: string): Promise<MunicipalityRecord | undefined> => {
    const { Item } = await documentClient.send(
      new GetCommand({ TableName: tableName, Key: KEYS.municipality(code) }),
    );
    if (!Item) return undefined;
    const { pk: _pk, sk: _sk, ...record } = Item;
    return record as MunicipalityRecord;
  };
  return {
    municipalityRecord,

    /** The onboarded municipality of a stage's ingest topic: by its name, and the record must name it too. */
    async municipalityOfTopic(
      topicArn: string,
    ): Promise<{ code: string; name: string; domains: string[] } | undefined> {
      const code = municipalityOfIngestTopic(required(ENV.topicPrefix), topicArn);
      const record = code ? await municipalityRecord(code) : undefined;
      return record && record.ingestTopicArn === topicArn
        ? { code: record.code, name: record.name, domains: record.domains ?? [] }
        : undefined;
    },

    async storeOnce(
      code: string,
      notice: Notice,
      receivedAt: Date,
    ): Promise<'stored' | 'stored-earlier' | 'pushed-earlier'> {
      const refused = await db.transact(
        [
          {
            Put: {
              // The id item names the stored notice's sort key (its reception), for reads by id.
              Item: { ...KEYS.noticeId(code, notice.noticeId), receivedAt: receivedAt.toISOString() },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          {
            Put: {
              Item: {
                ...KEYS.notice(code, receivedAt.toISOString(), notice.noticeId),
                ...notice,
                receivedAt: receivedAt.toISOString(),
              },
            },
          },
        ],
        [0],
      );
      if (refused === undefined) return 'stored';
      // Stored by an earlier delivery, or by one running now (a conflict): the id exists, or will, once.
      const Item = await db.get(KEYS.noticeId(code, notice.noticeId));
      return Item?.pushedAt ? 'pushed-earlier' : 'stored-earlier';
    },

    async markPushed(code: string, noticeId: string, at: Date): Promise<void> {
      await db.update(KEYS.noticeId(code, noticeId), {
        update: 'SET pushedAt = :at',
        values: { ':at': at.toISOString() },
      });
    },

    async keepReceipt(code: string, receipt: NoticeReceipt): Promise<void> {
      const expires = new Date(Date.parse(receipt.at) + RECEIPT_DAYS * 86_400_000);
      await db.put({
        ...KEYS.receipt(code, receipt.at, receipt.messageId),
        ...receipt,
        expiresAt: epochSeconds(expires),
      });
    },

    /** The latest receipts, newest first (one query of one municipality's partition). */
    async latestReceipts(code: string, limit: number): Promise<NoticeReceipt[]> {
      const { Items } = await documentClient.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': KEYS.receiptsOf(code) },
          ScanIndexForward: false,
          Limit: limit,
        }),
      );
      return (Items ?? []).map(({ pk: _pk, sk: _sk, expiresAt: _e, ...receipt }) => receipt as NoticeReceipt);
    },

    /** A page of a municipality's notices, newest first; `cursor` is the opaque key of the last one seen. */
    async noticePage(
      code: string,
      limit: number,
      after?: string,
    ): Promise<{ items: StoredNotice[]; next?: string }> {
      const { Items, LastEvaluatedKey } = await documentClient.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: after ? 'pk = :pk AND sk < :after' : 'pk = :pk',
          ExpressionAttributeValues: { ':pk': KEYS.noticesOf(code), ...(after ? { ':after': after } : {}) },
          ScanIndexForward: false,
          Limit: limit,
        }),
      );
      const items = (Items ?? []).map(({ pk: _pk, sk: _sk, ...rest }) => rest as StoredNotice);
      return { items, next: LastEvaluatedKey ? String(LastEvaluatedKey.sk) : undefined };
    },

    /** One notice: its id item gives the sort key of the stored notice (two reads, both in its partition). */
    async notice(code: string, noticeId: string): Promise<StoredNotice | undefined> {
      const byId = await db.get<{ receivedAt?: string; publishedAt?: string }>(KEYS.noticeId(code, noticeId));
      if (!byId) return undefined;
      // Notices stored before they were listed by reception were keyed by their publishedAt.
      const sortKey = byId.receivedAt ?? new Date(byId.publishedAt ?? 0).toISOString();
      const Item = await db.get<StoredNotice & ItemKey>(KEYS.notice(code, sortKey, noticeId));
      if (!Item) return undefined;
      const { pk: _pk, sk: _sk, ...notice } = Item;
      return notice;
    },

    async saveMunicipality(record: MunicipalityRecord): Promise<void> {
      await db.put({ ...KEYS.municipality(record.code), ...record });
    },

    async deleteMunicipality(code: string): Promise<void> {
      await db.delete(KEYS.municipality(code));
    },

    /** Every onboarded municipality (an operator's listing: a scan filtered to the few records). */
    async municipalities(): Promise<MunicipalityRecord[]> {
      const items = await everyItem<MunicipalityRecord & { pk: string; sk: string }>(
        {
          TableName: tableName,
          FilterExpression: 'begins_with(pk, :p)',
          ExpressionAttributeValues: { ':p': KEYS.municipality('').pk },
        },
        true,
      );
      const found = items.map(({ pk: _pk, sk: _sk, ...record }): MunicipalityRecord => record);
      return found.sort((a, b) => a.code.localeCompare(b.code));
    },
  } satisfies NoticeStorePorts;
}

/** How many of a municipality's newest notices a container keeps, and for how long. */
export const NEWEST_PAGE_SIZE = 50;
export const NEWEST_PAGE_SECONDS = 30;

/** The opaque cursor of a stored notice: its sort key (`KEYS.notice`). */
/** The sort key after which the next page starts: notices are listed by reception (older ones by publishedAt). */
const cursorOf = (notice: StoredNotice) =>
  KEYS.notice('', notice.receivedAt ?? new Date(notice.publishedAt).toISOString(), notice.noticeId).sk;

/**
 * A short cache of each municipality's newest page in front of `noticePage` (design.md §7): a disaster
 * notice sends a fifth of a city to its inbox within minutes, and without it every one of them would read
 * the same partition (`NOTICES#<code>`). A container reads the newest page (50 notices) of a municipality
 * at most once per 30 seconds, whatever the number of residents it serves, and answers any first page of
 * up to 50 from it; pages behind a cursor are read as before. Concurrent misses share one read. A new
 * notice shows within 30 seconds.
 */
export function newestPageCache(
  noticePage: (
    code: string,
    limit: number,
    after?: string,
  ) => Promise<{ items: StoredNotice[]; next?: string }>,
  clock: () => number = Date.now,
) {
  const pages = new Map<string, { at: number; page: Promise<{ items: StoredNotice[]; next?: string }> }>();
  return async (
    code: string,
    limit: number,
    after?: string,
  ): Promise<{ items: StoredNotice[]; next?: string }> => {
    if (after !== undefined || limit > NEWEST_PAGE_SIZE) return noticePage(code, limit, after);
    const now = clock();
    let cached = pages.get(code);
    if (!cached || now - cached.at >= NEWEST_PAGE_SECONDS * 1000) {
      cached = { at: now, page: noticePage(code, NEWEST_PAGE_SIZE) };
      pages.set(code, cached);
      const mine = cached;
      mine.page.catch(() => {
        if (pages.get(code) === mine) pages.delete(code);
      });
    }
    const newest = await cached.page;
    const items = newest.items.slice(0, limit);
    const last = items.at(-1);
    const next = limit < newest.items.length && last ? cursorOf(last) : newest.next;
    return { items, next };
  };
}
