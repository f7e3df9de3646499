import { randomUUID } from 'node:crypto';
import { allEntries, type Municipality } from '../municipality/municipalities.ts';
import type { MunicipalityRecord, NoticeReceipt } from './model.ts';
import { parseNotice } from './notice.ts';
import type { Change, OnboardingPorts } from './ports.ts';
import { publisherPolicy } from './topic-policy.ts';

/**
 * Onboarding of municipalities for notices (design.md §3.5, §3.12), as `npm run municipality` runs it:
 * each gets an ingest topic that only its publisher may publish to and a receipts topic that its publisher
 * may subscribe to (both TLS only, encrypted with the stage's one notices key), the notices function
 * subscribed to the ingest topic, and a record that the notices function and `GET /v1/me/municipality`
 * read. Every step is idempotent: a second `onboard` with the same arguments changes nothing and says so.
 * Offboarding removes all of it; published notices stay readable.
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

const ROLE = /^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

/**
 * The publisher must be the ARN of an IAM role in the municipality's account. An account's `:root` would
 * make a topic policy that only that account's root user can satisfy (the account is not delegated by
 * it); a user ARN means long-lived keys. Both are refused, with the reason.
 */
export function checkPublisher(publisher: string | undefined): string {
  if (publisher && /^arn:aws:iam::\d{12}:root$/.test(publisher)) {
    throw new OnboardingError(
      `--publisher ${publisher} is an account root: the topic policy would let only that account's root user publish. Give the ARN of the municipality's publisher role (arn:aws:iam::<account>:role/<name>)`,
    );
  }
  if (!publisher || !ROLE.test(publisher)) {
    throw new OnboardingError(
      '--publisher must be the ARN of the IAM role the municipality publishes with (arn:aws:iam::<account>:role/<name>)',
    );
  }
  return publisher;
}

/**
 * The domains a municipality's notices may link to, as given with `--domain` (repeatable): host names in
 * lower case (an internationalised one in its A-label form), with at least one dot, no IP address, no
 * wildcard. A link's host must be one of them or below one.
 */
export function checkDomains(domains: readonly string[]): string[] {
  return [
    ...new Set(
      domains.map((given) => {
        let host: string | undefined;
        try {
          host = new URL(`https://${given.trim()}/`).hostname.replace(/\.$/, '');
        } catch {
          host = undefined;
        }
        if (
          !host ||
          host !== given.trim().toLowerCase().replace(/\.$/, '') ||
          !/^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]([a-z0-9-]*[a-z0-9])?$/.test(host)
        ) {
          const ascii = host && host !== given ? ` (as a host name: ${host})` : '';
          throw new OnboardingError(
            `--domain ${given}${ascii} is not a domain name like city.shinagawa.tokyo.jp (no scheme, path, port, IP address or wildcard; an internationalised name in its xn-- form)`,
          );
        }
        return host;
      }),
    ),
  ];
}

export interface OnboardResult {
  record: MunicipalityRecord;
  /** What this run created or changed, one line each; empty when everything already was as asked. */
  changes: string[];
}

export async function onboard(
  code: string | undefined,
  publisherArn: string | undefined,
  ports: OnboardingPorts,
  /** The domains its notices may link to (`--domain`, repeatable); none given keeps those recorded. */
  domainNames: readonly string[] = [],
): Promise<OnboardResult> {
  const municipality = municipalityOfCode(code);
  const publisher = checkPublisher(publisherArn);
  const given = checkDomains(domainNames);
  const changes: string[] = [];
  const note = (what: string, change: Change) => {
    if (change !== 'unchanged') changes.push(`${what}: ${change}`);
  };
  // Topics first, the record last: a record never names a topic that does not exist.
  const ingest = await ports.ensureTopic('ingest', municipality, publisher);
  note(`ingest topic ${ingest.arn}`, ingest.change);
  const receipts = await ports.ensureTopic('receipts', municipality, publisher);
  note(`receipts topic ${receipts.arn}`, receipts.change);
  note('subscription of the notices function', await ports.connectNoticesFunction(municipality.code));
  const existing = await ports.municipalityRecord(municipality.code);
  const domains = given.length ? given : (existing?.domains ?? []);
  const record: MunicipalityRecord = {
    code: municipality.code,
    name: municipality.name,
    prefecture: municipality.prefecture,
    ingestTopicArn: ingest.arn,
    receiptsTopicArn: receipts.arn,
    publisher,
    domains,
    onboardedAt: existing?.onboardedAt ?? ports.now().toISOString(),
  };
  if (!existing || !sameRecord(existing, record)) {
    await ports.saveMunicipality(record);
    note('record', existing ? 'updated' : 'created');
  }
  return { record, changes };
}

function sameRecord(a: MunicipalityRecord, b: MunicipalityRecord): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof MunicipalityRecord>;
  return [...keys].every((key) => JSON.stringify(a[key]) === JSON.stringify(b[key]));
}

/** Replaces the link domains of an onboarded municipality (`npm run municipality -- domains`). */
export async function setDomains(
  code: string | undefined,
  domainNames: readonly string[],
  ports: OnboardingPorts,
): Promise<MunicipalityRecord> {
  const municipality = municipalityOfCode(code);
  const domains = checkDomains(domainNames);
  const record = await ports.municipalityRecord(municipality.code);
  if (!record) throw new OnboardingError(`${municipality.code} is not onboarded; onboard it first`);
  const updated = { ...record, domains };
  await ports.saveMunicipality(updated);
  return updated;
}

