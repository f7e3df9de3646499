import { describe, expect, it } from 'vitest';
import { loadEvent } from '#events/load';
import { type Notice, NoticeRejected, parseNotice } from '#functions/notices/notice';
import { BODY_MAX, cut, pushMessage, TITLE_MAX } from '#functions/notices/push-payload';
import { type NoticePorts, receiveNotice } from '#functions/notices/receive';

const SHINAGAWA_TOPIC = 'arn:aws:sns:ap-northeast-1:123456789012:xid-dev-ingest-131091';
const sample = () =>
  JSON.parse(loadEvent('sns', 'notice').Records[0]?.Sns.Message as string) as Record<string, unknown>;

/** In-memory ports that count every push publish. */
function fakePorts(subscribers = 1) {
  const stored = new Map<string, { notice: Notice; pushed: boolean }>();
  const publishes: { code: string; message: string; subscribers: number }[] = [];
  const ports: NoticePorts = {
    municipalityOfTopic: async (arn) =>
      arn === SHINAGAWA_TOPIC ? { code: '131091', name: '品川区' } : undefined,
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
    now: () => new Date('2026-11-26T09:00:00Z'),
  };
  return { ports, stored, publishes };
}

describe('notices: parsing', () => {
  it('accepts the sample notice', () => {
    expect(parseNotice(JSON.stringify(sample()))).toMatchObject({
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
    expect(() => parseNotice(message)).toThrow(NoticeRejected);
  });
});

describe('notices: receiving', () => {
  it('stores a notice once and pushes it once, even when SNS delivers it twice', async () => {
    const { ports, stored, publishes } = fakePorts();
    const message = JSON.stringify(sample());
    expect(await receiveNotice(SHINAGAWA_TOPIC, message, ports)).toBe('pushed');
    expect(await receiveNotice(SHINAGAWA_TOPIC, message, ports)).toBe('duplicate');
    expect(stored.size).toBe(1);
    expect(publishes).toHaveLength(1);
  });

  it('pushes on the retry a notice stored before a crash', async () => {
    const { ports, publishes } = fakePorts();
    const failing = { ...ports, publishPush: async () => Promise.reject(new Error('SNS down')) };
    await expect(receiveNotice(SHINAGAWA_TOPIC, JSON.stringify(sample()), failing)).rejects.toThrow(
      'SNS down',
    );
    expect(await receiveNotice(SHINAGAWA_TOPIC, JSON.stringify(sample()), ports)).toBe('pushed');
    expect(publishes).toHaveLength(1);
  });

  it("files a notice under the topic's municipality, whatever the message claims", async () => {
    const { ports, stored, publishes } = fakePorts();
    await receiveNotice(
      SHINAGAWA_TOPIC,
      JSON.stringify({ ...sample(), municipality: { code: '141003' } }),
      ports,
    );
    expect([...stored.keys()][0]).toMatch(/^131091#/);
    expect(publishes[0]?.code).toBe('131091');
  });

  it('refuses a message from a topic that is not an onboarded ingest topic, and a malformed notice, pushing nothing', async () => {
    const { ports, stored, publishes } = fakePorts();
    await expect(
      receiveNotice('arn:aws:sns:ap-northeast-1:123456789012:other', JSON.stringify(sample()), ports),
    ).rejects.toThrow(NoticeRejected);
    await expect(receiveNotice(SHINAGAWA_TOPIC, '{"schema":"xid/notice/v1"}', ports)).rejects.toThrow(
      NoticeRejected,
    );
    expect(stored.size).toBe(0);
    expect(publishes).toHaveLength(0);
  });

  it('costs one publish whether 1 or 1,000 devices are subscribed', async () => {
    for (const subscribers of [1, 1000]) {
      const { ports, publishes } = fakePorts(subscribers);
      await receiveNotice(
        SHINAGAWA_TOPIC,
        JSON.stringify({ ...sample(), noticeId: crypto.randomUUID() }),
        ports,
      );
      expect(publishes).toHaveLength(1);
    }
  });
});

describe('notices: the push message', () => {
  it('has APNs, APNs sandbox and FCM payloads, cut to what notifications show, with the deep link', () => {
    const notice = parseNotice(
      JSON.stringify({ ...sample(), title: '長'.repeat(100), body: '本文'.repeat(900) }),
    );
    const message = JSON.parse(pushMessage(notice, { code: '131091', name: '品川区' }));
    const apns = JSON.parse(message.APNS);
    const gcm = JSON.parse(message.GCM);
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
