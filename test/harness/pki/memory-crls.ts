import type { CrlObject, CrlReader } from '#functions/jpki/crl';

/**
 * CRL sources in memory, for the verifier's tests and benchmarks: a map of object id to bytes (or to an
 * Error, for a source that is down). Changing an entry gives it a new version, as a new upload would;
 * `reads` counts the objects actually read and `lists` the listings, so tests can assert what a check cost.
 */
export class MemoryCrls implements CrlReader {
  readonly reads: string[] = [];
  lists = 0;
  private readonly objects = new Map<string, { value: Uint8Array | Error; version: number }>();
  private counter = 0;

  constructor(initial: Record<string, Uint8Array | Error> = {}) {
    for (const [id, value] of Object.entries(initial)) this.set(id, value);
  }

  set(id: string, value: Uint8Array | Error): this {
    this.objects.set(id, { value, version: ++this.counter });
    return this;
  }

  delete(id: string): this {
    this.objects.delete(id);
    return this;
  }

  async list(): Promise<{ objects: CrlObject[]; failed: { source: string; error: unknown }[] }> {
    this.lists += 1;
    return {
      objects: [...this.objects.entries()].map(([id, { version }]) => ({
        source: 'memory',
        id,
        version: String(version),
      })),
      failed: [],
    };
  }

  async read(object: CrlObject): Promise<{ bytes: Uint8Array; version: string }> {
    this.reads.push(object.id);
    const found = this.objects.get(object.id);
    if (!found) throw new Error(`${object.id} is gone`);
    if (found.value instanceof Error) throw found.value;
    return { bytes: found.value, version: String(found.version) };
  }
}
