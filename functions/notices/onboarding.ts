import { randomUUID } from 'node:crypto';
import { allEntries, type Municipality } from '../municipality/municipalities.ts';
import type { MunicipalityRecord } from './model.ts';
import { parseNotice } from './notice.ts';
import type { OnboardingPorts } from './ports.ts';

/**
 * Onboarding of municipalities for notices (design.md §3.5), as `npm run municipality` runs it: each gets
 * an ingest topic that only its publisher may publish to (TLS only, encrypted with a key the publisher may
 * use through SNS), subscribed to the notices function, and a record that the notices function and
 * `GET /v1/me/municipality` read. Offboarding removes all of it; published notices stay readable.
 */
export class OnboardingError extends Error {
  override name = 'OnboardingError';
}

/** The municipality of a 6-digit 全国地方公共団体コード, or a clear refusal. */
export function municipalityOfCode(code: string | undefined): Municipality {
  if (!code || !/^\d{6}$/.test(code))
    throw new OnboardingError('give the 6-digit 全国地方公共団体コード, e.g. 131091');
  const found = allEntries().find((e) => e.municipality.code === code)?.municipality;
  if (!found)
    throw new OnboardingError(
      `${code} is not a municipality code (designated cities: the city's code, e.g. 141003)`,
    );
  return found;
}

const PUBLISHER = /^arn:aws:iam::\d{12}:(root|role\/.+|user\/.+)$/;

export async function onboard(
  code: string | undefined,
  publisher: string | undefined,
  ports: OnboardingPorts,
) {
  const municipality = municipalityOfCode(code);
  if (!publisher || !PUBLISHER.test(publisher)) {
    throw new OnboardingError(
      '--publisher must be the IAM principal ARN of the municipality (arn:aws:iam::<account>:role/…)',
    );
  }
  const keyArn = await ports.createIngestKey(municipality, publisher);
  const ingestTopicArn = await ports.createIngestTopic(municipality, publisher, keyArn);
  await ports.connectNoticesFunction(ingestTopicArn);
  const record: MunicipalityRecord = {
    code: municipality.code,
    name: municipality.name,
    prefecture: municipality.prefecture,
    ingestTopicArn,
    publisher,
    onboardedAt: ports.now().toISOString(),
  };
  await ports.saveMunicipality(record);
  return record;
}

export async function offboard(code: string | undefined, ports: OnboardingPorts) {
  const municipality = municipalityOfCode(code);
  const record = await ports.municipalityRecord(municipality.code);
  if (record) await ports.disconnectNoticesFunction(record.ingestTopicArn);
  await ports.deleteIngestTopic(municipality.code);
  await ports.deleteIngestKey(municipality.code);
  await ports.deleteMunicipality(municipality.code);
  return municipality;
}

/** Publishes a notice as the municipality would, checked first with the same rules the notices function uses. */
export async function publishNotice(
  code: string | undefined,
  input: { title?: string; body?: string; category?: string; url?: string; noticeId?: string },
  ports: OnboardingPorts,
) {
  const municipality = municipalityOfCode(code);
  if (!input.title || !input.body) throw new OnboardingError('--title and --body are required');
  const message = JSON.stringify({
    schema: 'xid/notice/v1',
    noticeId: input.noticeId ?? randomUUID(),
    title: input.title,
    body: input.body,
    category: input.category ?? 'administration',
    ...(input.url ? { url: input.url } : {}),
    publishedAt: ports.now().toISOString(),
  });
  const notice = parseNotice(message);
  const messageId = await ports.publishToIngest(municipality.code, message);
  return { municipality, noticeId: notice.noticeId, messageId };
}
