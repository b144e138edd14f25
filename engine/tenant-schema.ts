// Stage 2's data: schemas/tenant.schema.json and the ajv options it is checked with, shared by
// tenant-validator.ts and the build, which compiles the same schema ahead of time.

import { readFileSync } from 'node:fs';

/** The tenant-file JSON Schema (also what editors use through yaml-language-server). */
export const tenantSchema = JSON.parse(readFileSync(new URL('../schemas/tenant.schema.json', import.meta.url), 'utf8')) as Record<string, unknown>;

/** Every error at once (one diagnostic per mistake), with the failing data, schema in strict mode. */
export const ajvOptions = { allErrors: true, verbose: true, strict: true } as const;
