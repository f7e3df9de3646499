import { describe, expect, it } from 'vitest';
import type { MunicipalityRecord, NoticeReceipt } from '#functions/notices/model';
import { NoticeRejectedError } from '#functions/notices/notice';
import {
  latestReceipts,
  listMunicipalities,
  municipalityOfCode,
  OnboardingError,
  offboard,
  onboard,
  publisherPolicyOf,
  publishNotice,
  setDomains,
} from '#functions/notices/onboarding';
import type { Change, MunicipalityTopic, OnboardingPorts } from '#functions/notices/ports';

/** Onboarding of municipalities (`npm run municipality`) with every port in memory. */
const PUBLISHER = 'arn:aws:iam::210987654321:role/shinagawa-notices';
const OTHER_PUBLISHER = 'arn:aws:iam::210987654321:role/shinagawa-cms';

function fake() {
  const records = new Map<string, MunicipalityRecord>();
  const topics = new Map<string, { publisher: string }>();
  const connected = new Set<string>();
  const receipts: NoticeReceipt[] = [];
  const log: string[] = [];
  let sleeps = 0;
  const arn = (kind: MunicipalityTopic, code: string) =>
    `arn:aws:sns:ap-northeast-1:123456789012:xid-local-${kind}-${code}`;
  const ports: OnboardingPorts = {
    municipalityRecord: async (code) => records.get(code),
    saveMunicipality: async (record) => {
      log.push(`save ${record.code}`);
      records.set(record.code, { ...record });
    },
    deleteMunicipality: async (code) => {
      log.push(`delete record ${code}`);
      records.delete(code);
    },
    municipalities: async () => [...records.values()],
    ensureTopic: async (kind, m, publisher) => {
      const key = arn(kind, m.code);
      const existing = topics.get(key);
      let change: Change = 'unchanged';
      if (!existing) change = 'created';
      else if (existing.publisher !== publisher) change = 'updated';
      if (change !== 'unchanged') log.push(`${change} ${kind} ${m.code}`);
      topics.set(key, { publisher });
      return { arn: key, change };
    },
    deleteTopic: async (kind, code) => {
      log.push(`delete ${kind} ${code}`);
      connected.delete(kind === 'ingest' ? code : '');
      return topics.delete(arn(kind, code));
    },
    topicArnOf: arn,
    noticesKeyArn: async () => 'arn:aws:kms:ap-northeast-1:123456789012:key/notices',
    topicCodes: async (kind) =>
      [...topics.keys()].filter((k) => k.includes(`-${kind}-`)).map((k) => k.slice(-6)),
    connectNoticesFunction: async (code) => {
      if (connected.has(code)) return 'unchanged';
      log.push(`connect ${code}`);
      connected.add(code);
      return 'created';
    },
    noticesFunctionConnected: async (code) => connected.has(code),
    disconnectNoticesFunction: async () => false,
    publishToIngest: async (code, message) => {
      log.push(`publish ${code} ${JSON.parse(message).title}`);
      return `message-${log.length}`;
    },
    latestReceipts: async (_code, limit) => receipts.slice(0, limit),
    now: () => new Date('2026-11-27T03:00:00Z'),
    sleep: async () => {
      sleeps += 1;
    },
  };
  return { ports, records, topics, connected, receipts, log, sleeps: () => sleeps };
}

