import { runCommand } from '#lib/local/commands';
import { ensureLocalPki, type LocalPki } from '#lib/local/pki';
import { type IssuedCard, issueCard } from '#test/harness/cards';
import { ApiClient } from '#test/harness/phone/api';
import type { KdfCost } from '#test/harness/phone/device-keys';
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
  stop(): Promise<void>;
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
    stop: async () => {
      table.close();
      await runtime.stop();
    },
  };
}
