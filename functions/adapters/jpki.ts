import { RevocationChecker } from '../jpki/crl.ts';
import { loadTrustAnchors } from '../jpki/trust.ts';
import { JpkiVerifier } from '../jpki/verify.ts';
import { listOf, optional } from '../shared/config.ts';
import { ENV } from '../shared/env.ts';
import { logger } from '../shared/powertools.ts';
import { ProblemError } from '../shared/problems.ts';
import { certificatesFrom, derFrom, fetchBytes } from './sources.ts';

/**
 * The JPKI verifier of this container, built on first use from configuration: anchors from
 * `XID_TRUST_ANCHORS` (checked against the pinned J-LIS fingerprints; test anchors only where
 * `XID_ALLOW_TEST_ANCHORS` is true) and CRLs from `XID_CRL_SOURCES`. If the anchors cannot be had, no
 * certificate can be trusted: registration answers 503 and tries again on the next request.
 */
let building: Promise<JpkiVerifier> | undefined;

async function build(): Promise<JpkiVerifier> {
  const allowTest = optional(ENV.allowTestAnchors) === 'true';
  const ders = (await Promise.all(listOf(optional(ENV.trustAnchors)).map(fetchBytes))).flatMap(
    certificatesFrom,
  );
  if (ders.length === 0) throw new Error('no trust anchors are configured');
  const anchors = loadTrustAnchors(ders, { allowTest });
  logger.info('trust anchors loaded', {
    anchors: anchors.map((a) => ({ fingerprint: a.fingerprint, test: a.test })),
  });
  const revocation = new RevocationChecker(
    listOf(optional(ENV.crlSources)),
    async (source) => derFrom(await fetchBytes(source)),
    anchors,
    (source, error) => logger.warn('CRL source unusable', { source, error: String(error) }),
  );
  return new JpkiVerifier({ anchors, revocation });
}

export async function jpkiVerifier(): Promise<JpkiVerifier> {
  building ??= build().catch((error: unknown) => {
    building = undefined;
    logger.error(
      'JPKI trust configuration unusable',
      error instanceof Error ? error : new Error(String(error)),
    );
    throw new ProblemError('service_unavailable', 'Certificate verification is not available now');
  });
  return building;
}
