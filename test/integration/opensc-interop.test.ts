import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '#lib/paths';
import { VPCD_PORT } from '#test/harness/vpcd/bridge';

/**
 * The independent check that the virtual card behaves like a card: real PC/SC software (pcscd with
 * vsmartcard's vpcd driver, and OpenSC's JPKI driver) talks to it through the vpcd bridge, exactly as it
 * would to a My Number card in a reader. Needs root and the Debian packages pcscd, vsmartcard-vpcd,
 * opensc and openssl; CI installs them. Elsewhere the test says what is missing and is skipped; in CI a
 * missing tool is a failure.
 */
const PKCS11_MODULE = '/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so';
const VPCD_DRIVER = '/usr/lib/pcsc/drivers/serial/libifdvpcd.so';

function missing(): string[] {
  const lacks: string[] = [];
  for (const tool of ['pcscd', 'opensc-tool', 'pkcs15-tool', 'pkcs11-tool', 'openssl']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) lacks.push(tool);
  }
  if (!existsSync(VPCD_DRIVER)) lacks.push('vsmartcard-vpcd');
  const module = [PKCS11_MODULE, '/usr/lib/aarch64-linux-gnu/opensc-pkcs11.so'].find(existsSync);
  if (!module) lacks.push('opensc-pkcs11.so');
  if (process.getuid?.() !== 0) lacks.push('root (pcscd)');
  return lacks;
}

const lacking = missing();
if (lacking.length > 0) {
  if (process.env.CI) throw new Error(`OpenSC interop test: missing in CI: ${lacking.join(', ')}`);
  console.warn(
    `OpenSC interop test skipped: missing ${lacking.join(', ')} (apt-get install pcscd vsmartcard-vpcd opensc)`,
  );
}
const pkcs11Module =
  [PKCS11_MODULE, '/usr/lib/aarch64-linux-gnu/opensc-pkcs11.so'].find(existsSync) ?? PKCS11_MODULE;

const SIGN_PIN = 'XID2026CARD';
/** vpcd's port for a pcscd started by this test: below the ephemeral range (32768–60999). */
const TEST_VPCD_PORT = 29963;
const AUTH_PIN = '4321';
const HOLDER = { name: '公的\u3000花子', dob: '1966-11-10', address: '東京都品川区広町2-1-10' };

let pcscd: ChildProcess | undefined;
let bridge: ChildProcess | undefined;
const work = mkdtempSync(path.join(tmpdir(), 'xid-opensc-'));

function run(tool: string, args: string[]): { status: number | null; out: string } {
  const result = spawnSync(tool, args, { encoding: 'utf8', timeout: 60_000, cwd: work });
  return { status: result.status, out: `${result.stdout}${result.stderr}` };
}

