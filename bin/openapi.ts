#!/usr/bin/env -S npx tsx
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { OPENAPI_FILE, openApiDocument, openApiText } from '../lib/openapi/document.ts';
import { REFERENCE_FILE, referencePage } from '../lib/openapi/render.ts';
import { REPO_ROOT } from '../lib/paths.ts';

/**
 * `npm run openapi`: writes the API contract (docs/openapi.json) from the route table and its schemas, and
 * the reference page rendered from it (docs/api-reference.html). Run it after changing a route or a
 * schema; a unit test fails while either file is stale.
 */
const document = openApiDocument();
writeFileSync(path.join(REPO_ROOT, OPENAPI_FILE), openApiText(document));
writeFileSync(path.join(REPO_ROOT, REFERENCE_FILE), referencePage(document));
console.log(`wrote ${OPENAPI_FILE} and ${REFERENCE_FILE}`);
