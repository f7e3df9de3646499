import { describe, expect, it } from 'vitest';
import { loadEvent } from '#events/load';
import type { AccountRecord } from '#functions/account/model';
import { NEWEST_PAGE_SECONDS, NEWEST_PAGE_SIZE, newestPageCache } from '#functions/adapters/notice-store';
import type { MunicipalityRecord, NoticeReceipt, StoredNotice } from '#functions/notices/model';
import { type Notice, NoticeRejectedError, parseNotice, UnknownTopicError } from '#functions/notices/notice';
import type { NoticeIngestPorts, ResidentNoticePorts } from '#functions/notices/ports';
import { BODY_MAX, cut, pushMessage, TITLE_MAX } from '#functions/notices/push-payload';
import {
  apnsPayload,
  fcmPayload,
  noticeItem,
  noticeReceiptSchema,
  pushTopicMessage,
} from '#functions/notices/schemas';
import {
  listNotices,
  municipality,
  municipalityNotices,
  readNotice,
  receiveNotice,
  subscribe,
  unsubscribe,
} from '#functions/notices/use-cases';
import type { SubscriptionRecord } from '#functions/push/model';
import type { ProblemError } from '#functions/shared/problems';
import { memoryActivityLog } from '../activity/memory-log.ts';

const SHINAGAWA_TOPIC = 'arn:aws:sns:ap-northeast-1:123456789012:xid-dev-ingest-131091';
const RECEIVED = new Date('2026-11-26T09:00:00Z');
/** What 品川区 was onboarded with: the domain its notices link to. */
const SHINAGAWA = { domains: ['city.shinagawa.tokyo.jp'], now: RECEIVED };
const sample = () =>
  JSON.parse(loadEvent('sns', 'notice').Records[0]?.Sns.Message as string) as Record<string, unknown>;

/** In-memory ports that count every push publish and keep every receipt. */
function fakePorts(subscribers = 1) {
  const stored = new Map<string, { notice: Notice; pushed: boolean }>();
  const publishes: { code: string; message: string; subscribers: number }[] = [];
  const kept: NoticeReceipt[] = [];
  const receipts: { code: string; receipt: NoticeReceipt }[] = [];
  const ports: NoticeIngestPorts = {
    municipalityOfTopic: async (arn) =>
      arn === SHINAGAWA_TOPIC ? { code: '131091', name: '品川区', domains: SHINAGAWA.domains } : undefined,
    storeOnce: async (code, notice) => {
      const key = `${code}#${notice.noticeId}`;
      const existing = stored.get(key);
      if (existing) return existing.pushed ? 'pushed-earlier' : 'stored-earlier';
      stored.set(key, { notice, pushed: false });
      return 'stored';
    },
    publishPush: async (code, message) => {
      publishes.push({ code, message, subscribers });
    },
    markPushed: async (code, noticeId) => {
      const entry = stored.get(`${code}#${noticeId}`);
      if (entry) entry.pushed = true;
    },
    keepReceipt: async (_code, receipt) => {
      kept.push(receipt);
    },
    publishReceipt: async (code, receipt) => {
      receipts.push({ code, receipt });
    },
    now: () => RECEIVED,
  };
  return { ports, stored, publishes, kept, receipts };
}

let messages = 0;
/** An ingest-topic message, as the handler hands it to the use case. */
const delivery = (body: string, topicArn = SHINAGAWA_TOPIC) => ({
  topicArn,
  messageId: `message-${++messages}`,
  body,
});