describe('onboarding', () => {
  it('makes both topics, the subscription and then the record', async () => {
    const { ports, records, log } = fake();
    const { record, changes } = await onboard('131091', PUBLISHER, ports);
    expect(record).toMatchObject({
      code: '131091',
      name: '品川区',
      prefecture: '東京都',
      publisher: PUBLISHER,
    });
    expect(record.receiptsTopicArn).toMatch(/receipts-131091$/);
    expect(log).toEqual([
      'created ingest 131091',
      'created receipts 131091',
      'connect 131091',
      'save 131091',
    ]);
    expect(changes).toHaveLength(4);
    expect(records.get('131091')?.ingestTopicArn).toMatch(/ingest-131091$/);
  });

  it('changes nothing, creates nothing and says so when run again with the same arguments', async () => {
    const { ports, log, records } = fake();
    await onboard('131091', PUBLISHER, ports);
    const before = structuredClone(records.get('131091'));
    log.length = 0;
    const again = await onboard('131091', PUBLISHER, ports);
    expect(again.changes).toEqual([]);
    expect(log).toEqual([]);
    expect(records.get('131091')).toEqual(before);
  });

  it('updates the topics and the record, keeping the onboarding date, for another publisher', async () => {
    const { ports, log, records } = fake();
    await onboard('131091', PUBLISHER, ports);
    log.length = 0;
    const { changes } = await onboard('131091', OTHER_PUBLISHER, ports);
    expect(log).toEqual(['updated ingest 131091', 'updated receipts 131091', 'save 131091']);
    expect(changes.map((c) => c.split(': ')[1])).toEqual(['updated', 'updated', 'updated']);
    expect(records.get('131091')).toMatchObject({
      publisher: OTHER_PUBLISHER,
      onboardedAt: '2026-11-27T03:00:00.000Z',
    });
  });

  it('refuses codes that are not municipalities and publishers that are not IAM principals, creating nothing', async () => {
    const { ports, log } = fake();
    for (const code of [undefined, '13109', '999999']) {
      await expect(onboard(code, PUBLISHER, ports)).rejects.toThrow(OnboardingError);
    }
    for (const publisher of [
      undefined,
      'someone',
      'arn:aws:sns:ap-northeast-1:210987654321:topic',
      'arn:aws:iam::210987654321:user/clerk',
      'arn:aws:iam::210987654321:role/',
      'arn:aws:iam::2109876543:role/short-account',
    ]) {
      await expect(onboard('131091', publisher, ports)).rejects.toThrow(
        /--publisher must be the ARN of the IAM role/,
      );
    }
    expect(log).toEqual([]);
    expect(municipalityOfCode('141003').name).toBe('横浜市');
  });

  it('refuses an account root as publisher, saying why, creating nothing', async () => {
    const { ports, log } = fake();
    await expect(onboard('131091', 'arn:aws:iam::210987654321:root', ports)).rejects.toThrow(
      /is an account root: the topic policy would let only that account's root user publish/,
    );
    expect(log).toEqual([]);
  });

  it('records the link domains given with --domain, as host names, and refuses anything else', async () => {
    const { ports, records } = fake();
    const { record } = await onboard('131091', PUBLISHER, ports, [
      'city.shinagawa.tokyo.jp',
      'CITY.Shinagawa.tokyo.jp.',
      'shinagawa-kankou.jp',
    ]);
    expect(record.domains).toEqual(['city.shinagawa.tokyo.jp', 'shinagawa-kankou.jp']);
    expect(records.get('131091')?.domains).toEqual(record.domains);
    expect((await onboard('141003', PUBLISHER, ports)).record.domains).toEqual([]);
    for (const bad of [
      'https://city.example.jp',
      'city.example.jp/path',
      '*.example.jp',
      '192.0.2.1',
      'localhost',
      'a b.jp',
      'x.jp:443',
    ]) {
      await expect(onboard('271004', PUBLISHER, ports, [bad])).rejects.toThrow(
        /--domain .* is not a domain name/,
      );
    }
    expect(records.has('271004')).toBe(false);
    expect((await setDomains('141003', ['www.city.yokohama.lg.jp'], ports)).domains).toEqual([
      'www.city.yokohama.lg.jp',
    ]);
    expect(records.get('141003')?.domains).toEqual(['www.city.yokohama.lg.jp']);
    // A later onboard without --domain keeps the domains recorded, and changes nothing.
    expect((await onboard('141003', PUBLISHER, ports)).changes).toEqual([]);
    expect(records.get('141003')?.domains).toEqual(['www.city.yokohama.lg.jp']);
    await expect(setDomains('271004', ['city.osaka.lg.jp'], ports)).rejects.toThrow(/not onboarded/);
  });

  it('offboards everything onboarding made, and says there was nothing the second time', async () => {
    const { ports, records, topics } = fake();
    await onboard('131091', PUBLISHER, ports);
    const first = await offboard('131091', ports);
    expect(first.removed).toEqual(['the ingest topic', 'the receipts topic', 'the record']);
    expect(records.size).toBe(0);
    expect(topics.size).toBe(0);
    expect((await offboard('131091', ports)).removed).toEqual([]);
  });

  it('lists drift: a record without its topics, topics without a record, an unsubscribed ingest topic', async () => {
    const { ports, topics, records, connected } = fake();
    for (const code of ['131091', '141003', '271004', '011002']) await onboard(code, PUBLISHER, ports);
    topics.delete('arn:aws:sns:ap-northeast-1:123456789012:xid-local-ingest-141003');
    records.delete('271004');
    connected.delete('011002');
    const states = await listMunicipalities(ports);
    expect(states.map((s) => [s.code, s.drift.length])).toEqual([
      ['011002', 1],
      ['131091', 0],
      ['141003', 1],
      ['271004', 1],
    ]);
    expect(states.find((s) => s.code === '141003')?.drift[0]).toMatch(/record without its ingest topic/);
    expect(states.find((s) => s.code === '271004')).toMatchObject({
      name: '大阪府大阪市',
      record: undefined,
    });
    expect(states.find((s) => s.code === '011002')?.drift[0]).toMatch(/does not deliver/);
  });
});

