/**
 * DNS rebinding: a web page the developer opens can make its own name resolve to 127.0.0.1 and then read
 * and post to the local services as if it were same-origin. The browser still sends the page's name as
 * `Host`, so the local services (the gateway and the mailbox) answer only requests addressed to a loopback
 * name: `127.0.0.1`, `localhost` or `[::1]`, with any port.
 */
const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]']);

export function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  const match = /^(\[[0-9a-f:]+\]|[^:]+)(:\d{1,5})?$/i.exec(host.trim());
  return match !== null && LOOPBACK_NAMES.has((match[1] as string).toLowerCase());
}
