import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleEntry, deployedFunctions, packagesOf } from '#lib/bundles';

/**
 * What keeps the functions' cold starts on their budget (issue 18), checked on the bundles exactly as CDK
 * makes them: sizes and contents are deterministic, so they are asserted here, while the import times
 * themselves are `npm run bench:cold`'s to print. Every bundle stays under 500 KB; no API function bundles
 * an AWS SDK service client (the request paths speak DynamoDB, KMS, SNS, S3 and SES through
 * `functions/adapters/aws-http.ts` and its siblings), nor the X-Ray SDK; the authorizer bundles no SDK at all.
 */
const work = mkdtempSync(path.join(tmpdir(), 'xid-bundles-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const functions = deployedFunctions();
const entries = [...new Set(functions.map((f) => f.entry))];
const bundles = new Map<string, Awaited<ReturnType<typeof bundleEntry>>>();
const bundleOf = async (entry: string) => {
  let bundle = bundles.get(entry);
  if (!bundle) {
    bundle = await bundleEntry(entry, path.join(work, entry.replace(/[/.]/g, '_')));
    bundles.set(entry, bundle);
  }
  return bundle;
};
const MAX_BYTES = 500 * 1024;

describe('function bundles', () => {
  it.each(entries)('%s stays under 500 KB minified', async (entry) => {
    expect((await bundleOf(entry)).bytes).toBeLessThan(MAX_BYTES);
  });

  it.each([...new Set(functions.filter((f) => f.kind === 'api').map((f) => f.entry))])(
    '%s (an API function) bundles no AWS SDK service client and no X-Ray SDK',
    async (entry) => {
      const packages = Object.keys(packagesOf(await bundleOf(entry)));
      expect(
        packages.filter((name) => /^@aws-sdk\/client-|^aws-xray-sdk|^@aws-sdk\/lib-/.test(name)),
      ).toEqual([]);
    },
  );

  it('keeps the authorizer free of the SDK altogether', async () => {
    const authorizer = functions.find((f) => f.id === 'authorizer');
    const packages = Object.keys(packagesOf(await bundleOf(authorizer?.entry as string)));
    expect(packages.filter((name) => name.startsWith('@aws-sdk/') || name.startsWith('@smithy/'))).toEqual(
      [],
    );
  });
});