/** Removes everything onboarding made, whatever of it exists; says what it removed. */
export async function offboard(code: string | undefined, ports: OnboardingPorts) {
  const municipality = municipalityOfCode(code);
  const removed: string[] = [];
  if (await ports.disconnectNoticesFunction(municipality.code))
    removed.push('the notices function permission');
  if (await ports.deleteTopic('ingest', municipality.code)) removed.push('the ingest topic');
  if (await ports.deleteTopic('receipts', municipality.code)) removed.push('the receipts topic');
  if (await ports.municipalityRecord(municipality.code)) {
    await ports.deleteMunicipality(municipality.code);
    removed.push('the record');
  }
  return { municipality, removed };
}

export interface MunicipalityState {
  code: string;
  name: string;
  record?: MunicipalityRecord;
  ingestTopic: boolean;
  receiptsTopic: boolean;
  connected: boolean;
  /** What does not match: a record without its topics, topics without a record, a missing subscription. */
  drift: string[];
}

/** Every municipality with a record or a topic in the stage, and what of it does not match (drift). */
export async function listMunicipalities(ports: OnboardingPorts): Promise<MunicipalityState[]> {
  const [records, ingest, receipts] = await Promise.all([
    ports.municipalities(),
    ports.topicCodes('ingest'),
    ports.topicCodes('receipts'),
  ]);
  const codes = [...new Set([...records.map((r) => r.code), ...ingest, ...receipts])].sort();
  const states: MunicipalityState[] = [];
  for (const code of codes) {
    const record = records.find((r) => r.code === code);
    const hasIngest = ingest.includes(code);
    const hasReceipts = receipts.includes(code);
    const connected = hasIngest && (await ports.noticesFunctionConnected(code));
    const drift: string[] = [];
    if (!record) drift.push('topics without a record (offboard it, or onboard it again)');
    if (record && !hasIngest) drift.push('record without its ingest topic (onboard it again)');
    if (record && !hasReceipts) drift.push('no receipts topic (onboard it again)');
    if (hasIngest && !connected) drift.push('the ingest topic does not deliver to the notices function');
    let name = record ? `${record.prefecture}${record.name}` : code;
    if (!record) {
      const known = allEntries().find((e) => e.municipality.code === code)?.municipality;
      if (known) name = `${known.prefecture}${known.name}`;
    }
    states.push({ code, name, record, ingestTopic: hasIngest, receiptsTopic: hasReceipts, connected, drift });
  }
  return states;
}

/** A notice to publish: a whole message (e.g. read from a file), or its parts. */
export interface NoticeInput {
  message?: string;
  title?: string;
  body?: string;
  category?: string;
  url?: string;
  noticeId?: string;
}

export interface PublishOptions {
  /** Check the notice with the notices function's rules before publishing (default). */
  validate: boolean;
  /** How long to wait for the receipt, in milliseconds (0: do not wait). */
  waitMs: number;
  /** Between two looks at the receipts. */
  pollMs?: number;
}

/**
 * Publishes a notice as the municipality would: checked first with the same rules the notices function
 * uses (a `NoticeRejectedError` with the reasons, and nothing published), then sent to the ingest topic,
 * then its receipt awaited (undefined when none came in time).
 */
export async function publishNotice(
  code: string | undefined,
  input: NoticeInput,
  ports: OnboardingPorts,
  options: PublishOptions = { validate: true, waitMs: 0 },
): Promise<{ municipality: Municipality; messageId: string; receipt?: NoticeReceipt }> {
  const municipality = municipalityOfCode(code);
  const record = await ports.municipalityRecord(municipality.code);
  if (!record) throw new OnboardingError(`${municipality.name} (${municipality.code}) is not onboarded`);
  const message = input.message ?? composed(input, ports.now());
  if (options.validate) parseNotice(message, { domains: record.domains ?? [], now: ports.now() });
  const messageId = await ports.publishToIngest(municipality.code, message);
  const pollMs = options.pollMs ?? 500;
  for (let waited = 0; waited <= options.waitMs && options.waitMs > 0; waited += pollMs) {
    const receipt = (await ports.latestReceipts(municipality.code, 50)).find(
      (r) => r.messageId === messageId,
    );
    if (receipt) return { municipality, messageId, receipt };
    await ports.sleep(pollMs);
  }
  return { municipality, messageId };
}

function composed(input: NoticeInput, now: Date): string {
  if (!input.title || !input.body) throw new OnboardingError('--title and --body are required (or --file)');
  return JSON.stringify({
    schema: 'xid/notice/v1',
    noticeId: input.noticeId ?? randomUUID(),
    title: input.title,
    body: input.body,
    category: input.category ?? 'administration',
    ...(input.url ? { url: input.url } : {}),
    publishedAt: now.toISOString(),
  });
}

/** The latest receipts of a municipality, newest first. */
export async function latestReceipts(code: string | undefined, limit: number, ports: OnboardingPorts) {
  const municipality = municipalityOfCode(code);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new OnboardingError('--limit is 1 to 100');
  return { municipality, receipts: await ports.latestReceipts(municipality.code, limit) };
}

/**
 * The IAM policy for the municipality's own publisher role, with the stage's real ARNs (the municipality
 * attaches it in its account; docs/municipalities.ja.md explains how).
 */
export async function publisherPolicyOf(code: string | undefined, region: string, ports: OnboardingPorts) {
  const municipality = municipalityOfCode(code);
  return {
    municipality,
    policy: publisherPolicy({
      ingestTopicArn: ports.topicArnOf('ingest', municipality.code),
      receiptsTopicArn: ports.topicArnOf('receipts', municipality.code),
      noticesKeyArn: await ports.noticesKeyArn(),
      region,
    }),
  };
}
