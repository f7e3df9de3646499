import type { JsonObject } from './document.ts';
export const REFERENCE_FILE = 'docs/api-reference.html';
export function referencePage(document: JsonObject): string {
  return JSON.stringify(document).slice(0, 10);
}
