#!/usr/bin/env -S npx tsx
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';

/**
 * Writes `key-pool.json`: RSA-2048 test keys that the test PKI hands out before it generates any (keys.ts),
 * so that a test file issuing a dozen cards does not spend seconds on key generation on a loaded machine.
 * Test keys only, public in this repository; never used for anything but test certificates.
 * Run: npx tsx test/harness/pki/make-key-pool.ts
 */
const COUNT = 48;
const keys = Array.from({ length: COUNT }, () =>
  generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 })
    .privateKey.export({ format: 'der', type: 'pkcs8' })
    .toString('base64'),
);
writeFileSync(
  new URL('./key-pool.json', import.meta.url),
  `${JSON.stringify({ note: 'RSA-2048 TEST KEYS ONLY (see make-key-pool.ts); never trusted outside tests', keys }, null, 1)}\n`,
);