describe('notices: parsing', () => {
  it('accepts the sample notice', () => {
    expect(parseNotice(JSON.stringify(sample()), SHINAGAWA)).toMatchObject({
      schema: 'xid/notice/v1',
      category: 'administration',
    });
  });

  it.each([
    ['not JSON', '{'],
    ['another schema', JSON.stringify({ ...sample(), schema: 'xid/notice/v2' })],
    ['a noticeId that is not a UUID', JSON.stringify({ ...sample(), noticeId: '1' })],
    ['an http link', JSON.stringify({ ...sample(), url: 'http://www.city.shinagawa.tokyo.jp/' })],
    ['a javascript: link', JSON.stringify({ ...sample(), url: 'javascript:alert(1)' })],
    ['markup in the body', JSON.stringify({ ...sample(), body: '<b>重要</b>' })],
    ['a control character', JSON.stringify({ ...sample(), title: 'a\u0007b' })],
    ['a title over 100 characters', JSON.stringify({ ...sample(), title: 'あ'.repeat(101) })],
    ['a body over 2,000 characters', JSON.stringify({ ...sample(), body: 'あ'.repeat(2001) })],
    ['an unknown category', JSON.stringify({ ...sample(), category: 'ads' })],
    ['a date without offset', JSON.stringify({ ...sample(), publishedAt: '2026-11-26T09:00:00' })],
    ['an unknown member', JSON.stringify({ ...sample(), extra: 1 })],
  ])('refuses %s', (_, message) => {
    expect(() => parseNotice(message, SHINAGAWA)).toThrow(NoticeRejectedError);
  });

  const reasonOf = (changes: Record<string, unknown>, context = SHINAGAWA) => {
    try {
      parseNotice(JSON.stringify({ ...sample(), ...changes }), context);
      return 'accepted';
    } catch (error) {
      // Every wrong field with what it must be, as the receipt's errors say it in English.
      return (error as NoticeRejectedError).rejections.map((r) => `${r.field}: ${r.en}`).join('; ');
    }
  };

  it.each([
    [
      'a right-to-left override',
      'title',
      { title: '振込先\u202e0987-654\u202c変更' },
      /title: .*category Cf/,
    ],
    ['a zero-width space', 'body', { body: '詳しくは\u200bこちら' }, /body: .*category Cf/],
    ['a zero-width no-break space', 'title', { title: '窓口\ufeffのお知らせ' }, /title: .*category Cf/],
    ['a private-use character', 'body', { body: '受付\ue000時間' }, /body: .*category Co/],
    ['a lone surrogate', 'title', { title: '窓口\ud800' }, /title: .*lone surrogate/],
    ['a C1 control', 'body', { body: '窓口\u0085業務' }, /body: .*control/],
    ['a line break in the link', 'url', { url: 'https://www.city.shinagawa.tokyo.jp/a\nb' }, /url: /],
  ])('refuses %s, naming the field (%s)', (_, _field, changes, reason) => {
    expect(reasonOf(changes)).toMatch(reason);
  });

  it('accepts Japanese text, emoji and line breaks in the body', () => {
    expect(reasonOf({ title: '【重要】台風10号 🌀', body: '避難所:\n・第一小学校\n・区民センター' })).toBe(
      'accepted',
    );
  });

  it('accepts links only on the municipality’s domains or below them', () => {
    expect(reasonOf({ url: 'https://city.shinagawa.tokyo.jp/a' })).toBe('accepted');
    expect(reasonOf({ url: 'https://www.city.shinagawa.tokyo.jp/kurashi?x=1' })).toBe('accepted');
    for (const url of [
      'https://city.shinagawa.tokyo.jp.evil.example/',
      'https://evilcity.shinagawa.tokyo.jp.example/',
      'https://xcity.shinagawa.tokyo.jp/',
      'https://shinagawa-city.example.jp/',
    ])
      expect([url, reasonOf({ url })]).toEqual([
        url,
        expect.stringMatching(
          /url: url must be on the municipality's domains \(city\.shinagawa\.tokyo\.jp\)/,
        ),
      ]);
  });

  it('refuses any link from a municipality onboarded without a domain, and accepts a notice without one', () => {
    const none = { domains: [], now: RECEIVED };
    expect(reasonOf({}, none)).toMatch(/url: This municipality has no domain recorded for links/);
    const { url: _url, ...withoutLink } = sample();
    expect(parseNotice(JSON.stringify(withoutLink), none).url).toBeUndefined();
  });

  it('refuses a publishedAt more than 5 minutes ahead of its reception', () => {
    expect(reasonOf({ publishedAt: '2999-01-01T00:00:00Z' })).toMatch(
      /publishedAt: publishedAt must not be more than 5 minutes in the future/,
    );
    expect(reasonOf({ publishedAt: new Date(RECEIVED.getTime() + 300_001).toISOString() })).toMatch(
      /publishedAt/,
    );
    expect(reasonOf({ publishedAt: new Date(RECEIVED.getTime() + 300_000).toISOString() })).toBe('accepted');
  });

  it('names every wrong field at once', () => {
    expect(reasonOf({ title: '\u202e', category: 'ads', url: 'https://example.com/' })).toMatch(
      /^title: .*; category: .*; url: /,
    );
  });
});

