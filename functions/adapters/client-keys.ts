import type { PublicJwk } from '../oidc/relying-party.ts';
import { checkJwks, RelyingPartyError } from '../oidc/relying-party.ts';

/**
 * The keys a relying party publishes at its JWKS URI, fetched over HTTPS (the URI was checked at
 * onboarding), at most 64 KiB, within 3 seconds, and kept for 5 minutes per warm container. A fetch that
 * fails or answers something other than a JWK Set of public signing keys gives no keys, so the client
 * simply cannot authenticate until it is fixed.
 */
const CACHE_MS = 5 * 60_000;
const FRESH_FETCH_MIN_MS = 30_000;
const MAX_BYTES = 64 * 1024;
const cache = new Map<string, { keys: PublicJwk[]; fetchedAt: number }>();

async function fetchJwks(uri: string): Promise<PublicJwk[]> {
  const response = await fetch(uri, {
    headers: { accept: 'application/jwk-set+json, application/json' },
    redirect: 'error',
    signal: AbortSignal.timeout(3000),
  });
  if (!response.ok) return [];
  const body = await response.arrayBuffer();
  if (body.byteLength > MAX_BYTES) return [];
  try {
    return checkJwks(JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body))).keys;
  } catch (error) {
    if (error instanceof RelyingPartyError || error instanceof SyntaxError || error instanceof TypeError)
      return [];
    throw error;
  }
}

export async function keysAt(uri: string, fresh: boolean, now = Date.now()): Promise<PublicJwk[]> {
  const cached = cache.get(uri);
  // A fresh fetch is asked for after a signature did not verify: allowed, but not more than every 30 s.
  const usable =
    cached && (fresh ? now - cached.fetchedAt < FRESH_FETCH_MIN_MS : now - cached.fetchedAt < CACHE_MS);
  if (usable) return cached.keys;
  let keys: PublicJwk[];
  try {
    keys = await fetchJwks(uri);
  } catch {
    // Unreachable now (a timeout, a refused connection, a redirect): the keys read before, if any, still
    // stand; a blip on the relying party's side must not lock it out for the cache's lifetime.
    keys = cached?.keys ?? [];
  }
  cache.set(uri, { keys, fetchedAt: now });
  return keys;
}
