#!/usr/bin/env -S npx tsx
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { MUNICIPALITY_DATA_FILE, municipalityData } from '../lib/municipality-data.ts';
import { REPO_ROOT } from '../lib/paths.ts';

/** `npm run municipality-data`: writes the municipality list the functions read (lib/municipality-data.ts). */
writeFileSync(
  path.join(REPO_ROOT, MUNICIPALITY_DATA_FILE),
  `${JSON.stringify(municipalityData(), null, 2)}\n`,
);
console.log(`wrote ${MUNICIPALITY_DATA_FILE}`);
