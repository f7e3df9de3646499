import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigurationError, isLocal, optional, required, resetConfigCache } from '#functions/shared/config';
import { ENV } from '#functions/shared/env';

describe('configuration', () => {
  const saved = { ...process.env };
  beforeEach(() => {
    delete process.env[ENV.tableName];
    resetConfigCache();
  });
  afterEach(() => {
    process.env = { ...saved };
    delete process.env[ENV.tableName];
    delete process.env[ENV.stage];
    resetConfigCache();
  });

  it('fails fast, naming the variable, when a required one is missing', () => {
    expect(() => required(ENV.tableName)).toThrow(ConfigurationError);
    expect(() => required(ENV.tableName)).toThrow(/XID_TABLE_NAME/);
  });

  it('treats a blank value as missing', () => {
    process.env[ENV.tableName] = '  ';
    expect(() => required(ENV.tableName)).toThrow(ConfigurationError);
    expect(optional(ENV.tableName)).toBeUndefined();
  });

  it('reads a variable once and keeps it for the life of the container', () => {
    process.env[ENV.tableName] = 'first';
    expect(required(ENV.tableName)).toBe('first');
    process.env[ENV.tableName] = 'second';
    expect(required(ENV.tableName)).toBe('first');
  });

  it('knows local mode by the stage', () => {
    process.env[ENV.stage] = 'local';
    expect(isLocal()).toBe(true);
    process.env[ENV.stage] = 'prod';
    expect(isLocal()).toBe(false);
  });
});