describe('notices: receiving', () => {
  it('stores a notice once and pushes it once, even when SNS delivers it twice, and answers each delivery', async () => {
    const { ports, stored, publishes, receipts } = fakePorts();
    const message = JSON.stringify(sample());
    const first = await receiveNotice(delivery(message), ports);
    const second = await receiveNotice(delivery(message), ports);
    expect([first.pushed, second.pushed]).toEqual([true, false]);
    expect(receipts.map((r) => [r.code, r.receipt.status])).toEqual([
      ['131091', 'accepted'],
      ['131091', 'duplicate'],
    ]);
    expect(second.receipt.reason?.ja).toContain('受け付け済み');
    expect(stored.size).toBe(1);
    expect(publishes).toHaveLength(1);
  });

  it('gives a receipt in the contract shape, naming the notice and the SNS message', async () => {
    const { ports, kept, receipts } = fakePorts();
    const { receipt } = await receiveNotice(delivery(JSON.stringify(sample())), ports);
    expect(noticeReceiptSchema.parse(receipt)).toEqual({
      schema: 'xid/notice-receipt/v1',
      noticeId: sample().noticeId,
      messageId: receipt.messageId,
      status: 'accepted',
      at: '2026-11-26T09:00:00.000Z',
    });
    expect(kept).toEqual([receipt]);
    expect(receipts.map((r) => r.receipt)).toEqual([receipt]);
  });

  it('pushes on the retry a notice stored before a crash', async () => {
    const { ports, publishes, receipts } = fakePorts();
    const failing = { ...ports, publishPush: async () => Promise.reject(new Error('SNS down')) };
    await expect(receiveNotice(delivery(JSON.stringify(sample())), failing)).rejects.toThrow('SNS down');
    expect(receipts).toEqual([]);
    expect((await receiveNotice(delivery(JSON.stringify(sample())), ports)).receipt.status).toBe('accepted');
    expect(publishes).toHaveLength(1);
  });

  it("files a notice under the topic's municipality, whatever the message claims", async () => {
    const { ports, stored, publishes } = fakePorts();
    await receiveNotice(delivery(JSON.stringify({ ...sample(), municipality: { code: '141003' } })), ports);
    expect([...stored.keys()][0]).toMatch(/^131091#/);
    expect(publishes[0]?.code).toBe('131091');
  });

  it('answers a malformed notice with a rejected receipt that names the fields, storing and pushing nothing', async () => {
    const { ports, stored, publishes, receipts } = fakePorts();
    const bad: Record<string, unknown> = { ...sample(), url: 'http://insecure.example.jp/', title: '' };
    const { receipt, pushed } = await receiveNotice(delivery(JSON.stringify(bad)), ports);
    expect(pushed).toBe(false);
    expect(noticeReceiptSchema.parse(receipt)).toMatchObject({
      status: 'rejected',
      noticeId: bad.noticeId,
      reason: { ja: expect.stringContaining('title, url'), en: expect.stringContaining('title, url') },
    });
    expect(receipt.errors?.map((e) => e.field)).toEqual(['title', 'url']);
    expect(receipt.errors?.[1]?.ja).toContain('https://');
    expect(receipts).toHaveLength(1);
    expect(stored.size).toBe(0);
    expect(publishes).toHaveLength(0);
    const notJson = await receiveNotice(delivery('{'), ports);
    expect(notJson.receipt).toMatchObject({ status: 'rejected', noticeId: null });
    expect(notJson.receipt.errors?.[0]?.en).toContain('not JSON');
  });

  it('throws for a message from a topic that is no onboarded ingest topic: there is no one to answer', async () => {
    const { ports, stored, receipts } = fakePorts();
    await expect(
      receiveNotice(
        delivery(JSON.stringify(sample()), 'arn:aws:sns:ap-northeast-1:123456789012:other'),
        ports,
      ),
    ).rejects.toThrow(UnknownTopicError);
    expect(stored.size).toBe(0);
    expect(receipts).toEqual([]);
  });

  it('costs one publish whether 1 or 1,000 devices are subscribed', async () => {
    for (const subscribers of [1, 1000]) {
      const { ports, publishes } = fakePorts(subscribers);
      await receiveNotice(delivery(JSON.stringify({ ...sample(), noticeId: crypto.randomUUID() })), ports);
      expect(publishes).toHaveLength(1);
    }
  });
});

describe('notices: the push message', () => {
  it('has APNs, APNs sandbox and FCM payloads, cut to what notifications show, with the deep link', () => {
    const notice = parseNotice(
      JSON.stringify({ ...sample(), title: '長'.repeat(100), body: '本文'.repeat(900) }),
      SHINAGAWA,
    );
    const message = pushTopicMessage.parse(
      JSON.parse(pushMessage(notice, { code: '131091', name: '品川区' })),
    );
    // The payloads are exactly what the API contract publishes as ApnsPayload and FcmPayload.
    const apns = apnsPayload.parse(JSON.parse(message.APNS));
    const gcm = fcmPayload.parse(JSON.parse(message.GCM));
    expect(message.APNS_SANDBOX).toBe(message.APNS);
    expect([...apns.aps.alert.title].length).toBe(TITLE_MAX);
    expect([...apns.aps.alert.body].length).toBe(BODY_MAX);
    expect(apns.aps.alert.title.endsWith('…')).toBe(true);
    expect(apns).toMatchObject({ noticeId: notice.noticeId, municipality: '131091' });
    expect(gcm.data.deepLink).toBe(`xid://notices/${notice.noticeId}`);
    expect(Buffer.byteLength(message.APNS)).toBeLessThan(4096);
  });

  it('never cuts inside a character', () => {
    expect(cut('👨‍👩‍👧‍👦'.repeat(5), 3)).toBe('👨‍👩‍👧‍👦👨‍👩‍👧‍👦…');
    expect(cut('short', 10)).toBe('short');
  });
});

describe('notices: the resident’s side', () => {
  const ACCOUNT = '00000000-0000-4000-8000-000000000001';
  const TOPIC = 'arn:aws:sns:ap-northeast-1:123456789012:xid-dev-push-131091';
  const ENDPOINT = 'arn:aws:sns:ap-northeast-1:123456789012:endpoint/APNS_SANDBOX/xid-dev-apns/1';
  const terms = {
    terms: { version: '2026-04', sha256: 'a'.repeat(64) },
    privacyPolicy: { version: '2026-04', sha256: 'b'.repeat(64) },
  };
  const consents = { termsVersion: '2026-04', privacyPolicyVersion: '2026-04' };

  function resident(options: { onboarded?: boolean; device?: boolean; enabled?: boolean } = {}) {
    const state = {
      subscription: undefined as SubscriptionRecord | undefined,
      consents: [] as { kind: string; version: string }[],
      subscribed: new Set<string>(),
      notices: [] as StoredNotice[],
      /** Notices of another municipality (品川区), in their own partition. */
      elsewhere: [] as StoredNotice[],
      lookups: [] as string[],
      log: memoryActivityLog(),
    };
    let n = 0;
    const ports: ResidentNoticePorts = {
      account: async (id) =>
        id === ACCOUNT
          ? ({
              accountId: ACCOUNT,
              municipality: {
                code: '141003',
                name: '横浜市',
                prefecture: '神奈川県',
                ward: { code: '141011', name: '鶴見区' },
              },
            } as AccountRecord)
          : undefined,
      municipalityRecord: async (code) =>
        options.onboarded === false ? undefined : ({ code } as MunicipalityRecord),
      device: async () =>
        options.device === false
          ? undefined
          : { platform: 'APNS_SANDBOX', endpointArn: ENDPOINT, tokenSha256: 'h', enabled: true },
      endpointEnabled: async () => options.enabled !== false,
      ensurePushTopic: async () => TOPIC,
      subscribeEndpoint: async (topic) => {
        const arn = `${topic}:${++n}`;
        state.subscribed.add(arn);
        return arn;
      },
      unsubscribe: async (arn) => {
        state.subscribed.delete(arn);
      },
      subscription: async () => state.subscription,
      recordSubscription: async (id, subscription, given, _at, activity) => {
        state.subscription = subscription;
        state.consents.push(...given);
        if (activity) state.log.append(id, activity);
      },
      deleteSubscription: async (id, activity) => {
        state.subscription = undefined;
        if (activity) state.log.append(id, activity);
      },
      noticePage: async (_code, limit, after) => {
        const items = state.notices.filter((x) => !after || `${x.publishedAt}#${x.noticeId}` < after);
        const page = items.slice(0, limit);
        const last = page.at(-1);
        return {
          items: page,
          next: items.length > limit && last ? `${last.publishedAt}#${last.noticeId}` : undefined,
        };
      },
      notice: async (code, noticeId) => {
        state.lookups.push(code);
        const partition = code === '141003' ? state.notices : code === '131091' ? state.elsewhere : [];
        return partition.find((x) => x.noticeId === noticeId);
      },
      currentTerms: () => terms,
      now: () => new Date('2026-11-27T03:00:00Z'),
    };
    return { ports, state };
  }

  it('names the municipality of a designated city with its ward, and says whether it publishes', async () => {
    expect(await municipality(ACCOUNT, resident().ports)).toEqual({
      code: '141003',
      name: '横浜市',
      prefecture: '神奈川県',
      ward: { code: '141011', name: '鶴見区' },
      notices: true,
      subscribed: false,
    });
    expect((await municipality(ACCOUNT, resident({ onboarded: false }).ports)).notices).toBe(false);
  });

  it('says whether the device gets the municipality’s pushes', async () => {
    const { ports } = resident();
    await subscribe(ACCOUNT, { consents }, ports);
    expect((await municipality(ACCOUNT, ports)).subscribed).toBe(true);
    await unsubscribe(ACCOUNT, ports);
    expect((await municipality(ACCOUNT, ports)).subscribed).toBe(false);
  });

  it('subscribes the device once, recording the consents, and unsubscribes it', async () => {
    const { ports, state } = resident();
    expect(await subscribe(ACCOUNT, { consents }, ports)).toEqual({
      municipality: { code: '141003', name: '横浜市' },
      push: true,
    });
    await subscribe(ACCOUNT, { consents }, ports);
    expect(state.subscribed.size).toBe(1);
    expect(state.consents.map((c) => c.kind)).toEqual([
      'noticeTerms',
      'noticePrivacyPolicy',
      'noticeTerms',
      'noticePrivacyPolicy',
    ]);
    await unsubscribe(ACCOUNT, ports);
    expect(state.subscribed.size).toBe(0);
    expect(state.subscription).toBeUndefined();
    await unsubscribe(ACCOUNT, ports);
    // Subscribing again to the same municipality is not news; turning it off is, once.
    expect(state.log.entries(ACCOUNT)).toMatchObject([
      { seq: 1, type: 'notices_on', detail: { municipality: '141003' } },
      { seq: 2, type: 'notices_off', detail: { municipality: '141003', reason: 'resident' } },
    ]);
  });

  it.each([
    ['older terms', {}, { ...consents, termsVersion: '2025-01' }, 'consent_required'],
    ['a municipality that does not publish', { onboarded: false }, consents, 'municipality_not_onboarded'],
    ['no device', { device: false }, consents, 'push_not_registered'],
    ['a device SNS disabled', { enabled: false }, consents, 'push_not_registered'],
  ])('refuses to subscribe with %s', async (_, options, given, code) => {
    const { ports, state } = resident(options);
    const error = await subscribe(ACCOUNT, { consents: given }, ports).catch((e) => e);
    expect((error as ProblemError).code).toBe(code);
    expect(state.subscribed.size).toBe(0);
    expect(state.consents).toEqual([]);
    expect(state.log.entries(ACCOUNT)).toEqual([]);
  });

  it('pages the notices newest first with an opaque cursor, and refuses a bad limit or cursor', async () => {
    const { ports, state } = resident();
    state.notices = [3, 2, 1].map((i) => ({
      ...(parseNotice(
        JSON.stringify({ ...sample(), noticeId: `00000000-0000-4000-8000-00000000000${i}` }),
        SHINAGAWA,
      ) as Notice),
      publishedAt: `2026-11-2${i}T00:00:00.000Z`,
      receivedAt: `2026-11-2${i}T00:00:01.000Z`,
    }));
    const first = await listNotices({ accountId: ACCOUNT }, { limit: '2' }, ports);
    expect(first.items.map((x) => x.noticeId.at(-1))).toEqual(['3', '2']);
    expect(first.items[0]).not.toHaveProperty('receivedAt');
    const second = await listNotices(
      { accountId: ACCOUNT, municipality: { code: '141003', name: '横浜市' } },
      { limit: '2', cursor: first.nextCursor as string },
      ports,
    );
    expect(second.items.map((x) => x.noticeId.at(-1))).toEqual(['1']);
    expect(second.nextCursor).toBeNull();
    for (const query of [{ limit: '0' }, { limit: '51' }, { limit: 'x' }, { cursor: 'garbage' }]) {
      const error = await listNotices({ accountId: ACCOUNT }, query, ports).catch((e) => e);
      expect((error as ProblemError).code).toBe('invalid_request');
    }
  });

  it('reads one notice of the municipality by id (the deep link), and nothing of another municipality', async () => {
    const { ports, state } = resident();
    const stored = (i: number, publishedAt: string) => ({
      ...(parseNotice(
        JSON.stringify({ ...sample(), noticeId: `00000000-0000-4000-8000-00000000000${i}` }),
        SHINAGAWA,
      ) as Notice),
      publishedAt,
      receivedAt: publishedAt,
    });
    state.notices = [stored(1, '2026-11-21T00:00:00.000Z')];
    state.elsewhere = [stored(2, '2026-11-22T00:00:00.000Z')];
    const found = await readNotice(ACCOUNT, '00000000-0000-4000-8000-000000000001', ports);
    expect(found).toEqual(noticeItem.parse(found));
    expect(found).toMatchObject({
      noticeId: '00000000-0000-4000-8000-000000000001',
      category: 'administration',
    });
    expect(found).not.toHaveProperty('receivedAt');
    for (const id of [
      '00000000-0000-4000-8000-000000000002',
      '00000000-0000-4000-8000-000000000009',
      'x',
      undefined,
    ]) {
      const error = await readNotice(ACCOUNT, id, ports).catch((e) => e);
      expect((error as ProblemError).code, String(id)).toBe('not_found');
    }
    // Always looked up in the resident's own municipality; a malformed id is not looked up at all.
    expect(state.lookups).toEqual(['141003', '141003', '141003']);
    const stranger = await readNotice(
      '00000000-0000-4000-8000-0000000000ff',
      '00000000-0000-4000-8000-000000000001',
      ports,
    ).catch((e) => e);
    expect((stranger as ProblemError).code).toBe('unauthorized');
  });
});

describe('the inbox at scale', () => {
  const notice = (i: number): StoredNotice => ({
    ...(parseNotice(
      JSON.stringify({ ...sample(), noticeId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` }),
      SHINAGAWA,
    ) as Notice),
    publishedAt: new Date(Date.UTC(2026, 10, 1) + i * 60_000).toISOString(),
    receivedAt: new Date(Date.UTC(2026, 10, 1) + i * 60_000 + 1000).toISOString(),
  });
  /** 120 notices of one municipality, newest first, behind a page port that counts its reads. */
  function store() {
    const all = Array.from({ length: 120 }, (_, i) => notice(i)).reverse();
    const reads: { code: string; limit: number; after?: string }[] = [];
    const noticePage = async (code: string, limit: number, after?: string) => {
      reads.push({ code, limit, after });
      // Sorted by reception, as the table's sort key is.
      const items = all.filter((n) => !after || `${n.receivedAt}#${n.noticeId}` < after);
      const page = items.slice(0, limit);
      const last = page.at(-1);
      return {
        items: page,
        next: items.length > limit && last ? `${last.receivedAt}#${last.noticeId}` : undefined,
      };
    };
    return { all, reads, noticePage };
  }

  it('takes the municipality from the token: no account read', async () => {
    const { noticePage, reads } = store();
    const ports = {
      noticePage,
      account: async () => {
        throw new Error('the inbox must not read the account');
      },
    } as unknown as ResidentNoticePorts;
    const page = await listNotices(
      { accountId: 'a', municipality: { code: '131091', name: '品川区' } },
      { limit: '5' },
      ports,
    );
    expect(page.municipality).toEqual({ code: '131091', name: '品川区' });
    expect(page.items).toHaveLength(5);
    expect(reads).toEqual([{ code: '131091', limit: 5, after: undefined }]);
  });

  it('reads the newest page of a municipality once per 30 seconds per container, for any number of residents', async () => {
    const { noticePage, reads, all } = store();
    let now = 1_000_000;
    const cached = newestPageCache(noticePage, () => now);
    const pages = await Promise.all(Array.from({ length: 1000 }, () => cached('131091', 20)));
    expect(reads).toHaveLength(1);
    expect(reads[0]).toEqual({ code: '131091', limit: NEWEST_PAGE_SIZE, after: undefined });
    expect(pages[999]?.items.map((n) => n.noticeId)).toEqual(all.slice(0, 20).map((n) => n.noticeId));
    now += (NEWEST_PAGE_SECONDS - 1) * 1000;
    await cached('131091', 50);
    await cached('141003', 10);
    expect(reads.map((r) => r.code)).toEqual(['131091', '141003']);
    now += 1000;
    await cached('131091', 1);
    expect(reads.map((r) => r.code)).toEqual(['131091', '141003', '131091']);
  });

  it('answers a short first page with a cursor into the rest, and reads pages behind a cursor as before', async () => {
    const { noticePage, reads, all } = store();
    const cached = newestPageCache(noticePage, () => 0);
    const first = await cached('131091', 20);
    const direct = await noticePage('131091', 20);
    expect(first).toEqual(direct);
    const behind = await cached('131091', 20, first.next);
    expect(behind.items.map((n) => n.noticeId)).toEqual(all.slice(20, 40).map((n) => n.noticeId));
    // Fifty is the whole cached page: its cursor is the store's own.
    expect((await cached('131091', 50)).next).toBe((await noticePage('131091', 50)).next);
    expect(reads.filter((r) => r.after !== undefined)).toHaveLength(1);
  });

  it('does not keep a failed read', async () => {
    const { noticePage, reads } = store();
    let fail = true;
    const cached = newestPageCache(
      async (code, limit, after) => {
        if (fail) {
          fail = false;
          throw new Error('throttled');
        }
        return noticePage(code, limit, after);
      },
      () => 0,
    );
    await expect(cached('131091', 5)).rejects.toThrow('throttled');
    expect((await cached('131091', 5)).items).toHaveLength(5);
    expect(reads).toHaveLength(1);
  });

  it('serves the public per-municipality list without an account, and 404s a code that is not one', async () => {
    const { noticePage } = store();
    const page = await municipalityNotices('131091', { limit: '3' }, { noticePage });
    expect(page.municipality).toEqual({ code: '131091' });
    expect(page.items).toHaveLength(3);
    for (const code of [undefined, '13109', '1310911', 'abcdef']) {
      const error = await municipalityNotices(code, {}, { noticePage }).catch((e) => e);
      expect((error as ProblemError).code).toBe('not_found');
    }
  });
});
