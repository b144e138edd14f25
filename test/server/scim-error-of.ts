// Test helper: the ScimError a synchronous call throws (any other error is rethrown).

import { ScimError } from '../../server/errors.ts';

export function scimErrorOf(fn: () => unknown): ScimError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
  throw new Error('expected a ScimError');
}
