import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROBLEMS } from '#functions/shared/problems';
import { REPO_ROOT } from '#lib/paths';
import { ROUTES } from '#lib/routes';

const apiDoc = readFileSync(path.join(REPO_ROOT, 'docs/api.md'), 'utf8');

describe('docs/api.md', () => {
  it.each(Object.entries(PROBLEMS))('documents the code %s with its status', (code, { status }) => {
    expect(apiDoc).toMatch(new RegExp(`\\| \`${code}\` +\\| ${status} +\\|`));
  });

  it.each(ROUTES.map((r) => [`${r.method} ${r.path}`]))('documents %s', (route) => {
    expect(apiDoc).toContain(`\`${route}\``);
  });
});
