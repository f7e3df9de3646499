import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureLocalPki, LocalPkiError } from '#lib/local/pki';

const dir = mkdtempSync(path.join(tmpdir(), 'xid-pki-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the local CRLs', () => {
  it('one that cannot be read stops the start instead of being replaced by an empty one', async () => {
    const pki = await ensureLocalPki(dir);
    const names = readdirSync(pki.crlDir).filter((name) => name.endsWith('.crl'));
    expect(names.length).toBeGreaterThan(0);
    const file = path.join(pki.crlDir, names[0] as string);
    writeFileSync(file, Buffer.from('not a CRL'));
    await expect(ensureLocalPki(dir)).rejects.toThrow(LocalPkiError);
    expect(readFileSync(file, 'utf8')).toBe('not a CRL');
  });
});
