// Stage 2's schema check: ajv's validator of the tenant-file JSON Schema. In dist/ the build
// replaces this module with ajv's standalone code for the same schema and options, so the CLI
// does not compile the schema at every start.

import Ajv, { type ValidateFunction } from 'ajv';
import { ajvOptions, tenantSchema } from './tenant-schema.ts';

export const validateTenant: ValidateFunction = new Ajv(ajvOptions).compile(tenantSchema);
