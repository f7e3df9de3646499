import { describe, expect, it } from 'vitest';
import type { MunicipalityRecord } from '#functions/notices/model';
import { NoticeRejectedError } from '#functions/notices/notice';
import {
  municipalityOfCode,
  OnboardingError,
  offboard,
  onboard,
  publishNotice,
} from '#functions/notices/onboarding';
import type { OnboardingPorts } from '#functions/notices/ports';

/** Onboarding of municipalities (`npm run municipality`) with every port in memory. */
const PUBLISHER = 'arn:aws:iam::210987654321:role/shinagawa-notices';

function fake() {
  const records = new Map<string, MunicipalityRecord>();
  const log: string[] = [];
  const ports: OnboardingPorts = {
    municipalityRecord: async (code) => records.get(code),
    saveMunicipality: async (record) => {
      records.set(record.code, record);
    },
    deleteMunicipality: async (code) => {
      records.delete(code);
    },
    municipalities: async () => [...records.values()],
    createIngestKey: async (m, publisher) => {
      log.push(`key ${m.code} ${publisher}`);
      return `arn:key/${m.code}`;
    },
    deleteIngestKey: async (code) => {
      log.push(`delete key ${code}`);
    },
    createIngestTopic: async (m, _publisher, key) => {
      log.push(`topic ${m.code} ${key}`);
      return `arn:aws:sns:ap-northeast-1:123456789012:xid-local-ingest-${m.code}`;
    },
    deleteIngestTopic: async (code) => {
      log.push(`delete topic ${code}`);
    },
    connectNoticesFunction: async (topic) => {
      log.push(`connect ${topic.split(':').at(-1)}`);
    },
    disconnectNoticesFunction: async (topic) => {
      log.push(`disconnect ${topic.split(':').at(-1)}`);
    },
    publishToIngest: async (code, message) => {
      log.push(`publish ${code} ${JSON.parse(message).title}`);
      return 'message-1';
    },
    now: () => new Date('2026-11-27T03:00:00Z'),
  };
  return { ports, records, log };
}

describe('onboarding', () => {
  it('makes the key, the topic with its publisher, the subscription and the record, in that order', async () => {
    const { ports, records, log } = fake();
    const record = await onboard('131091', PUBLISHER, ports);
    expect(record).toMatchObject({
      code: '131091',
      name: '品川区',
      prefecture: '東京都',
      publisher: PUBLISHER,
    });
    expect(log).toEqual([
      `key 131091 ${PUBLISHER}`,
      'topic 131091 arn:key/131091',
      'connect xid-local-ingest-131091',
    ]);
    expect(records.get('131091')?.ingestTopicArn).toMatch(/ingest-131091$/);
  });

  it('refuses codes that are not municipalities and publishers that are not IAM principals, creating nothing', async () => {
    const { ports, log } = fake();
    for (const code of [undefined, '13109', '999999']) {
      await expect(onboard(code, PUBLISHER, ports)).rejects.toThrow(OnboardingError);
    }
    for (const publisher of [undefined, 'someone', 'arn:aws:sns:ap-northeast-1:210987654321:topic']) {
      await expect(onboard('131091', publisher, ports)).rejects.toThrow(OnboardingError);
    }
    expect(log).toEqual([]);
    expect(municipalityOfCode('141003').name).toBe('横浜市');
  });

  it('offboards: disconnects, deletes the topic, the key and the record', async () => {
    const { ports, records, log } = fake();
    await onboard('131091', PUBLISHER, ports);
    log.length = 0;
    await offboard('131091', ports);
    expect(log).toEqual(['disconnect xid-local-ingest-131091', 'delete topic 131091', 'delete key 131091']);
    expect(records.size).toBe(0);
  });

  it('publishes only a notice the notices function would accept', async () => {
    const { ports, log } = fake();
    const published = await publishNotice(
      '131091',
      { title: '休館のお知らせ', body: '本日は休館します。' },
      ports,
    );
    expect(published.messageId).toBe('message-1');
    expect(log).toEqual(['publish 131091 休館のお知らせ']);
    await expect(
      publishNotice('131091', { title: 'x', body: 'y', url: 'http://insecure.example.jp/' }, ports),
    ).rejects.toThrow(NoticeRejectedError);
    await expect(publishNotice('131091', { title: 'x' }, ports)).rejects.toThrow(OnboardingError);
    expect(log).toHaveLength(1);
  });
});
