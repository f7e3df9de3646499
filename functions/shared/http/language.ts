import catalogue from '../problems.ja.json' with { type: 'json' };
import { PROBLEMS, type ProblemCode } from '../problems.ts';

/**
 * The languages of problem documents: English by default, Japanese when the request asks for it. The
 * Japanese texts are a JSON catalogue (`problems.ja.json`) that apps may ship as it is.
 */
export type Language = 'en' | 'ja';

export const JA_CATALOGUE = catalogue;

/**
 * The language to answer in, from an `Accept-Language` header (RFC 9110 §12.5.4): ranges by weight, ties in
 * the order given, `q=0` excluded; `ja` and `ja-*` mean Japanese, `en`, `en-*` and `*` English; ranges for
 * other languages are skipped. No header, or nothing we speak: English.
 */
export function preferredLanguage(acceptLanguage: string | undefined): Language {
  if (!acceptLanguage) return 'en';
  const ranges = acceptLanguage
    .split(',')
    .map((part, index) => {
      const [range = '', ...params] = part.split(';').map((piece) => piece.trim());
      const q = params.find((param) => /^q=/i.test(param));
      const weight = q === undefined ? 1 : Number(q.slice(2));
      return { range: range.toLowerCase(), weight: Number.isFinite(weight) ? weight : 0, index };
    })
    .filter(({ range, weight }) => range !== '' && weight > 0)
    .sort((a, b) => b.weight - a.weight || a.index - b.index);
  for (const { range } of ranges) {
    if (range === 'ja' || range.startsWith('ja-')) return 'ja';
    if (range === 'en' || range.startsWith('en-') || range === '*') return 'en';
  }
  return 'en';
}

/**
 * The title and detail of a problem in a language. In Japanese, a detail the catalogue knows is translated;
 * any other (or none) gives way to the code's own Japanese detail, so a Japanese answer always explains.
 */
export function problemText(
  code: ProblemCode,
  detail: string | undefined,
  language: Language,
): { title: string; detail?: string } {
  if (language === 'en') return { title: PROBLEMS[code].title, detail };
  const ja = catalogue.problems[code];
  const translated = detail === undefined ? undefined : (catalogue.details as Record<string, string>)[detail];
  return { title: ja.title, detail: translated ?? ja.detail };
}
