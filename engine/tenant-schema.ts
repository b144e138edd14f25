// Stage 2's data: schemas/tenant.schema.json and the ajv options it is checked with, shared by
// tenant-validator.ts and the build, which compiles the same schema ahead of time.

import schema from '../schemas/tenant.schema.json' with { type: 'json' };

/** The tenant-file JSON Schema (also what editors use through yaml-language-server). */
export const tenantSchema = schema as Record<string, unknown>;

/** Every error at once (one diagnostic per mistake), with the failing data, schema in strict mode. */
export const ajvOptions = { allErrors: true, verbose: true, strict: true } as const;
