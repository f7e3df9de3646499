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
});
