import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CertificateLinks,
  LinkageFormatError,
  type LinkageReader,
  parseLinks,
} from '#functions/jpki/linkage';

/** The certificate linkage (design.md §3.8): its format, chains of replacements, and when sources are read. */
const ISSUER =
  'OU=Japan Agency for Local Authority Information Systems,OU=JPKI for digital signature,O=JPKI,C=JP';
const OTHER_ISSUER = 'OU=JPKI for digital signature,O=Another CA,C=JP';

const document = (links: { issuer?: string; oldSerial: string; newSerial: string }[]) =>
  Buffer.from(
    JSON.stringify({
      schema: 'xid/certificate-links/v1',
      links: links.map((link) => ({ issuer: ISSUER, ...link })),
    }),
  );

/** Sources in memory: their bytes and a version each; reads are counted, failures on demand. */
function memorySources(initial: Record<string, { bytes: Buffer; version?: string }>) {
  const sources = new Map(Object.entries(initial));
  const reads: string[] = [];
  const failing = new Set<string>();
  const reader: LinkageReader = {
    async read(source, known) {
      reads.push(source);
      if (failing.has(source)) throw new Error(`${source} is unreachable`);
      const found = sources.get(source);
      if (!found) throw new Error(`no ${source}`);
      return found.version !== undefined && found.version === known ? 'unchanged' : found;
    },
  };
  return { sources, reads, failing, reader };
}

describe('parseLinks', () => {
  it('reads links per issuer and old serial', () => {
    const links = parseLinks(document([{ oldSerial: '0a01', newSerial: '0b02' }]));
    expect([...links.values()][0]?.get('0a01')).toEqual(new Set(['0b02']));
  });

  it.each([
    ['another schema', { schema: 'xid/certificate-links/v2', links: [] }],
    [
      'upper-case hex',
      { schema: 'xid/certificate-links/v1', links: [{ issuer: ISSUER, oldSerial: '0A01', newSerial: '0b' }] },
    ],
    [
      'a leading zero byte',
      { schema: 'xid/certificate-links/v1', links: [{ issuer: ISSUER, oldSerial: '000a', newSerial: '0b' }] },
    ],
    [
      'half a byte',
      { schema: 'xid/certificate-links/v1', links: [{ issuer: ISSUER, oldSerial: 'a01', newSerial: '0b' }] },
    ],
    [
      'an issuer that is not a name',
      { schema: 'xid/certificate-links/v1', links: [{ issuer: 'JPKI', oldSerial: '0a', newSerial: '0b' }] },
    ],
    ['no links member', { schema: 'xid/certificate-links/v1' }],
  ])('refuses a document with %s', (_, value) => {
    expect(() => parseLinks(Buffer.from(JSON.stringify(value)))).toThrow(LinkageFormatError);
  });

  it('throws nothing but LinkageFormatError, whatever the bytes', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 64 }),
          fc.json().map((j) => Buffer.from(j)),
        ),
        (bytes) => {
          try {
            parseLinks(bytes);
          } catch (error) {
            expect(error).toBeInstanceOf(LinkageFormatError);
          }
        },
      ),
    );
  });
});

