import { createRedactor, type RedactFields, type Redactor } from '../../src/core/redact.js';

/** A fixed key, so that tests can predict masks; 32 characters like a key ENFORCE_REDACT_KEY accepts. */
export const TEST_REDACT_KEY = 'test-redact-key-0123456789abcdef';

export function testRedactor(fields: RedactFields, secretValues: readonly string[] = []): Redactor {
  return createRedactor({ key: TEST_REDACT_KEY, fields, secretValues });
}

/** The mask of a value under TEST_REDACT_KEY. */
export const testMask: Redactor['mask'] = testRedactor('none').mask;
