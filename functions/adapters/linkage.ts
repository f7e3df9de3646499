import { readFile, stat } from 'node:fs/promises';
import { CertificateLinks, type LinkageReader } from '../jpki/linkage.ts';
import { isLocal, listOf, optional } from '../shared/config.ts';
import { ENV } from '../shared/env.ts';
import { logger } from '../shared/powertools.ts';
import { fetchBytes } from './sources.ts';

/**
 * The certificate linkage of this container (design.md §3.8), from `XID_LINKAGE_SOURCES`: S3 objects and
 * HTTPS URLs in AWS (read as trust material is, `sources.ts`), and, locally, files, which tell by their
 * modification time and size whether they changed since the last read.
 */
const isFile = (source: string) => isLocal() && !/^(s3|https?):\/\//.test(source);

export const linkageReader: LinkageReader = {
  async read(source, known) {
    if (!isFile(source)) return { bytes: await fetchBytes(source) };
    const path = source.startsWith('file://') ? new URL(source) : source;
    const info = await stat(path);
    const version = `${info.mtimeMs}:${info.size}`;
    return version === known ? 'unchanged' : { bytes: await readFile(path), version };
  },
};

let links: CertificateLinks | undefined;

/** The linkage, made on first use; sources that cannot be read are logged (their names only). */
export function certificateLinks(): CertificateLinks {
  links ??= new CertificateLinks(listOf(optional(ENV.linkageSources)), linkageReader, {
    onError: (source, error) =>
      logger.warn('certificate linkage source unusable', { source, error: String(error) }),
  });
  return links;
}