describe("the publisher's own IAM policy", () => {
  it('allows publishing to its ingest topic, the notices key through SNS, and subscribing to its receipts', async () => {
    const { ports } = fake();
    const { policy } = await publisherPolicyOf('131091', 'ap-northeast-1', ports);
    expect(policy.Statement.map((s) => [s.Action, s.Resource])).toEqual([
      ['sns:Publish', 'arn:aws:sns:ap-northeast-1:123456789012:xid-local-ingest-131091'],
      [['kms:GenerateDataKey', 'kms:Decrypt'], 'arn:aws:kms:ap-northeast-1:123456789012:key/notices'],
      [
        ['sns:Subscribe', 'sns:GetTopicAttributes'],
        'arn:aws:sns:ap-northeast-1:123456789012:xid-local-receipts-131091',
      ],
    ]);
    expect(policy.Statement[1]?.Condition).toEqual({
      StringEquals: { 'kms:ViaService': 'sns.ap-northeast-1.amazonaws.com' },
    });
  });
});

describe('publishing as a municipality', () => {
  const receipt = (messageId: string, status: NoticeReceipt['status']): NoticeReceipt => ({
    schema: 'xid/notice-receipt/v1',
    noticeId: null,
    messageId,
    status,
    at: '2026-11-27T03:00:01.000Z',
  });

  it('checks the notice first: a notice the function would reject is not published', async () => {
    const { ports, log } = fake();
    await onboard('131091', PUBLISHER, ports, ['city.shinagawa.tokyo.jp']);
    log.length = 0;
    await expect(
      publishNotice('131091', { title: 'x', body: 'y', url: 'https://phishing.example/' }, ports),
    ).rejects.toMatchObject({
      rejections: [
        { field: 'url', en: "url must be on the municipality's domains (city.shinagawa.tokyo.jp)." },
      ],
    });
    await expect(
      publishNotice('131091', { title: 'x', body: 'y', url: 'http://insecure.example.jp/' }, ports),
    ).rejects.toThrow(NoticeRejectedError);
    await expect(publishNotice('131091', { title: 'x' }, ports)).rejects.toThrow(OnboardingError);
    await expect(publishNotice('141003', { title: 'x', body: 'y' }, ports)).rejects.toThrow(/not onboarded/);
    expect(log).toEqual([]);
  });

  it('publishes, then waits for its own receipt by message id', async () => {
    const { ports, receipts, sleeps } = fake();
    await onboard('131091', PUBLISHER, ports);
    const waiting = { ...ports };
    let looks = 0;
    waiting.latestReceipts = async (code, limit) => {
      looks += 1;
      // The receipt of another message first, then ours on the third look.
      if (looks === 1) receipts.unshift(receipt('someone-else', 'accepted'));
      if (looks === 3) receipts.unshift(receipt(published ?? '', 'rejected'));
      return ports.latestReceipts(code, limit);
    };
    let published: string | undefined;
    const originalPublish = ports.publishToIngest;
    waiting.publishToIngest = async (code, message) => {
      published = await originalPublish(code, message);
      return published;
    };
    const result = await publishNotice('131091', { message: '{"not":"checked"}' }, waiting, {
      validate: false,
      waitMs: 5000,
      pollMs: 500,
    });
    expect(result.receipt).toMatchObject({ messageId: published, status: 'rejected' });
    expect(looks).toBe(3);
    expect(sleeps()).toBe(2);
  });

  it('gives up waiting after the time it was given, in looks not clock time', async () => {
    const { ports, sleeps } = fake();
    await onboard('131091', PUBLISHER, ports);
    const result = await publishNotice('131091', { title: '休館', body: '本日は休館します。' }, ports, {
      validate: true,
      waitMs: 2000,
      pollMs: 500,
    });
    expect(result.receipt).toBeUndefined();
    expect(sleeps()).toBe(5);
  });

  it('shows the latest receipts within a limit it checks', async () => {
    const { ports, receipts } = fake();
    receipts.push(receipt('m1', 'accepted'), receipt('m2', 'duplicate'));
    expect((await latestReceipts('131091', 1, ports)).receipts.map((r) => r.messageId)).toEqual(['m1']);
    await expect(latestReceipts('131091', 0, ports)).rejects.toThrow(OnboardingError);
  });
});