describe('CertificateLinks', () => {
  it('links an old certificate to its replacement, however the issuer is spelled', async () => {
    const { reader } = memorySources({
      a: { bytes: document([{ oldSerial: '0a01', newSerial: '0b02' }]), version: '1' },
    });
    const links = new CertificateLinks(['a'], reader);
    expect(await links.status(ISSUER, '0a01', '0b02')).toBe('linked');
    // Values are compared exactly: a lower-cased value is another name.
    expect(await links.status(ISSUER.replace('O=JPKI', 'O=jpki'), '0a01', '0b02')).toBe('not_linked');
    expect(await links.status(ISSUER.replace(/,/g, ', ').replace('OU=', 'ou='), '0a01', '0b02')).toBe(
      'linked',
    );
    expect(await links.status(ISSUER, '0b02', '0a01')).toBe('not_linked');
    expect(await links.status(OTHER_ISSUER, '0a01', '0b02')).toBe('not_linked');
  });

  it('follows a chain of replacements (moved twice before re-verifying), and survives a cycle', async () => {
    const { reader } = memorySources({
      a: {
        bytes: document([
          { oldSerial: '01', newSerial: '02' },
          { oldSerial: '03', newSerial: '01' },
        ]),
      },
      b: {
        bytes: document([
          { oldSerial: '02', newSerial: '03' },
          { oldSerial: '03', newSerial: '04' },
        ]),
      },
    });
    const links = new CertificateLinks(['a', 'b'], reader);
    expect(await links.status(ISSUER, '01', '04')).toBe('linked');
    expect(await links.status(ISSUER, '01', '05')).toBe('not_linked');
  });

  it('stops following after maxChain replacements', async () => {
    const chain = Array.from({ length: 5 }, (_, i) => ({ oldSerial: `0${i + 1}`, newSerial: `0${i + 2}` }));
    const { reader } = memorySources({ a: { bytes: document(chain) } });
    expect(await new CertificateLinks(['a'], reader, { maxChain: 5 }).status(ISSUER, '01', '06')).toBe(
      'linked',
    );
    expect(await new CertificateLinks(['a'], reader, { maxChain: 4 }).status(ISSUER, '01', '06')).toBe(
      'not_linked',
    );
  });

  it('reads nothing and links nothing without sources', async () => {
    const { reader, reads } = memorySources({});
    expect(await new CertificateLinks([], reader).status(ISSUER, '01', '02')).toBe('not_linked');
    expect(reads).toEqual([]);
  });

  it('reads on first use, not again for a link it knows, and again for one it does not', async () => {
    const memory = memorySources({
      a: { bytes: document([{ oldSerial: '01', newSerial: '02' }]), version: '1' },
    });
    const links = new CertificateLinks(['a'], memory.reader);
    expect(await links.status(ISSUER, '01', '02')).toBe('linked');
    expect(await links.status(ISSUER, '01', '02')).toBe('linked');
    expect(memory.reads).toEqual(['a']);
    // The operator delivers a new link: the next miss reads the changed source and finds it.
    memory.sources.set('a', {
      bytes: document([
        { oldSerial: '01', newSerial: '02' },
        { oldSerial: '03', newSerial: '04' },
      ]),
      version: '2',
    });
    expect(await links.status(ISSUER, '03', '04')).toBe('linked');
    expect(await links.status(ISSUER, '05', '06')).toBe('not_linked');
    expect(memory.reads).toEqual(['a', 'a', 'a']);
  });

  it('reads a source that cannot say it is unchanged at most every rereadMs', async () => {
    const memory = memorySources({ a: { bytes: document([]) } });
    let now = 0;
    const links = new CertificateLinks(['a'], memory.reader, { rereadMs: 60_000, clock: () => now });
    for (let i = 0; i < 5; i++) expect(await links.status(ISSUER, '01', '02')).toBe('not_linked');
    expect(memory.reads).toHaveLength(1);
    memory.sources.set('a', { bytes: document([{ oldSerial: '01', newSerial: '02' }]) });
    now = 60_000;
    expect(await links.status(ISSUER, '01', '02')).toBe('linked');
    expect(memory.reads).toHaveLength(2);
  });

  it('shares one read among concurrent lookups', async () => {
    const memory = memorySources({ a: { bytes: document([]), version: '1' } });
    const links = new CertificateLinks(['a'], memory.reader);
    await Promise.all(Array.from({ length: 10 }, () => links.status(ISSUER, '01', '02')));
    expect(memory.reads).toHaveLength(1);
  });

  it('answers unknown for a miss while a source cannot be read, and still links what it knows', async () => {
    const errors: string[] = [];
    const memory = memorySources({
      a: { bytes: document([{ oldSerial: '01', newSerial: '02' }]), version: '1' },
      b: { bytes: Buffer.from('not json'), version: '1' },
    });
    const links = new CertificateLinks(['a', 'b'], memory.reader, {
      onError: (source) => errors.push(source),
    });
    expect(await links.status(ISSUER, '01', '02')).toBe('linked');
    expect(await links.status(ISSUER, '03', '04')).toBe('unknown');
    expect(errors).toEqual(['b', 'b']);
    memory.failing.add('a');
    memory.sources.set('b', { bytes: document([]), version: '2' });
    expect(await links.status(ISSUER, '01', '02')).toBe('linked');
    expect(await links.status(ISSUER, '03', '04')).toBe('unknown');
    memory.failing.delete('a');
    expect(await links.status(ISSUER, '03', '04')).toBe('not_linked');
  });
});
