import { createHash } from 'node:crypto';
import { RevocationChecker, type RevocationCheckerOptions } from '../jpki/crl.ts';
import { loadTrustAnchors, type TrustAnchor } from '../jpki/trust.ts';
import { JpkiVerifier } from '../jpki/verify.ts';
import { listOf, optional } from '../shared/config.ts';
import { ENV } from '../shared/env.ts';
import { logger, metrics } from '../shared/powertools.ts';
import { ProblemError } from '../shared/problems.ts';
import type { RevocationList, StatusCheckPorts } from '../status-check/ports.ts';
import { certificatesFrom, crlReader, fetchBytes } from './sources.ts';

/**
 * The JPKI verifier of this container, built on first use from configuration: anchors from
 * `XID_TRUST_ANCHORS` (checked against the pinned J-LIS fingerprints; test anchors only where
 * `XID_ALLOW_TEST_ANCHORS` is true) and CRLs from `XID_CRL_SOURCES`, used for at most
 * `XID_MAX_CRL_AGE_HOURS` after their thisUpdate. If the anchors cannot be had, no certificate can be
 * trusted: registration answers 503 and tries again on the next request.
 */
let building: Promise<JpkiVerifier> | undefined;

/** The configured trust anchors, checked. */
export async function trustAnchors(): Promise<TrustAnchor[]> {
  const allowTest = optional(ENV.allowTestAnchors) === 'true';
  const ders = (await Promise.all(listOf(optional(ENV.trustAnchors)).map(fetchBytes))).flatMap(
    certificatesFrom,
  );
  if (ders.length === 0) throw new Error('no trust anchors are configured');
  const anchors = loadTrustAnchors(ders, { allowTest });
  logger.info('trust anchors loaded', {
    anchors: anchors.map((a) => ({ fingerprint: a.fingerprint, test: a.test })),
  });
  return anchors;
}

/**
 * A revocation checker over the configured CRL sources whose findings go to the log: sources that cannot
 * be read, CRLs refused and why, and distribution points without a usable CRL (never personal data).
 */
export function revocationChecker(
  anchors: readonly TrustAnchor[],
  options: Partial<RevocationCheckerOptions> = {},
): RevocationChecker {
  const hours = Number(optional(ENV.maxCrlAgeHours) ?? 48);
  return new RevocationChecker({
    reader: crlReader(listOf(optional(ENV.crlSources))),
    anchors,
    maxCrlAgeHours: Number.isFinite(hours) && hours > 0 ? hours : 48,
    log: {
      sourceFailed: (source, error) => logger.warn('CRL source unreadable', { source, error: String(error) }),
      refused: (object, reason, distributionPoint) =>
        logger.warn('CRL refused', { object, reason, distributionPoint }),
      unavailable: (distributionPoint, reason) => {
        logger.error('revocation status unavailable', { distributionPoint, reason });
        metrics.addMetric('RevocationUnavailable', 'Count', 1);
      },
    },
    ...options,
  });
}

export async function jpkiVerifier(): Promise<JpkiVerifier> {
  building ??= (async () => {
    const anchors = await trustAnchors();
    return new JpkiVerifier({ anchors, revocation: revocationChecker(anchors) });
  })().catch((error: unknown) => {
    building = undefined;
    logger.error(
      'JPKI trust configuration unusable',
      error instanceof Error ? error : new Error(String(error)),
    );
    throw new ProblemError('service_unavailable', 'Certificate verification is not available now');
  });
  return building;
}

/**
 * The status check's view of the CRLs: every usable one after reading the sources afresh, named by its
 * anchor and scope (the same partition keeps its name from one issue to the next).
 */
export function revocationLists(checker: () => Promise<RevocationChecker>) {
  return {
    async crls(): Promise<RevocationList[]> {
      const usable = await (await checker()).usable(new Date());
      return usable.map((crl) => ({
        id: createHash('sha256')
          .update([crl.anchor.fingerprint, ...[...crl.scope].sort()].join('|'))
          .digest('base64url'),
        label: crl.label,
        issuerSha256: crl.issuerSha256,
        thisUpdate: crl.thisUpdate,
        revoked: crl.revoked,
      }));
    },
  } satisfies Pick<StatusCheckPorts, 'crls'>;
}
