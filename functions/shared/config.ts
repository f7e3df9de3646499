import { ENV, type EnvName } from './env.ts';

/** Thrown at cold start when the function was deployed without a variable it needs. */
export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}

const cache = new Map<EnvName, string>();

/**
 * Reads a required environment variable once and remembers it. Call it at module scope in a handler file
 * so that a missing binding fails the cold start loudly instead of the first request quietly.
 */
export function required(name: EnvName): string {
  const known = cache.get(name);
  if (known !== undefined) return known;
  const value = process.env[name];
  if (value === undefined || value.trim() === '') {
    throw new ConfigurationError(
      `Environment variable ${name} is not set; the function's bindings are incomplete`,
    );
  }
  cache.set(name, value);
  return value;
}

/** Reads an optional environment variable; `undefined` when absent or blank. */
export function optional(name: EnvName): string | undefined {
  const value = process.env[name];
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** The deployment stage (`local`, `dev`, `staging`, `prod`). */
export function stage(): string {
  return required(ENV.stage);
}

/** True when running under `npm start` / the tests, against the local AWS stand-ins. */
export function isLocal(): boolean {
  return optional(ENV.stage) === 'local';
}

/** Forgets what was read; for tests that change the environment between cases. */
export function resetConfigCache(): void {
  cache.clear();
}

/** A comma-separated list from the environment (sources of trust material, key ids …), blanks dropped. */
export function listOf(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}
