#!/usr/bin/env -S npx tsx
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../lib/paths.ts';
import { publisherDocs } from '../lib/publisher-docs.ts';

/**
 * `npm run publisher-docs`: writes what a municipality's publisher is given (the notice and receipt JSON
 * Schemas, the publisher's IAM policy, example receipts) from the code. Run it after changing the notice
 * schema or the receipts; a unit test fails while a file is stale.
 */
for (const [file, content] of Object.entries(await publisherDocs())) {
  mkdirSync(path.dirname(path.join(REPO_ROOT, file)), { recursive: true });
  writeFileSync(path.join(REPO_ROOT, file), content);
  console.log(`wrote ${file}`);
}
