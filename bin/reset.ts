#!/usr/bin/env -S npx tsx
import { rmSync } from 'node:fs';
import { readRuntimeRecord } from '../lib/local/runtime.ts';
import { localStateDir } from '../lib/paths.ts';

/** `npm run reset`: wipes the local runtime's state folder (refuses while a runtime is using it). */
const dir = localStateDir();
const record = readRuntimeRecord(dir);
if (record) {
  let alive = false;
  try {
    process.kill(record.pid, 0);
    alive = true;
  } catch {
    alive = false;
  }
  if (alive) {
    console.error(`A local runtime (pid ${record.pid}) is using ${dir}; stop it with Ctrl-C first.`);
    process.exit(1);
  }
}
rmSync(dir, { recursive: true, force: true });
console.log(`Removed ${dir}`);