/** Whether something listens on a TCP port, read from /proc (a probe connection would look like a card to vpcd). */
function listening(port: number): boolean {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return ['/proc/net/tcp', '/proc/net/tcp6'].some((file) => {
    try {
      return readFileSync(file, 'utf8')
        .split('\n')
        .some((line) => {
          const [, local, , state] = line.trim().split(/\s+/);
          return local?.endsWith(hex) && state === '0A';
        });
    } catch {
      return false;
    }
  });
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe.skipIf(lacking.length > 0)('OpenSC against the virtual card through pcscd and vpcd', () => {
  beforeAll(async () => {
    let pcscdOutput = '';
    // A pcscd already running uses the system's vpcd port; one started here gets its own reader
    // configuration with a port below the ephemeral range: vpcd's default, 35963, lies inside it, so any
    // outgoing connection of the test run may hold it and make vpcd fail with "Address already in use".
    let port = VPCD_PORT;
    if (spawnSync('pgrep', ['-x', 'pcscd']).status !== 0) {
      port = TEST_VPCD_PORT;
      const config = mkdtempSync(path.join(tmpdir(), 'xid-pcscd-'));
      writeFileSync(
        path.join(config, 'vpcd'),
        `FRIENDLYNAME "Virtual PCD"\nDEVICENAME /dev/null:0x${port.toString(16)}\nLIBPATH ${VPCD_DRIVER}\nCHANNELID 0x${port.toString(16)}\n`,
      );
      pcscd = spawn('pcscd', ['--foreground', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
      pcscd.stdout?.on('data', (chunk) => {
        pcscdOutput += String(chunk);
      });
      pcscd.stderr?.on('data', (chunk) => {
        pcscdOutput += String(chunk);
      });
    }
    // pcscd is ready for a card when vsmartcard's driver listens on its port.
    await waitFor(
      () => listening(port) || (pcscd !== undefined && pcscd.exitCode !== null),
      'pcscd and vpcd',
      30_000,
    );
    if (pcscd && pcscd.exitCode !== null)
      throw new Error(`pcscd exited with ${pcscd.exitCode}:\n${pcscdOutput}`);
    bridge = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'bin/card.ts',
        'vpcd',
        '--name',
        HOLDER.name,
        '--gender',
        'female',
        '--dob',
        HOLDER.dob,
        '--address',
        HOLDER.address,
        '--sign-pin',
        SIGN_PIN,
        '--auth-pin',
        AUTH_PIN,
        '--port',
        String(port),
      ],
      // The card comes from a local PKI (npm start's); this test's own, in its work folder.
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, XID_LOCAL_DIR: work } },
    );
    let output = '';
    bridge.stdout?.on('data', (chunk) => {
      output += String(chunk);
    });
    bridge.stderr?.on('data', (chunk) => {
      output += String(chunk);
    });
    await waitFor(() => output.includes('ready') || bridge?.exitCode !== null, 'the card bridge', 60_000);
    if (!output.includes('ready'))
      throw new Error(`the card bridge did not start:\n${output}\npcscd:\n${pcscdOutput}`);
    await waitFor(() => run('opensc-tool', ['--list-readers']).out.includes('Yes'), 'a reader with a card');
  }, 120_000);

  afterAll(async () => {
    for (const child of [bridge, pcscd]) {
      if (child && child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
    }
  });

  it('recognises the card as JPKI', () => {
    expect(run('opensc-tool', ['--name']).out).toMatch(/^jpki$/m);
  });

  it('lists the four certificates at their EFs', () => {
    const { out } = run('pkcs15-tool', ['--list-certificates']);
    for (const [label, ef] of [
      ['User Authentication Certificate', '000a'],
      ['Digital Signature Certificate', '0001'],
      ['User Authentication Certificate CA', '000b'],
      ['Digital Signature Certificate CA', '0002'],
    ]) {
      expect(out).toMatch(new RegExp(`\\[${label}\\][\\s\\S]*?Path\\s+: ${ef}`));
    }
  });

  it('reports 3 tries for the authentication PIN and 5 for the signature PIN', () => {
    const { out } = run('pkcs15-tool', ['--list-pins']);
    expect(out).toMatch(/User Authentication PIN[\s\S]*?Tries left\s+: 3/);
    expect(out).toMatch(/Digital Signature PIN[\s\S]*?Tries left\s+: 5/);
  });

  it('reads the signature certificate only after the signature PIN, with the four items in its SAN', () => {
    const without = run('pkcs15-tool', ['--read-certificate', '02']);
    expect(without.out).not.toContain('BEGIN CERTIFICATE');
    const withPin = run('pkcs15-tool', [
      '--read-certificate',
      '02',
      '--verify-pin',
      '--auth-id',
      '02',
      '--pin',
      SIGN_PIN,
    ]);
    expect(withPin.out).toContain('BEGIN CERTIFICATE');
    const pem = withPin.out.slice(withPin.out.indexOf('-----BEGIN CERTIFICATE-----'));
    writeFileSync(path.join(work, 'sign.pem'), pem);
    const text = execFileSync('openssl', ['x509', '-in', 'sign.pem', '-noout', '-text'], {
      cwd: work,
      encoding: 'utf8',
    });
    expect(text).toContain(`1.2.392.200149.8.5.5.1::${HOLDER.name}`);
    expect(text).toContain('1.2.392.200149.8.5.5.3::2');
    expect(text).toContain('1.2.392.200149.8.5.5.4::319661110');
    expect(text).toContain(`1.2.392.200149.8.5.5.5::${HOLDER.address}`);
  });

  it('signs with SHA256-RSA-PKCS through the OpenSC PKCS#11 module, and OpenSSL verifies it', () => {
    writeFileSync(path.join(work, 'message.bin'), 'xID registration statement');
    const signed = run('pkcs11-tool', [
      '--module',
      pkcs11Module,
      '--token-label',
      'JPKI (Digital Signature PIN)',
      '--login',
      '--pin',
      SIGN_PIN,
      '--sign',
      '--mechanism',
      'SHA256-RSA-PKCS',
      '--id',
      '02',
      '--input-file',
      'message.bin',
      '--output-file',
      'message.sig',
    ]);
    expect(signed.status, signed.out).toBe(0);
    execFileSync('openssl', ['x509', '-in', 'sign.pem', '-pubkey', '-noout', '-out', 'sign.pub'], {
      cwd: work,
    });
    const verified = run('openssl', [
      'dgst',
      '-sha256',
      '-verify',
      'sign.pub',
      '-signature',
      'message.sig',
      'message.bin',
    ]);
    expect(verified.out).toContain('Verified OK');
  });

  it('shows one try fewer after a wrong signature PIN', () => {
    const wrong = run('pkcs15-tool', ['--verify-pin', '--auth-id', '02', '--pin', 'WRONG1234']);
    expect(wrong.status).not.toBe(0);
    expect(run('pkcs15-tool', ['--list-pins']).out).toMatch(/Digital Signature PIN[\s\S]*?Tries left\s+: 4/);
  });
});
