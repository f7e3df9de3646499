import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '#lib/paths';
import { startWorld, type World } from './world.ts';

/** `npm run demo` walks the whole guide against a running local runtime, as a newcomer would run it. */
let world: World;

beforeAll(async () => {
  world = await startWorld();
}, 180_000);

afterAll(async () => {
  await world?.stop();
});

describe('npm run demo', () => {
  it('walks the journey from the terms to a notice from 品川区, then moves to 横浜市鶴見区', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'bin/demo.ts', '--move'],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, XID_LOCAL_DIR: world.runtime.stateDir },
        timeout: 120_000,
      },
    );
    expect(stdout).toContain('"municipality":{"code":"131091","name":"品川区"}');
    expect(stdout).toContain('"name":"公的　花子","gender":"female","dateOfBirth":"1966-11-10"');
    expect(stdout).toContain('emailVerified = true');
    expect(stdout).toContain('push received: 品川区: 年末年始の窓口業務について');
    expect(stdout).toContain('the journey is complete');
    expect(stdout).toContain(
      '"municipality":{"code":"141003","name":"横浜市"},"previousMunicipality":{"code":"131091","name":"品川区"},"noticeSubscription":"moved"',
    );
    expect(stdout).toContain('"address":"神奈川県横浜市鶴見区鶴見中央3-20-1"');
    expect(stdout).toContain('push received: 横浜市: 粗大ごみの収集日について');
  }, 150_000);

  it('adds the chapter 機種変更 with --new-phone: the old phone is signed out, the new one gets the notices', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'bin/demo.ts', '--new-phone'],
      { cwd: REPO_ROOT, env: { ...process.env, XID_LOCAL_DIR: world.runtime.stateDir }, timeout: 120_000 },
    );
    expect(stdout).toContain("the old phone's token: 401 unauthorized");
    expect(stdout).toContain('【xID】機種変更・再設定の手続きが行われました');
    expect(stdout).toContain('new phone received: 品川区: 粗大ごみの収集日について');
    expect(stdout).not.toMatch(/old phone received: .*粗大ごみ/);
    expect(stdout).toContain('device_changed');
    expect(stdout).toContain("chain verified against GET /v1/me's {seq, hash}: true");
    expect(stdout).toContain('機種変更 — the ID lives on the new phone.');
  }, 150_000);

  it('adds the chapter 退会 with --leave: the account goes, its token stops, the card registers again', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'bin/demo.ts', '--leave'],
      { cwd: REPO_ROOT, env: { ...process.env, XID_LOCAL_DIR: world.runtime.stateDir }, timeout: 120_000 },
    );
    expect(stdout).toContain('204: the account is deleted');
    expect(stdout).toContain("the phone's token: 401 unauthorized");
    expect(stdout).toContain('pushes after leaving: 0');
    expect(stdout).toContain('a new account: yes (pending_activation)');
    expect(stdout).toContain('退会 — nothing of 花子 is left');
  }, 150_000);
});
