import { afterEach, expect } from 'vitest';
import { takeViolations } from '#test/harness/contract';

/**
 * Every answer the virtual phone (or `checkedFetch`) received during a test must be one that the API
 * contract, docs/openapi.json, allows: a test fails here even when it caught the client's error.
 */
afterEach(() => {
  expect(takeViolations(), 'answers that break docs/openapi.json').toEqual([]);
});
