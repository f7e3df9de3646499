import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../paths.ts';

const run = promisify(execFile);

/**
 * Runs one of the repository's command scripts (`bin/municipality.ts`, …) as `npm run` would, and gives its
 * standard output. Asynchronous on purpose: a synchronous child (execFileSync, spawnSync) blocks the event
 * loop, so the HTTP client cannot notice that the server closed an idle keep-alive socket meanwhile, and
 * the next request on that socket fails with `SocketError: other side closed`.
 */
export async function runCommand(
  script: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: REPO_ROOT,
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return stdout;
}
