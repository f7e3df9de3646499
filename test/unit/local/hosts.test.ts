import { describe, expect, it } from 'vitest';
import {
  ANDROID_EMULATOR_HOST,
  answeredHostnames,
  DEFAULT_HOST,
  gatewayUrl,
  hostnameOf,
  isLoopback,
  listenHost,
} from '#lib/local/hosts';

const interfaces = {
  lo: [
    { address: '127.0.0.1', family: 'IPv4' },
    { address: '::1', family: 'IPv6' },
  ],
  en0: [
    { address: '192.168.1.20', family: 'IPv4' },
    { address: 'fe80::1c2b:3ff:fe4d:5e6f', family: 'IPv6' },
  ],
} as unknown as Parameters<typeof answeredHostnames>[1];

describe('local runtime: where it listens (XID_HOST)', () => {
  it('listens on 127.0.0.1 by default, without a warning', () => {
    expect(listenHost(undefined)).toEqual({ host: DEFAULT_HOST });
    expect(listenHost('')).toEqual({ host: DEFAULT_HOST });
    expect(listenHost('127.0.0.2')).toEqual({ host: '127.0.0.2' });
    expect(listenHost('::1')).toEqual({ host: '::1' });
  });

  it('warns when it listens beyond loopback', () => {
    for (const host of ['0.0.0.0', '192.168.1.20', '::']) {
      const { host: listening, warning } = listenHost(host);
      expect(listening).toBe(host);
      expect(warning).toMatch(/other machines on this network/);
    }
  });

  it('refuses a value that is no address', () => {
    expect(() => listenHost('http://0.0.0.0')).toThrow(/XID_HOST/);
    expect(() => listenHost('a b')).toThrow(/XID_HOST/);
  });

  it('tells loopback addresses apart', () => {
    for (const address of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1'])
      expect(isLoopback(address), address).toBe(true);
    for (const address of ['0.0.0.0', '10.0.2.2', '192.168.1.20', '::', '128.0.0.1', 'localhost.example'])
      expect(isLoopback(address), address).toBe(false);
  });

  it("gives the runtime's tools a URL they can reach", () => {
    expect(gatewayUrl('127.0.0.1', 3000)).toBe('http://127.0.0.1:3000');
    expect(gatewayUrl('0.0.0.0', 3000)).toBe('http://127.0.0.1:3000');
    expect(gatewayUrl('::', 3000)).toBe('http://127.0.0.1:3000');
    expect(gatewayUrl('192.168.1.20', 3000)).toBe('http://192.168.1.20:3000');
    expect(gatewayUrl('::1', 3000)).toBe('http://[::1]:3000');
  });
});

describe('local runtime: the Host names it answers', () => {
  it('answers loopback names and the Android emulator alias only, by default', () => {
    expect(answeredHostnames('127.0.0.1', interfaces, 'dev-mac')).toEqual(
      new Set(['127.0.0.1', 'localhost', '[::1]', ANDROID_EMULATOR_HOST]),
    );
  });

  it('adds the listening address, or for 0.0.0.0 every address and name of this machine', () => {
    expect(answeredHostnames('192.168.1.20', interfaces, 'dev-mac').has('192.168.1.20')).toBe(true);
    expect(answeredHostnames('192.168.1.20', interfaces, 'dev-mac').has('dev-mac.local')).toBe(false);
    const all = answeredHostnames('0.0.0.0', interfaces, 'Dev-Mac');
    for (const name of ['192.168.1.20', '[fe80::1c2b:3ff:fe4d:5e6f]', 'dev-mac', 'dev-mac.local'])
      expect(all.has(name), name).toBe(true);
    expect(all.has('evil.example')).toBe(false);
  });

  it('reads the host name of a Host header, and nothing from one that could smuggle more into a link', () => {
    expect(hostnameOf('127.0.0.1:3000')).toBe('127.0.0.1');
    expect(hostnameOf('LOCALHOST')).toBe('localhost');
    expect(hostnameOf('[::1]:3000')).toBe('[::1]');
    expect(hostnameOf('10.0.2.2:3000')).toBe('10.0.2.2');
    for (const header of [undefined, '', 'evil.example@127.0.0.1', '127.0.0.1/x', '127.0.0.1:3000:1', 'a b'])
      expect(hostnameOf(header), String(header)).toBeUndefined();
  });
});
