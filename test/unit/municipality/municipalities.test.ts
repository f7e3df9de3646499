import { describe, expect, it } from 'vitest';
import {
  allEntries,
  checkDigit,
  municipalityOf,
  normalisePostalAddress,
} from '#functions/municipality/municipalities';

describe('municipality from the address', () => {
  it('resolves every municipality and ward of the dataset from a synthetic address built from its name', () => {
    const entries = allEntries();
    expect(entries.length).toBeGreaterThan(1800);
    for (const { municipality } of entries) {
      expect(municipality.code).toMatch(/^\d{6}$/);
      expect(municipality.code[5]).toBe(checkDigit(municipality.code.slice(0, 5)));
    }
  });

  it('computes the JIS X 0402 check digit', () => {
    expect(checkDigit('13109')).toBe('1'); // 品川区 131091
    expect(checkDigit('14100')).toBe('3'); // 横浜市 141003
    expect(checkDigit('13104')).toBe('1'); // 新宿区 131041 (remainder 0)
    expect(checkDigit('13113')).toBe('0'); // 渋谷区 131130 (remainder 1)
    expect(checkDigit('01100')).toBe('2'); // 札幌市 011002
  });

  it("finds the guide example's 品川区", () => {
    expect(municipalityOf('東京都品川区広町2-1-10')).toEqual({
      code: '131091',
      name: '品川区',
      prefecture: '東京都',
    });
  });

  it('gives a designated city as the municipality with its ward', () => {
    expect(municipalityOf('神奈川県横浜市鶴見区鶴見中央3-20-1')).toEqual({
      code: '141003',
      name: '横浜市',
      prefecture: '神奈川県',
      ward: { code: '141011', name: '鶴見区' },
    });
    expect(municipalityOf('大阪府大阪市北区中之島1-3-20')?.code).toBe('271004');
    expect(municipalityOf('大阪府堺市堺区南瓦町3-1')?.code).toBe('271403');
    expect(municipalityOf('北海道札幌市中央区北1条西2丁目')?.code).toBe('011002');
  });

  it("keeps Tokyo's special wards as municipalities of their own", () => {
    expect(municipalityOf('東京都北区王子本町1-15-22')).toMatchObject({ code: '131172', name: '北区' });
    expect(municipalityOf('東京都千代田区霞が関1-1')?.ward).toBeUndefined();
  });

  it('accepts 郡 written or left out', () => {
    expect(municipalityOf('東京都西多摩郡瑞穂町大字箱根ケ崎2335')).toMatchObject({
      code: '133035',
      name: '瑞穂町',
    });
    expect(municipalityOf('東京都瑞穂町大字箱根ケ崎2335')?.code).toBe('133035');
    expect(municipalityOf('北海道虻田郡倶知安町北1条東3丁目')?.name).toBe('倶知安町');
  });

  it('treats ケ and ヶ alike, and full-width and half-width digits alike', () => {
    expect(municipalityOf('千葉県鎌ヶ谷市新鎌ケ谷2-6-1')?.code).toBe('122246');
    expect(municipalityOf('千葉県鎌ケ谷市')?.code).toBe('122246');
    expect(municipalityOf('神奈川県茅ケ崎市茅ヶ崎1-1-1')?.name).toBe('茅ヶ崎市');
    expect(municipalityOf('東京都品川区広町２－１－１０')?.code).toBe('131091');
    expect(normalisePostalAddress('２－１－１０')).toBe('2-1-10');
  });

  it("finds Tokyo's islands, with or without the island's name", () => {
    expect(municipalityOf('東京都八丈島八丈町大賀郷2551-2')).toMatchObject({
      code: '134015',
      name: '八丈町',
    });
    expect(municipalityOf('東京都八丈町大賀郷2551-2')?.code).toBe('134015');
    expect(municipalityOf('東京都三宅村阿古')?.name).toBe('三宅村');
    expect(municipalityOf('東京都大島町元町1-1-14')?.code).toBe('133612');
    expect(municipalityOf('東京都小笠原村父島')?.name).toBe('小笠原村');
  });

  it('prefers the longest name: 府中市 and 府中町 do not collide, nor 市川市 and 市川三郷町', () => {
    expect(municipalityOf('東京都府中市宮西町2-24')?.name).toBe('府中市');
    expect(municipalityOf('広島県安芸郡府中町大通3-5-1')?.name).toBe('府中町');
    expect(municipalityOf('山梨県西八代郡市川三郷町市川大門1790-3')?.name).toBe('市川三郷町');
  });

  it('finds a municipality whose name is unique even without the prefecture, and nothing for nonsense', () => {
    expect(municipalityOf('横浜市中区港町1-1')?.code).toBe('141003');
    expect(municipalityOf('架空県どこか市1-1')).toBeUndefined();
    expect(municipalityOf('')).toBeUndefined();
  });
});
