import type { LegalDocument, LegalText } from './legal-texts.ts';

/** What the terms routes need: the texts in force (bundled next to the function). */
export interface TermsPorts {
  legalTexts(): Record<LegalDocument, LegalText>;
}
