import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as z from 'zod';

/**
 * The terms of use and privacy policy currently in force. The texts are files next to this module
 * (`legal/`), versioned in `legal/manifest.json`; the house function construct copies them into every
 * bundle that serves them, so the same relative path works in Lambda and locally.
 */
export const LEGAL_DOCUMENTS = ['terms', 'privacyPolicy'] as const;
export type LegalDocument = (typeof LEGAL_DOCUMENTS)[number];

export interface LegalText {
  version: string;
  /** Lower-case hex SHA-256 of the exact bytes served; what the resident's card signs over. */
  sha256: string;
  text: string;
}

const manifestSchema = z.object({
  terms: z.object({ version: z.string().regex(/^[\w.-]{1,40}$/), file: z.string() }),
  privacyPolicy: z.object({ version: z.string().regex(/^[\w.-]{1,40}$/), file: z.string() }),
});

/** Reads the texts from a folder holding `manifest.json` and the files it names. */
export function loadLegalTexts(folder: URL): Record<LegalDocument, LegalText> {
  const manifest = manifestSchema.parse(JSON.parse(readFileSync(new URL('manifest.json', folder), 'utf8')));
  const read = (entry: { version: string; file: string }): LegalText => {
    const bytes = readFileSync(new URL(entry.file, folder));
    return {
      version: entry.version,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      text: bytes.toString('utf8'),
    };
  };
  return { terms: read(manifest.terms), privacyPolicy: read(manifest.privacyPolicy) };
}

/** Where the texts are: `legal/` beside this module in the repository, beside the bundle in Lambda. */
export const LEGAL_FOLDER = new URL('./legal/', import.meta.url);

/** The versions and digests in force: what `GET /v1/terms` publishes and statements and consents name. */
export interface CurrentTerms {
  terms: { version: string; sha256: string };
  privacyPolicy: { version: string; sha256: string };
}

let bundled: Record<LegalDocument, LegalText> | undefined;

/** The texts of this bundle, read once per container. */
export function legalTexts(): Record<LegalDocument, LegalText> {
  bundled ??= loadLegalTexts(LEGAL_FOLDER);
  return bundled;
}

/** The versions and digests of the bundled texts. */
export function currentTerms(): CurrentTerms {
  const { terms, privacyPolicy } = legalTexts();
  return {
    terms: { version: terms.version, sha256: terms.sha256 },
    privacyPolicy: { version: privacyPolicy.version, sha256: privacyPolicy.sha256 },
  };
}
