import * as os from 'node:os';

/**
 * Where the local runtime listens (`XID_HOST`), and which `Host` names its API answers. By default it
 * listens on 127.0.0.1 only; a phone on the network needs `XID_HOST` set to an address of this machine
 * (or `0.0.0.0` for all), which the runtime announces with a warning. Links it hands out (the terms' `url`,
 * the confirmation mail's link) are built from the `Host` the client used, so only names of this machine
 * are answered: a request naming any other host is refused, and so cannot plant its name in a link.
 */
export const DEFAULT_HOST = '127.0.0.1';

/** The Android emulator's name for the host's loopback: its requests arrive on 127.0.0.1 with this `Host`. */
export const ANDROID_EMULATOR_HOST = '10.0.2.2';

/** 127.0.0.0/8, ::1 and `localhost`. */
export function isLoopback(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare) || bare === '::ffff:127.0.0.1'
  );
}

const isWildcard = (host: string) => host === '0.0.0.0' || host === '::' || host === '[::]';

/** `XID_HOST`, checked: the address to listen on, and the warning to print when it is not loopback. */
export function listenHost(value: string | undefined = process.env.XID_HOST): {
  host: string;
  warning?: string;
} {
  const host = value === undefined || value.trim() === '' ? DEFAULT_HOST : value.trim();
  if (!/^[0-9A-Za-z.:[\]-]+$/.test(host))
    throw new Error(`XID_HOST must be an address of this machine: ${host}`);
  if (isLoopback(host)) return { host };
  return {
    host,
    warning:
      `XID_HOST=${host}: the local runtime now answers other machines on this network too, over plain HTTP, ` +
      'with test keys and test data. Use it on a network you trust, and unset XID_HOST when you are done.',
  };
}

/** The URL the runtime's own tools use to reach the gateway (loopback when it listens everywhere). */
export function gatewayUrl(host: string, port: number): string {
  if (isWildcard(host)) return `http://${DEFAULT_HOST}:${port}`;
  return `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;
}

/**
 * The host names (without port, lower case) that the API answers: loopback names and the Android
 * emulator's alias always; and, when listening beyond loopback, the listening address, or for `0.0.0.0`
 * every address of this machine's interfaces, with its host name and `<host name>.local` (Bonjour).
 */
export function answeredHostnames(
  host: string,
  interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]> = os.networkInterfaces(),
  hostname: string = os.hostname(),
): Set<string> {
  const names = new Set(['127.0.0.1', 'localhost', '[::1]', ANDROID_EMULATOR_HOST]);
  const add = (address: string) =>
    names.add((address.includes(':') && !address.startsWith('[') ? `[${address}]` : address).toLowerCase());
  if (isWildcard(host)) {
    for (const info of Object.values(interfaces).flat()) if (info) add(info.address);
    add(hostname);
    add(`${hostname}.local`);
  } else {
    add(host);
  }
  return names;
}

/**
 * The host name of a `Host` header, lower case, without the port; undefined unless the header is exactly a
 * name or address and an optional port (no user part, no path: it ends up in links).
 */
export function hostnameOf(hostHeader: string | undefined): string | undefined {
  const match = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/.exec(hostHeader ?? '');
  return match?.[1]?.toLowerCase();
}
