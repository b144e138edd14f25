// Runs before every test file: a test during which the server sent a SCIM answer that does not
// match its own /Schemas and /ResourceTypes fails (test/server/validate-responses.ts collects them).

import { afterEach } from 'vitest';
import { takeViolations } from './server/validate-responses.ts';

afterEach(() => {
  const violations = takeViolations();
  if (violations.length > 0) throw new Error(`SCIM responses do not match what the server advertises:\n${violations.join('\n')}`);
});
