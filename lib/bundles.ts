import { cpSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import type { FunctionSpec } from './bindings.ts';
import { BUNDLING } from './constructs/house-function.ts';
import { EVENT_FUNCTIONS } from './event-functions.ts';
import { REPO_ROOT } from './paths.ts';
import { ROUTES } from './routes.ts';

/**
 * Bundles a function's entry exactly as the house function has CDK bundle it (`BUNDLING`, the arguments
 * NodejsFunction gives esbuild: --bundle --platform=node --format=esm --target --minify --sourcemap
 * --sources-content=false --main-fields --banner, and the extra arguments), into `<outdir>/index.mjs`. For `npm run bench:cold` and
 * the bundle tests, which must see what Lambda will load.
 */
export interface Bundle {
  file: string;
  /** Size of the minified JavaScript (the source map beside it not counted). */
  bytes: number;
  /** Every input that contributed bytes, with its share. */
  inputs: Record<string, number>;
}

export async function bundleEntry(entry: string, outdir: string, assets: string[] = []): Promise<Bundle> {
  mkdirSync(outdir, { recursive: true });
  const file = path.join(outdir, 'index.mjs');
  const result = await esbuild.build({
    entryPoints: [path.resolve(REPO_ROOT, entry)],
    absWorkingDir: REPO_ROOT,
    bundle: true,
    platform: 'node',
    format: BUNDLING.format,
    target: BUNDLING.target,
    outfile: file,
    minify: BUNDLING.minify,
    sourcemap: BUNDLING.sourceMap,
    sourcesContent: BUNDLING.sourcesContent,
    external: BUNDLING.externalModules,
    mainFields: BUNDLING.mainFields,
    banner: { js: BUNDLING.banner },
    ...esbuildOptionsOf(BUNDLING.esbuildArgs),
    metafile: true,
    logLevel: 'warning',
  });
  // As the house function's afterBundling hook: each asset folder next to the bundle, under its base name.
  for (const folder of assets)
    cpSync(path.join(REPO_ROOT, folder), path.join(outdir, path.basename(folder)), { recursive: true });
  const output = Object.entries(result.metafile.outputs).find(([name]) => name.endsWith('.mjs'));
  if (!output) throw new Error(`esbuild wrote no bundle for ${entry}`);
  const [, meta] = output;
  return {
    file,
    bytes: meta.bytes,
    inputs: Object.fromEntries(
      Object.entries(meta.inputs).map(([name, input]) => [name, input.bytesInOutput]),
    ),
  };
}

/** The house function's extra esbuild arguments as API options; an argument not known here is refused. */
function esbuildOptionsOf(args: Record<string, string>): Pick<esbuild.BuildOptions, 'alias' | 'charset'> {
  const alias: Record<string, string> = {};
  let charset: esbuild.Charset | undefined;
  for (const [flag, value] of Object.entries(args)) {
    const name = /^--alias:(.+)$/.exec(flag)?.[1];
    if (name) alias[name] = value;
    else if (flag === '--charset') charset = value as esbuild.Charset;
    else throw new Error(`bundles.ts does not know the esbuild argument ${flag}; add it here too`);
  }
  return { alias, charset };
}

/** Every deployed function: route and event functions, with their entry and handler export. */
export interface DeployedFunction {
  id: string;
  entry: string;
  handler: string;
  kind: 'api' | 'event';
  assets: string[];
}

export function deployedFunctions(): DeployedFunction[] {
  const specs: { spec: FunctionSpec; kind: 'api' | 'event' }[] = [
    ...ROUTES.map((spec) => ({ spec, kind: 'api' as const })),
    ...Object.values(EVENT_FUNCTIONS).map((spec) => ({ spec: spec as FunctionSpec, kind: 'event' as const })),
  ];
  return specs.map(({ spec, kind }) => ({
    id: spec.id,
    entry: spec.entry,
    handler: spec.handler,
    kind,
    assets: spec.assets ?? [],
  }));
}

/** The npm packages in a bundle with the bytes each contributed (`@aws-sdk/client-kms` …, `app` for ours). */
export function packagesOf(bundle: Bundle): Record<string, number> {
  const packages: Record<string, number> = {};
  for (const [input, bytes] of Object.entries(bundle.inputs)) {
    const name = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? 'app';
    packages[name] = (packages[name] ?? 0) + bytes;
  }
  return packages;
}
