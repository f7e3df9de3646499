import { describe, expect, it } from 'vitest';
import { loadEvent } from '#events/load';
import { NoticeRejectedError, parseNotice } from '#functions/notices/notice';
import { rejectionReason } from '#functions/notices/rejections';

/** Why a notice was refused, in words a clerk can act on, in Japanese and English (design.md §3.12). */
const sample = () =>
  JSON.parse(loadEvent('sns', 'notice').Records[0]?.Sns.Message as string) as Record<string, unknown>;

/** The sample's municipality, onboarded with the domain its link is on; a day after its date. */
const SHINAGAWA = { domains: ['city.shinagawa.tokyo.jp'], now: new Date('2026-11-27T09:00:00+09:00') };

function rejectionsOf(message: string) {
  try {
    parseNotice(message, SHINAGAWA);
  } catch (error) {
    if (error instanceof NoticeRejectedError) return error;
    throw error;
  }
  throw new Error('the notice was accepted');
}

const JAPANESE = /[\u3040-\u30ff\u4e00-\u9fff]/;

describe('notice rejections', () => {
  it.each([
    ['another schema', { schema: 'xid/notice/v2' }, ['schema'], 'xid/notice/v1'],
    ['a noticeId that is not a UUID', { noticeId: '1' }, ['noticeId'], 'UUID'],
    ['an http link', { url: 'http://www.city.shinagawa.tokyo.jp/' }, ['url'], 'https://'],
    ['markup in the body', { body: '<b>重要</b>' }, ['body'], 'HTML'],
    ['a control character in the title', { title: 'a\u0007b' }, ['title'], '制御文字'],
    ['an empty title', { title: '' }, ['title'], '1〜100'],
    ['an unknown category', { category: 'ads' }, ['category'], 'disaster'],
    ['a date without offset', { publishedAt: '2026-11-26T09:00:00' }, ['publishedAt'], '+09:00'],
    ['two wrong fields', { title: '', url: 'ftp://x.jp/' }, ['title', 'url'], '1〜100'],
  ] as [string, Record<string, unknown>, string[], string][])(
    'names the field and its rule for %s',
    (_, change, fields, rule) => {
      const error = rejectionsOf(JSON.stringify({ ...sample(), ...change }));
      expect(error.rejections.map((r) => r.field)).toEqual(fields);
      for (const r of error.rejections) {
        expect(r.ja).toMatch(JAPANESE);
        expect(r.en).not.toMatch(JAPANESE);
      }
      expect(error.rejections[0]?.ja).toContain(rule);
      expect(error.noticeId).toBe({ ...sample(), ...change }.noticeId);
    },
  );

  it('says a member is missing, and names members it does not know', () => {
    const { title: _title, ...withoutTitle } = sample();
    expect(rejectionsOf(JSON.stringify(withoutTitle)).rejections[0]).toMatchObject({
      field: 'title',
      ja: expect.stringMatching(/^title がありません。/),
      en: expect.stringMatching(/^title is missing\./),
    });
    expect(rejectionsOf(JSON.stringify({ ...sample(), extra: 1, note: 2 })).rejections).toEqual([
      expect.objectContaining({
        field: 'extra, note',
        en: 'Remove the members xID does not know: extra, note.',
      }),
    ]);
  });

  it('explains a message that is not JSON, or not an object, with no noticeId', () => {
    for (const message of ['{', '[1,2]', '"text"']) {
      const error = rejectionsOf(message);
      expect(error.noticeId).toBeNull();
      expect(error.rejections).toHaveLength(1);
      expect(error.rejections[0]?.field).toBe('(message)');
    }
  });

  it('sums up which fields to correct, and that the same noticeId may be used again', () => {
    const reason = rejectionReason(
      rejectionsOf(JSON.stringify({ ...sample(), title: '', url: 'x' })).rejections,
    );
    expect(reason.en).toBe(
      'The notice was not accepted. Correct these and publish it again (the same noticeId may be used): title, url',
    );
    expect(reason.ja).toContain('noticeId は同じでかまいません');
  });
});
