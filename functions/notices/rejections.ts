import type { z } from 'zod';
import { CHARACTER_CHECKS_JA, NOTICE_CATEGORIES } from './schemas.ts';

/**
 * Why a notice was refused, in words a municipal clerk can act on, in Japanese and English (design.md
 * §3.12): one entry per wrong field, saying what the field must be. The receipt and the
 * `npm run municipality -- publish` check give the same words.
 */
export interface FieldRejection {
  /** The member of the notice (`title`, `url`, …), or `(message)` for the message as a whole. */
  field: string;
  ja: string;
  en: string;
}

type Words = { ja: string; en: string };

/** What each member must be: the rule, said once. */
const RULES: Record<string, Words> = {
  schema: {
    ja: 'schema には "xid/notice/v1" をそのまま書いてください。',
    en: 'schema must be exactly "xid/notice/v1".',
  },
  noticeId: {
    ja: 'noticeId はお知らせごとに新しく作った UUID にしてください(例: 3f0c9a4e-8b1d-4c2e-9f6a-2d7b5e1c0a93)。',
    en: 'noticeId must be a UUID made new for each notice (e.g. 3f0c9a4e-8b1d-4c2e-9f6a-2d7b5e1c0a93).',
  },
  title: {
    ja: '件名(title)は 1〜100 文字の文章にしてください。制御文字、書式制御文字、私用領域の文字や HTML タグは使えません。',
    en: 'title must be 1 to 100 characters of plain text: no control, format (Unicode Cf), private-use or surrogate characters, no HTML tags.',
  },
  body: {
    ja: '本文(body)は 1〜2,000 文字の文章にしてください。改行は使えますが、ほかの制御文字、書式制御文字、私用領域の文字や HTML タグは使えません。',
    en: 'body must be 1 to 2,000 characters of plain text: line breaks are fine; other control characters, format (Unicode Cf), private-use and surrogate characters and HTML tags are not.',
  },
  category: {
    ja: `分類(category)は次のどれかにしてください: ${NOTICE_CATEGORIES.join(', ')}。`,
    en: `category must be one of: ${NOTICE_CATEGORIES.join(', ')}.`,
  },
  url: {
    ja: 'リンク(url)は https:// で始まる 2,048 文字以内のアドレスにしてください。リンクがなければ url を書かないでください。',
    en: 'url must be an https:// address of at most 2,048 characters; leave url out if there is no link.',
  },
  publishedAt: {
    ja: '公開日時(publishedAt)はタイムゾーン付きの ISO 8601 形式にしてください(例: 2026-01-05T09:00:00+09:00)。',
    en: 'publishedAt must be an ISO 8601 date and time with its time zone (e.g. 2026-01-05T09:00:00+09:00).',
  },
};

/** A link off the municipality's domains (recorded at onboarding), or a link where none is recorded. */
export function offDomains(domains: readonly string[]): FieldRejection {
  return domains.length
    ? {
        field: 'url',
        ja: `リンク(url)は自治体のドメイン(${domains.join(', ')})のアドレスにしてください。`,
        en: `url must be on the municipality's domains (${domains.join(', ')}).`,
      }
    : {
        field: 'url',
        ja: 'この自治体にはリンク用のドメインが登録されていません。url を書かずに送るか、運用者にドメインの登録を依頼してください。',
        en: 'This municipality has no domain recorded for links: publish without a url, or have the operator add the domain.',
      };
}

/** A `publishedAt` more than 5 minutes ahead of xID's clock. */
export const PUBLISHED_IN_FUTURE: FieldRejection = {
  field: 'publishedAt',
  ja: '公開日時(publishedAt)を 5 分より先の未来にすることはできません。',
  en: 'publishedAt must not be more than 5 minutes in the future.',
};

/** The message is not JSON at all. */
export const NOT_JSON: FieldRejection = {
  field: '(message)',
  ja: 'メッセージが JSON ではありません。お知らせを JSON のオブジェクト(UTF-8)で送ってください。',
  en: 'The message is not JSON. Send the notice as a JSON object (UTF-8).',
};

const NOT_AN_OBJECT: FieldRejection = {
  field: '(message)',
  ja: 'メッセージがお知らせの形(JSON のオブジェクト)になっていません。',
  en: 'The message is not a notice (a JSON object).',
};

/** Turns the schema's issues into one rejection per field, in the order of the fields. */
export function rejectionsOf(issues: readonly z.core.$ZodIssue[]): FieldRejection[] {
  const out = new Map<string, FieldRejection>();
  for (const issue of issues) {
    const field = issue.path.length ? String(issue.path[0]) : '';
    if (!field && issue.code === 'unrecognized_keys') {
      const keys = issue.keys.join(', ');
      out.set(`unknown:${keys}`, {
        field: keys,
        ja: `xID が知らない項目があります。削除してください: ${keys}`,
        en: `Remove the members xID does not know: ${keys}.`,
      });
      continue;
    }
    if (!field) {
      out.set('(message)', NOT_AN_OBJECT);
      continue;
    }
    if (out.has(field)) continue;
    const missing = issue.code === 'invalid_type' && issue.input === undefined;
    const rule = RULES[field] ?? {
      ja: `${field} の値が正しくありません(${issue.message})。`,
      en: `${field} is not valid (${issue.message}).`,
    };
    // A character check names what it found, beside the field's rule.
    const found = issue.code === 'custom' ? CHARACTER_CHECKS_JA[issue.message] : undefined;
    out.set(field, {
      field,
      ja: missing ? `${field} がありません。${rule.ja}` : found ? `${rule.ja}${found}` : rule.ja,
      en: missing
        ? `${field} is missing. ${rule.en}`
        : found
          ? `${rule.en} Found: ${issue.message}.`
          : rule.en,
    });
  }
  return [...out.values()];
}

/** The one-sentence reason of a receipt: which fields to correct, and that the same noticeId may be reused. */
export function rejectionReason(rejections: readonly FieldRejection[]): Words {
  const fields = rejections.map((r) => r.field).join(', ');
  return {
    ja: `お知らせは受け付けられませんでした。次の項目を直して、もう一度送ってください(noticeId は同じでかまいません): ${fields}`,
    en: `The notice was not accepted. Correct these and publish it again (the same noticeId may be used): ${fields}`,
  };
}
