import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, against which handler entries and asset folders are resolved. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Where the local runtime keeps its state; `XID_LOCAL_DIR` moves it (the tests use a temporary folder). */
export function localStateDir(): string {
  return path.resolve(process.env.XID_LOCAL_DIR ?? path.join(REPO_ROOT, '.xid-local'));
}
