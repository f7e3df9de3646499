import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { runCommand } from '#lib/local/commands';
import { ensureLocalPki, type LocalPki } from '#lib/local/pki';
import { type IssuedCard, issueCard } from '#test/harness/cards';
import { ApiClient, ApiError } from '#test/harness/phone/api';
import type { KdfCost } from '#test/harness/phone/device-keys';
import { latestLink } from '#test/harness/phone/mailbox';
import { VirtualPhone } from '#test/harness/phone/phone';
import { newStateDir, type RuntimeProcess, startRuntimeProcess } from '../integration/local-runtime.ts';
import { tableOf } from './table.ts';

/** Cheap scrypt for the phones of end-to-end tests (the default cost is tested in the harness's tests). */
export const TEST_KDF: KdfCost = { N: 2 ** 10, r: 8, p: 1 };
export const PIN1 = '1234';
export const PIN2 = '567890';

/**
 * One local runtime for a test file, with its local PKI made first so that tests can issue cards from it
 * (and prepare CRLs or extra anchors in `prepare` before the runtime reads them).
 */
export interface World {
  runtime: RuntimeProcess;
  api: ApiClient;
  table: ReturnType<typeof tableOf>;
  pki: LocalPki;
  /** A phone with PIN1/PIN2 set, registered with a fresh card for `who`. */
  registeredPhone(who?: Parameters<typeof issueCard>[1], card?: IssuedCard): Promise<VirtualPhone>;
  /** The same, activated: it holds an access token. */
  activePhone(who?: Parameters<typeof issueCard>[1]): Promise<VirtualPhone>;
  /** Onboards a municipality with `npm run municipality -- onboard`, so that it publishes notices. */
  onboard(code: string, publisher: string): Promise<string>;
  /**
   * A resident some time after registering, for the flows that come later (recovery, deletion): an active
   * phone that logged in again, a verified e-mail address, a push device and the notices on (the
   * municipality must be onboarded).
   */
  settledResident(who?: Parameters<typeof issueCard>[1]): Promise<SettledResident>;
  /** Publishes a notice as the municipality would (`npm run municipality -- publish`); its id. */
  publish(code: string, title: string): Promise<string>;
  /** The ids of the notices the local push gateway delivered to a device token, in order. */
  pushedNoticeIds(device: string): Promise<string[]>;
  stop(): Promise<void>;
}

/** What `settledResident` gives: the card, the phone, its push device token and the verified address. */
export interface SettledResident {
  card: IssuedCard;
  phone: VirtualPhone;
  device: string;
  email: string;
}

/** An API call's outcome as `200` or `'<status> <code>'`, for tests of races and refusals. */
export async function outcomeOf(run: Promise<unknown>): Promise<number | string> {
  try {
    await run;
    return 200;
  } catch (error) {
    if (error instanceof ApiError) return `${error.status} ${error.code}`;
    throw error;
  }
}

/** 品川区 and the publisher it is onboarded with in the end-to-end tests. */
export const SHINAGAWA = { code: '131091', publisher: 'arn:aws:iam::210987654321:role/shinagawa-notices' };

/**
 * The world of a test file with 品川区 onboarded: started before the file's tests, stopped after them. The
 * world is there from the first test on (reading it earlier is an error).
 */
export function shinagawaWorld(): World {
  let started: World | undefined;
  beforeAll(async () => {
    started = await startWorld();
    await started.onboard(SHINAGAWA.code, SHINAGAWA.publisher);
  }, 180_000);
  afterAll(async () => {
    await started?.stop();
  });
  return new Proxy({} as World, {
    get(_, member) {
      if (!started) throw new Error('the world starts before the first test');
      return Reflect.get(started, member);
    },
  });
}

export async function startWorld(
  prepare: (pki: LocalPki, stateDir: string) => Promise<Record<string, string> | undefined> = async () =>
    undefined,
): Promise<World> {
  const stateDir = newStateDir();
  const pki = await ensureLocalPki(stateDir);
  const env = (await prepare(pki, stateDir)) ?? {};
  const runtime = await startRuntimeProcess(env, stateDir);
  const api = new ApiClient(runtime.apiUrl);
  const table = tableOf(runtime.record);
  const registeredPhone = async (who: Parameters<typeof issueCard>[1] = {}, card?: IssuedCard) => {
    const issued = card ?? (await issueCard(pki, who));
    const phone = new VirtualPhone();
    await phone.setPins(PIN1, PIN2, { kdf: TEST_KDF });
    await phone.register(api, issued.reissue(), issued.holder.signPin);
    return phone;
  };
  return {
    runtime,
    api,
    table,
    pki,
    registeredPhone,
    onboard: (code, publisher) =>
      runCommand('bin/municipality.ts', ['onboard', code, '--publisher', publisher], {
        ...process.env,
        XID_LOCAL_DIR: runtime.stateDir,
      }),
    activePhone: async (who = {}) => {
      const phone = await registeredPhone(who);
      await phone.activate(api, PIN1, PIN2);
      return phone;
    },
    settledResident: async (who = {}) => {
      const card = await issueCard(pki, who);
      const phone = await registeredPhone({}, card);
      await phone.activate(api, PIN1, PIN2);
      await phone.login(api, PIN1);
      const token = phone.accessToken as string;
      const email = `resident.${randomUUID()}@example.jp`;
      await api.setEmail(token, email);
      await fetch(await latestLink(runtime.record.mailboxUrl, email));
      const device = randomBytes(32).toString('hex');
      await api.registerPush(token, 'APNS_SANDBOX', device);
      await phone.turnNoticesOn(api);
      return { card, phone, device, email };
    },
    pushedNoticeIds: async (device) =>
      (await api.localPushes(device)).map((push) => JSON.parse(push.payload.APNS).noticeId as string),
    publish: async (code, title) => {
      const noticeId = randomUUID();
      await runCommand(
        'bin/municipality.ts',
        ['publish', code, '--title', title, '--body', '本文', '--id', noticeId],
        {
          ...process.env,
          XID_LOCAL_DIR: runtime.stateDir,
        },
      );
      return noticeId;
    },
    stop: async () => {
      table.close();
      await runtime.stop();
    },
  };
}
