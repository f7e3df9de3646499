import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Bundle budget (issue 18, `npm run bench:cold`): a function imports zod as a namespace
 * (`import * as z from 'zod'`). The named import `{ z }` keeps zod's 40 locales in the bundle (about
 * 290 KB minified), which put four functions over 500 KB.
 */
const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return files(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });

describe('zod in the functions', () => {
  it('is imported as a namespace (or as types only) everywhere', () => {
    const named = files('functions').filter((file) =>
      /^import\s+\{[^}]*\}\s+from\s+'zod'/m.test(readFileSync(file, 'utf8')),
    );
    expect(named).toEqual([]);
  });
});
